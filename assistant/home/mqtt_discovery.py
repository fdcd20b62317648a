"""Home Assistant's MQTT discovery convention, read: what Zigbee2MQTT, Tasmota and ESPHome
publish under `<prefix>/<component>/[<node_id>/]<object_id>/config`.

A config payload (JSON, keys full or abbreviated, `~` standing for a base topic) becomes a
`Discovered`: the common model's `Device` plus the topics, payloads and templates needed to
command it and follow its state. Supported: light (default and JSON schema), switch,
climate (set-point), cover (open/close, position), lock, scene, sensor, binary_sensor.

Templates: devices describe their payloads with Jinja templates; only the forms these
firmwares publish are read (`{{ value }}`, `{{ value_json.a.b }}`, `{{ value_json['a'] }}`,
and a command template with `{{ value }}`/`{{ position }}`), never executed as code. A
device whose template is something else is still commanded; its state is not followed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from assistant.home import model

#: Abbreviations HA's discovery accepts for the keys read here.
ABBREVIATIONS = {
    "avty_t": "availability_topic", "bri_cmd_t": "brightness_command_topic",
    "bri_scl": "brightness_scale", "bri_stat_t": "brightness_state_topic",
    "bri_val_tpl": "brightness_value_template", "cmd_t": "command_topic",
    "cmd_tpl": "command_template", "curr_temp_t": "current_temperature_topic",
    "curr_temp_tpl": "current_temperature_template", "dev": "device",
    "dev_cla": "device_class", "max_temp": "max_temp", "min_temp": "min_temp",
    "obj_id": "object_id", "pl_avail": "payload_available", "pl_cls": "payload_close",
    "pl_lock": "payload_lock", "pl_not_avail": "payload_not_available",
    "pl_off": "payload_off", "pl_on": "payload_on", "pl_open": "payload_open",
    "pl_unlk": "payload_unlock", "pos_clsd": "position_closed", "pos_open": "position_open",
    "pos_t": "position_topic", "pos_tpl": "position_template",
    "rgb_cmd_t": "rgb_command_topic", "rgb_stat_t": "rgb_state_topic",
    "set_pos_t": "set_position_topic", "set_pos_tpl": "set_position_template",
    "stat_clsd": "state_closed", "stat_locked": "state_locked", "stat_off": "state_off",
    "stat_on": "state_on", "stat_open": "state_open", "stat_t": "state_topic",
    "stat_tpl": "state_value_template", "stat_unlocked": "state_unlocked",
    "stat_val_tpl": "state_value_template", "temp_cmd_t": "temperature_command_topic",
    "temp_cmd_tpl": "temperature_command_template", "temp_stat_t": "temperature_state_topic",
    "temp_stat_tpl": "temperature_state_template", "uniq_id": "unique_id",
    "unit_of_meas": "unit_of_measurement", "val_tpl": "value_template",
    "ids": "identifiers", "sa": "suggested_area", "name": "name",
}
COMPONENTS = {"light": model.LIGHT, "switch": model.SWITCH, "climate": model.CLIMATE,
              "cover": model.COVER, "lock": model.LOCK, "scene": model.SCENE,
              "sensor": model.SENSOR, "binary_sensor": model.BINARY_SENSOR}
_TOPIC = re.compile(r"^(?P<component>[^/]+)/(?:(?P<node>[^/]+)/)?(?P<object>[^/]+)/config$")
_VALUE_JSON = re.compile(
    r"^\{\{\s*value_json((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\s*'[^']*'\s*\]|\[\s*\"[^\"]*\"\s*\])+)"
    r"\s*(?:\|\s*(?:int|float|string|lower|upper|round(?:\(\d\))?)\s*)*\}\}$")
_PATH_PART = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['\"]([^'\"]*)['\"]\s*\]")
_PLAIN_VALUE = re.compile(r"^\{\{\s*value\s*\}\}$")


class DiscoveryError(ValueError):
    """A discovery config that cannot be used (the message says which key)."""


@dataclass(frozen=True)
class Discovered:
    """One announced device: the model device and the raw (expanded) config."""

    device: model.Device
    config: dict[str, Any]
    component: str

    def get(self, key: str, default: Any = None) -> Any:
        return self.config.get(key, default)

    @property
    def json_schema(self) -> bool:
        return self.component == "light" and self.config.get("schema") == "json"

    def state_topics(self) -> set[str]:
        keys = ("state_topic", "brightness_state_topic", "rgb_state_topic", "position_topic",
                "temperature_state_topic", "current_temperature_topic",
                "availability_topic")
        return {self.config[k] for k in keys if isinstance(self.config.get(k), str)}


def parse_topic(topic: str, prefix: str) -> tuple[str, str] | None:
    """(component, "node/object" id) of a discovery topic under `prefix`, else None."""
    if not topic.startswith(prefix + "/"):
        return None
    match = _TOPIC.match(topic[len(prefix) + 1:])
    if match is None:
        return None
    node = match["node"]
    object_id = f"{node}/{match['object']}" if node else match["object"]
    return match["component"], object_id


def expand(config: dict[str, Any]) -> dict[str, Any]:
    """Full key names, and `~` replaced by the base topic in every topic."""
    expanded = {ABBREVIATIONS.get(k, k): v for k, v in config.items()}
    base = expanded.pop("~", None)
    if isinstance(base, str):
        for key, value in expanded.items():
            if key.endswith("_topic") and isinstance(value, str):
                if value.startswith("~"):
                    expanded[key] = base + value[1:]
                elif value.endswith("~"):
                    expanded[key] = value[:-1] + base
    device = expanded.get("device")
    if isinstance(device, dict):
        expanded["device"] = {ABBREVIATIONS.get(k, k): v for k, v in device.items()}
    return expanded


def discovered(component: str, object_id: str, payload: dict[str, Any]) -> Discovered:
    """The device a discovery config announces (DiscoveryError when it cannot be used)."""
    kind = COMPONENTS.get(component)
    if kind is None:
        raise DiscoveryError(f"component {component!r} is not one the assistant controls")
    config = expand(payload)
    unique_id = config.get("unique_id") or object_id
    name = _name(config)
    if not name:
        raise DiscoveryError("no name (neither `name` nor `device.name`)")
    capabilities = _capabilities(kind, config)
    if not capabilities:
        raise DiscoveryError("neither a command topic nor a state topic")
    device_info = config.get("device")
    area = device_info.get("suggested_area") if isinstance(device_info, dict) else None
    device = model.Device(
        id=str(unique_id), kind=kind, name=name,
        area=model.spoken(area) if isinstance(area, str) and area.strip() else None,
        capabilities=capabilities, sensitive=kind == model.LOCK,
        min_temperature=_number(config.get("min_temp"), 7.0) if kind == model.CLIMATE else None,
        max_temperature=_number(config.get("max_temp"), 35.0) if kind == model.CLIMATE else None,
        unit=str(config.get("unit_of_measurement") or ""))
    return Discovered(device=device, config=config, component=component)


def _name(config: dict[str, Any]) -> str:
    device = config.get("device")
    device_name = _text(device.get("name")) if isinstance(device, dict) else ""
    entity = _text(config.get("name"))
    if device_name and entity and not entity.startswith(device_name):
        return f"{device_name} {entity}"
    return entity or device_name


def _text(name: Any) -> str:
    return model.spoken(name.replace("_", " ")) if isinstance(name, str) else ""


def _capabilities(kind: str, config: dict[str, Any]) -> frozenset[str]:
    has = {key for key, value in config.items() if key.endswith("_topic") and value}
    caps: set[str] = set()
    if kind in (model.SENSOR, model.BINARY_SENSOR):
        return frozenset({model.READ}) if "state_topic" in has else frozenset()
    commands = "command_topic" in has
    if kind in (model.LIGHT, model.SWITCH) and commands:
        caps.add(model.ON_OFF)
    if kind == model.LIGHT and (config.get("brightness") is True and commands
                                or "brightness_command_topic" in has):
        caps.add(model.BRIGHTNESS)
    if kind == model.LIGHT and (_json_color(config) and commands or "rgb_command_topic" in has):
        caps.add(model.COLOR)
    if kind == model.CLIMATE and "temperature_command_topic" in has:
        caps.add(model.TARGET_TEMPERATURE)
    if kind == model.COVER and commands:
        caps.add(model.OPEN_CLOSE)
    if kind == model.COVER and "set_position_topic" in has:
        caps.add(model.POSITION)
    if kind == model.LOCK and commands:
        caps.add(model.LOCKING)
    if kind == model.SCENE and commands:
        caps.add(model.ACTIVATE)
    if not caps and has & {"state_topic", "temperature_state_topic",
                           "current_temperature_topic"}:
        caps.add(model.READ)
    return frozenset(caps)


def _json_color(config: dict[str, Any]) -> bool:
    if config.get("schema") != "json":
        return False
    modes = config.get("supported_color_modes") or []
    return bool(config.get("rgb")) or any(m in ("rgb", "xy", "hs") for m in modes)


def _number(value: Any, default: float) -> float:
    try:
        return float(value) if value is not None else default
    except (TypeError, ValueError):
        return default


# -- templates --------------------------------------------------------------------------

class UnsupportedTemplate(ValueError):
    """A template outside the small subset read here."""


def render_value(template: str | None, payload: str) -> Any:
    """The value a state template picks out of `payload` (None when the JSON holds no such
    key). Raises UnsupportedTemplate, or ValueError for a payload that is not JSON."""
    if template is None or _PLAIN_VALUE.match(template.strip()):
        return payload
    match = _VALUE_JSON.match(template.strip())
    if match is None:
        raise UnsupportedTemplate(template)
    value: Any = json.loads(payload)
    for attribute, key in _PATH_PART.findall(match[1]):
        if not isinstance(value, dict):
            return None
        value = value.get(attribute or key)
    return value


def render_command(template: str | None, value: Any, *, name: str = "value") -> str:
    """A command payload: `value` alone, or put into a template's `{{ value }}` (or
    `{{ position }}` for covers)."""
    text = str(value)
    if template is None:
        return text
    pattern = re.compile(r"\{\{\s*(?:value|" + re.escape(name) + r")\s*\}\}")
    if not pattern.search(template) or "{%" in template:
        raise UnsupportedTemplate(template)
    return pattern.sub(text, template)

"""Commands to MQTT messages, and MQTT messages to states, for one discovered device.

Payload defaults are Home Assistant's (ON/OFF, LOCK/UNLOCK, OPEN/CLOSE, LOCKED/UNLOCKED,
open/closed, brightness scale 255), so a device that announces only its topics works.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from assistant.home import model
from assistant.home.backend import (
    Activate,
    CloseCover,
    Command,
    HomeRefused,
    Lock,
    OpenCover,
    SetBrightness,
    SetColor,
    SetPosition,
    SetTemperature,
    TurnOff,
    TurnOn,
    Unlock,
)
from assistant.home.model import DeviceState
from assistant.home.mqtt_discovery import Discovered, render_command, render_value

Message = tuple[str, str]
"""(topic, payload)"""


def command_messages(found: Discovered, command: Command) -> tuple[list[Message], DeviceState]:
    """The messages that carry out `command`, and the state they ask for. HomeRefused when
    the device cannot do it."""
    device = found.device
    if isinstance(command, (TurnOn, TurnOff)) and device.can(model.ON_OFF):
        on = isinstance(command, TurnOn)
        if found.json_schema:
            payload = json.dumps({"state": "ON" if on else "OFF"})
        else:
            payload = str(found.get("payload_on" if on else "payload_off", "ON" if on else "OFF"))
        return [(found.get("command_topic"), payload)], _asked(found, on=on)
    if isinstance(command, SetBrightness) and device.can(model.BRIGHTNESS):
        return _brightness(found, command.percent)
    if isinstance(command, SetColor) and device.can(model.COLOR):
        r, g, b = command.rgb
        if found.json_schema:
            payload = json.dumps({"state": "ON", "color": {"r": r, "g": g, "b": b}})
            return [(found.get("command_topic"), payload)], _asked(found, on=True,
                                                                     color=command.rgb)
        return [(found.get("rgb_command_topic"), f"{r},{g},{b}")], _asked(found, color=command.rgb)
    if isinstance(command, SetTemperature) and device.can(model.TARGET_TEMPERATURE):
        low, high = device.min_temperature, device.max_temperature
        if low is not None and high is not None and not low <= command.celsius <= high:
            raise HomeRefused(f"{command.celsius} °C is outside {device.name}'s range "
                              f"{low}-{high} °C", device_id=device.id)
        payload = render_command(found.get("temperature_command_template"), command.celsius)
        return ([(found.get("temperature_command_topic"), payload)],
                _asked(found, target_temperature=command.celsius))
    if isinstance(command, (OpenCover, CloseCover)) and device.can(model.OPEN_CLOSE):
        opening = isinstance(command, OpenCover)
        payload = found.get("payload_open" if opening else "payload_close",
                            "OPEN" if opening else "CLOSE")
        return [(found.get("command_topic"), str(payload))], _asked(found, open=opening)
    if isinstance(command, SetPosition) and device.can(model.POSITION):
        percent = max(0, min(100, int(command.percent)))
        payload = render_command(found.get("set_position_template"), percent, name="position")
        return ([(found.get("set_position_topic"), payload)],
                _asked(found, position=percent, open=percent > 0))
    if isinstance(command, (Lock, Unlock)) and device.can(model.LOCKING):
        locking = isinstance(command, Lock)
        payload = found.get("payload_lock" if locking else "payload_unlock",
                            "LOCK" if locking else "UNLOCK")
        return [(found.get("command_topic"), str(payload))], _asked(found, locked=locking)
    if isinstance(command, (Activate, TurnOn)) and device.can(model.ACTIVATE):
        return [(found.get("command_topic"), str(found.get("payload_on", "ON")))], _asked(found)
    raise HomeRefused(f"the {device.name} cannot {type(command).__name__}", device_id=device.id)


def _brightness(found: Discovered, percent: int) -> tuple[list[Message], DeviceState]:
    if not 0 <= percent <= 100:
        raise HomeRefused(f"brightness {percent} % is not 0-100", device_id=found.device.id)
    scale = int(found.get("brightness_scale", 255) or 255)
    raw = round(percent * scale / 100)
    if percent == 0:
        return command_messages(found, TurnOff())
    if found.json_schema:
        payload = json.dumps({"state": "ON", "brightness": raw})
        return [(found.get("command_topic"), payload)], _asked(found, on=True, brightness=percent)
    return ([(found.get("brightness_command_topic"), str(raw))],
            _asked(found, on=True, brightness=percent))


def _asked(found: Discovered, **values: Any) -> DeviceState:
    return DeviceState(device_id=found.device.id, **values)


def apply_message(found: Discovered, topic: str, payload: str,
                  state: DeviceState) -> DeviceState:
    """`state` updated with one message on one of the device's topics. Raises ValueError
    (also json's) for a payload that cannot be read, UnsupportedTemplate for a template."""
    config = found.config
    changes: dict[str, Any] = {}
    if topic == config.get("availability_topic"):
        changes["available"] = payload != config.get("payload_not_available", "offline")
    if found.json_schema and topic == config.get("state_topic"):
        changes.update(_json_light(found, json.loads(payload)))
    elif topic == config.get("state_topic"):
        template = config.get("state_value_template") or config.get("value_template")
        changes.update(_state_value(found, render_value(template, payload)))
    if topic == config.get("brightness_state_topic"):
        raw = render_value(config.get("brightness_value_template"), payload)
        changes["brightness"] = _percent(raw, config.get("brightness_scale", 255))
    if topic == config.get("position_topic"):
        position = render_value(config.get("position_template"), payload)
        if position is not None:
            changes["position"] = int(float(position))
            changes["open"] = changes["position"] > int(config.get("position_closed", 0))
    if topic == config.get("temperature_state_topic"):
        value = render_value(config.get("temperature_state_template"), payload)
        if value is not None:
            changes["target_temperature"] = float(value)
    if topic == config.get("current_temperature_topic"):
        value = render_value(config.get("current_temperature_template"), payload)
        if value is not None:
            changes["current_temperature"] = float(value)
    return dataclasses.replace(state, **changes) if changes else state


def _json_light(found: Discovered, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError("a JSON light state that is not an object")
    changes: dict[str, Any] = {}
    if isinstance(data.get("state"), str):
        changes["on"] = data["state"].upper() == "ON"
    if isinstance(data.get("brightness"), (int, float)):
        changes["brightness"] = _percent(data["brightness"], found.get("brightness_scale", 255))
    color = data.get("color")
    if isinstance(color, dict) and all(isinstance(color.get(c), int) for c in "rgb"):
        changes["color"] = (color["r"], color["g"], color["b"])
    return changes


def _state_value(found: Discovered, value: Any) -> dict[str, Any]:
    """The state one value on a device's state topic means."""
    if value is None:
        return {}
    text = str(value)
    kind, config = found.device.kind, found.config
    if kind in (model.LIGHT, model.SWITCH):
        return {"on": text == str(config.get("state_on", config.get("payload_on", "ON")))}
    if kind == model.LOCK:
        locked = str(config.get("state_locked", "LOCKED"))
        unlocked = str(config.get("state_unlocked", "UNLOCKED"))
        return {"locked": True} if text == locked else {"locked": False} \
            if text == unlocked else {}
    if kind == model.COVER:
        opened, closed = config.get("state_open", "open"), config.get("state_closed", "closed")
        return {"open": True} if text == str(opened) else {"open": False} \
            if text == str(closed) else {}
    if kind == model.BINARY_SENSOR:
        return {"on": text == str(config.get("payload_on", "ON"))}
    try:
        return {"value": float(text)}
    except ValueError:
        return {"value": text}


def _percent(raw: Any, scale: Any) -> int | None:
    try:
        return max(0, min(100, round(float(raw) * 100 / float(scale or 255))))
    except (TypeError, ValueError):
        return None

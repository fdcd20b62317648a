"""Home Assistant's registries and states in the common model, and commands as services.

Only entities exposed to voice assistants (HA's "Expose" setting for Assist, the
`conversation` assistant) become devices. An entity without a setting yet is exposed the
way HA itself decides on first use: when "expose new entities" is on, by its domain (and
for sensors, their device class).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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
from assistant.home.model import Area, Device, DeviceState, Floor, Forecast, Home, spoken

KINDS = {"light": model.LIGHT, "switch": model.SWITCH, "input_boolean": model.SWITCH,
         "climate": model.CLIMATE, "cover": model.COVER, "lock": model.LOCK,
         "scene": model.SCENE, "script": model.SCRIPT, "sensor": model.SENSOR,
         "binary_sensor": model.BINARY_SENSOR, "weather": model.WEATHER}
#: HA's default exposure (homeassistant/exposed_entities.py) for entities never set.
DEFAULT_EXPOSED_DOMAINS = {"climate", "cover", "fan", "humidifier", "light", "media_player",
                           "scene", "switch", "todo", "vacuum", "water_heater"}
DEFAULT_EXPOSED_SENSOR_CLASSES = {"aqi", "co", "co2", "humidity", "pm10", "pm25",
                                  "temperature", "volatile_organic_compounds", "door",
                                  "garage_door", "lock", "motion", "opening", "presence",
                                  "window"}
COLOR_MODES = {"hs", "rgb", "rgbw", "rgbww", "xy"}
SENSITIVE_COVERS = {"door", "garage", "gate"}
COVER_OPEN, COVER_CLOSE, COVER_POSITION = 1, 2, 4
CLIMATE_TARGET = 1


@dataclass(frozen=True)
class Registries:
    """What the registries and exposure settings say, as read at (re)connection."""

    floors: list[dict[str, Any]]
    areas: list[dict[str, Any]]
    devices: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    """Extended entries (with aliases and options) of every registered entity."""
    exposed: dict[str, dict[str, Any]]
    expose_new: bool
    fahrenheit: bool = False


def exposed(entity_id: str, state: dict[str, Any], entry: dict[str, Any] | None,
            registries: Registries) -> bool:
    """Whether HA lets voice assistants see this entity."""
    if entry is not None:
        setting = (entry.get("options") or {}).get("conversation", {}).get("should_expose")
        if setting is not None:
            return bool(setting)
    elif entity_id in registries.exposed:
        return bool(registries.exposed[entity_id].get("conversation"))
    if not registries.expose_new:
        return False
    domain = entity_id.partition(".")[0]
    if domain in ("sensor", "binary_sensor"):
        device_class = (state.get("attributes") or {}).get("device_class")
        return device_class in DEFAULT_EXPOSED_SENSOR_CLASSES
    return domain in DEFAULT_EXPOSED_DOMAINS


def build_home(states: Iterable[dict[str, Any]], registries: Registries) -> Home:
    entries = {e["entity_id"]: e for e in registries.entities}
    device_areas = {d["id"]: d.get("area_id") for d in registries.devices}
    devices = []
    for state in states:
        entity_id = state["entity_id"]
        entry = entries.get(entity_id)
        if entity_id.partition(".")[0] not in KINDS or entry and entry.get("disabled_by"):
            continue
        if not exposed(entity_id, state, entry, registries):
            continue
        area = (entry or {}).get("area_id") or device_areas.get((entry or {}).get("device_id"))
        devices.append(device_of(state, entry, area, fahrenheit=registries.fahrenheit))
    floors = tuple(Floor(f["floor_id"], spoken(f["name"]), _aliases(f),
                         tuple(a["area_id"] for a in registries.areas
                               if a.get("floor_id") == f["floor_id"]))
                   for f in registries.floors)
    areas = tuple(Area(a["area_id"], spoken(a["name"]), _aliases(a), a.get("floor_id"))
                  for a in registries.areas)
    return Home(floors=floors, areas=areas, devices=tuple(devices))


def _aliases(entry: dict[str, Any] | None) -> tuple[str, ...]:
    return tuple(spoken(a) for a in (entry or {}).get("aliases") or () if isinstance(a, str))


def device_of(state: dict[str, Any], entry: dict[str, Any] | None, area: str | None, *,
              fahrenheit: bool = False) -> Device:
    entity_id = state["entity_id"]
    domain = entity_id.partition(".")[0]
    attributes = state.get("attributes") or {}
    name = attributes.get("friendly_name") or entity_id.partition(".")[2].replace("_", " ")
    kind = KINDS[domain]
    climate = kind == model.CLIMATE
    return Device(
        id=entity_id, kind=kind, name=spoken(str(name)), aliases=_aliases(entry), area=area,
        capabilities=capabilities(domain, attributes),
        sensitive=kind == model.LOCK or (kind == model.COVER and attributes.get(
            "device_class") in SENSITIVE_COVERS),
        min_temperature=_celsius(attributes.get("min_temp"), fahrenheit) if climate else None,
        max_temperature=_celsius(attributes.get("max_temp"), fahrenheit) if climate else None,
        unit=str(attributes.get("unit_of_measurement") or ""))


def capabilities(domain: str, attributes: dict[str, Any]) -> frozenset[str]:
    features = int(attributes.get("supported_features") or 0)
    if domain == "light":
        modes = set(attributes.get("supported_color_modes") or ["onoff"])
        caps = {model.ON_OFF}
        if modes - {"onoff"}:
            caps.add(model.BRIGHTNESS)
        if modes & COLOR_MODES:
            caps.add(model.COLOR)
        return frozenset(caps)
    if domain in ("switch", "input_boolean"):
        return frozenset({model.ON_OFF})
    if domain == "climate":
        return frozenset({model.TARGET_TEMPERATURE} if features & CLIMATE_TARGET else ())
    if domain == "cover":
        caps = {model.OPEN_CLOSE} if features & (COVER_OPEN | COVER_CLOSE) else set()
        return frozenset(caps | ({model.POSITION} if features & COVER_POSITION else set()))
    if domain == "lock":
        return frozenset({model.LOCKING})
    if domain in ("scene", "script"):
        return frozenset({model.ACTIVATE})
    return frozenset({model.READ})


def state_of(state: dict[str, Any], *, fahrenheit: bool = False) -> DeviceState:
    entity_id = state["entity_id"]
    domain = entity_id.partition(".")[0]
    value = state.get("state")
    attributes = state.get("attributes") or {}
    result = DeviceState(device_id=entity_id, available=value not in ("unavailable", None))
    values: dict[str, Any] = {}
    if domain in ("light", "switch", "input_boolean", "binary_sensor"):
        values["on"] = value == "on"
    if domain == "light" and isinstance(attributes.get("brightness"), (int, float)):
        values["brightness"] = max(1, round(attributes["brightness"] * 100 / 255))
    if domain == "light" and isinstance(attributes.get("rgb_color"), (list, tuple)):
        values["color"] = tuple(int(c) for c in attributes["rgb_color"][:3])
    if domain == "climate":
        values["target_temperature"] = _celsius(attributes.get("temperature"), fahrenheit)
        values["current_temperature"] = _celsius(attributes.get("current_temperature"),
                                                 fahrenheit)
    if domain == "cover":
        values["open"] = value in ("open", "opening")
        if isinstance(attributes.get("current_position"), (int, float)):
            values["position"] = int(attributes["current_position"])
    if domain == "lock":
        values["locked"] = value == "locked"
    if domain in ("sensor", "weather"):
        values["value"] = _number_or_text(value)
    if domain == "weather":
        values["current_temperature"] = _celsius(attributes.get("temperature"), fahrenheit)
        values["humidity"] = _number(attributes.get("humidity"))
    return DeviceState(**{**vars(result), **values})


def forecast_of(period: dict[str, Any], *, fahrenheit: bool = False) -> Forecast:
    """One period of `weather.get_forecasts`, in degrees Celsius."""
    return Forecast(time=str(period.get("datetime")), condition=period.get("condition"),
                    high=_celsius(period.get("temperature"), fahrenheit),
                    low=_celsius(period.get("templow"), fahrenheit),
                    precipitation_probability=_number(period.get("precipitation_probability")))


def service_call(device: Device, command: Command, *,
                 fahrenheit: bool = False) -> tuple[str, str, dict[str, Any], DeviceState]:
    """(domain, service, data, the state asked for) for `command` on `device`."""
    domain = device.id.partition(".")[0]
    asked: dict[str, Any] = {}
    data: dict[str, Any] = {}
    if isinstance(command, (TurnOn, TurnOff)) and device.can(model.ON_OFF):
        on = isinstance(command, TurnOn)
        service, asked = ("turn_on" if on else "turn_off"), {"on": on}
    elif isinstance(command, (Activate, TurnOn)) and device.can(model.ACTIVATE):
        service = "turn_on"
    elif isinstance(command, SetBrightness) and device.can(model.BRIGHTNESS):
        if not 0 <= command.percent <= 100:
            raise HomeRefused(f"brightness {command.percent} % is not 0-100",
                              device_id=device.id)
        if command.percent == 0:
            return service_call(device, TurnOff())
        service, data = "turn_on", {"brightness_pct": int(command.percent)}
        asked = {"on": True, "brightness": int(command.percent)}
    elif isinstance(command, SetColor) and device.can(model.COLOR):
        service, data = "turn_on", {"rgb_color": list(command.rgb)}
        asked = {"on": True, "color": command.rgb}
    elif isinstance(command, SetTemperature) and device.can(model.TARGET_TEMPERATURE):
        low, high = device.min_temperature, device.max_temperature
        if low is not None and high is not None and not low <= command.celsius <= high:
            raise HomeRefused(f"{command.celsius} °C is outside {device.name}'s range "
                              f"{low}-{high} °C", device_id=device.id)
        value = command.celsius * 9 / 5 + 32 if fahrenheit else command.celsius
        service, data = "set_temperature", {"temperature": value}
        asked = {"target_temperature": command.celsius}
    elif isinstance(command, (OpenCover, CloseCover)) and device.can(model.OPEN_CLOSE):
        opening = isinstance(command, OpenCover)
        service, asked = ("open_cover" if opening else "close_cover"), {"open": opening}
    elif isinstance(command, SetPosition) and device.can(model.POSITION):
        position = max(0, min(100, int(command.percent)))
        service, data = "set_cover_position", {"position": position}
        asked = {"position": position, "open": position > 0}
    elif isinstance(command, (Lock, Unlock)) and device.can(model.LOCKING):
        locking = isinstance(command, Lock)
        service, asked = ("lock" if locking else "unlock"), {"locked": locking}
    else:
        raise HomeRefused(f"the {device.name} cannot {type(command).__name__}",
                          device_id=device.id)
    return domain, service, data, DeviceState(device_id=device.id, **asked)


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _number_or_text(value: Any) -> float | str | None:
    number = _number(value)
    return number if number is not None else value


def _celsius(value: Any, fahrenheit: bool) -> float | None:
    number = _number(value)
    if number is None or not fahrenheit:
        return number
    return round((number - 32) * 5 / 9, 1)

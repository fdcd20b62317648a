"""The simulated home's rooms and devices, from a TOML file.

The home config (what exists) is read-only and comes from `skills.home_file` or the
language's built-in home (assistant/language/CODE/home.toml); what is on, locked or at
which temperature is in `assistant.home.state_file`. `assistant.home.simulated` puts both
behind the `DeviceBackend` interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.toml_file import read_toml

DEVICE_KINDS = ("light", "plug", "thermostat", "blinds", "lock", "scene", "sensor")
SWITCHABLE = ("light", "plug")
#: What a scene may set each kind of device to (a scene never unlocks or opens a lock).
SCENE_STATES = {"light": ("on", "off"), "plug": ("on", "off"), "blinds": ("open", "closed"),
                "lock": ("locked",)}


class HomeConfigError(AssistantError, ValueError):
    """The home file cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Area:
    """A room, or a group of rooms such as "downstairs"."""

    id: str
    name: str
    rooms: tuple[str, ...]
    """Room ids this area covers (a room covers itself)."""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Device:
    id: str
    kind: str
    name: str
    room: str = ""
    aliases: tuple[str, ...] = ()
    sensitive: bool = False
    """Needs a spoken confirmation before it opens (locks are sensitive by default)."""
    min_temperature: float = 10.0
    max_temperature: float = 30.0
    temperature: float = 20.0
    """Thermostats: allowed range and initial target, degrees Celsius."""
    color: bool = False
    """Lights: takes a colour."""
    sets: tuple[tuple[str, str], ...] = ()
    """Scenes: (device id, state) pairs it sets ("kitchen_light", "off")."""
    value: float = 0.0
    unit: str = ""
    """Sensors: their (fixed) reading and its unit ("°C", "%")."""


@dataclass(frozen=True)
class HomeConfig:
    areas: tuple[Area, ...]
    devices: tuple[Device, ...]
    source: str = ""

    def device(self, device_id: str) -> Device:
        return next(d for d in self.devices if d.id == device_id)


def load_home(path: str | Path) -> HomeConfig:
    """Read a home file (each language pack ships one: assistant/language/<code>/home.toml)."""
    file = Path(path)
    data = read_toml(file, error=HomeConfigError,
                     missing=f"home file not found: {file} (check skills.home_file)")
    return home_from_dict(data, source=str(file))


def home_from_dict(data: dict[str, Any], *, source: str = "") -> HomeConfig:
    where = f"{source}: " if source else ""
    unknown = set(data) - {"rooms", "groups", "devices"}
    if unknown:
        raise HomeConfigError(f"{where}unknown section [{sorted(unknown)[0]}] "
                              "(known: rooms, groups, devices)")
    rooms = [_area(where, "rooms", key, value, rooms=(key,))
             for key, value in _tables(where, data, "rooms").items()]
    room_ids = {room.id for room in rooms}
    groups = []
    for key, value in _tables(where, data, "groups").items():
        members = _strings(where, f"groups.{key}.rooms", value.get("rooms", []))
        for member in members:
            if member not in room_ids:
                raise HomeConfigError(f"{where}groups.{key}.rooms: unknown room {member!r}")
        groups.append(_area(where, "groups", key, value, rooms=tuple(members)))
    devices = [_device(where, key, value, room_ids)
               for key, value in _tables(where, data, "devices").items()]
    _check_unique_names(where, [*rooms, *groups], "area")
    _check_unique_names(where, devices, "device", aliases=False)
    _check_scenes(where, devices)
    return HomeConfig(areas=(*rooms, *groups), devices=tuple(devices), source=source)


def _tables(where: str, data: dict[str, Any], section: str) -> dict[str, dict[str, Any]]:
    tables = data.get(section, {})
    if not isinstance(tables, dict) or not all(isinstance(v, dict) for v in tables.values()):
        raise HomeConfigError(f"{where}[{section}] must hold tables like [{section}.kitchen]")
    return tables


def _strings(where: str, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise HomeConfigError(f"{where}{key} must be a list of names")
    return [v.strip().lower() for v in value]


def _name(where: str, key: str, table: dict[str, Any], default: str) -> str:
    name = table.get("name", default.replace("_", " "))
    if not isinstance(name, str) or not name.strip():
        raise HomeConfigError(f"{where}{key}.name must be a non-empty string")
    return " ".join(name.lower().split())


def _area(where: str, section: str, key: str, table: dict[str, Any], *,
          rooms: tuple[str, ...]) -> Area:
    allowed = {"name", "aliases"} | ({"rooms"} if section == "groups" else set())
    _check_keys(where, f"{section}.{key}", table, allowed)
    return Area(id=key, name=_name(where, f"{section}.{key}", table, key), rooms=rooms,
                aliases=tuple(_strings(where, f"{section}.{key}.aliases",
                                       table.get("aliases", []))))


def _device(where: str, key: str, table: dict[str, Any], room_ids: set[str]) -> Device:
    prefix = f"devices.{key}"
    kind = table.get("kind")
    if kind not in DEVICE_KINDS:
        raise HomeConfigError(f"{where}{prefix}.kind must be one of "
                              f"{', '.join(DEVICE_KINDS)}, got {kind!r}")
    _check_keys(where, prefix, table, {"kind", "name", "room", "aliases", "sensitive"}
                | _KIND_KEYS.get(kind, set()))
    room = table.get("room", "")
    if room and room not in room_ids:
        raise HomeConfigError(f"{where}{prefix}.room: unknown room {room!r}")
    sensitive = table.get("sensitive", kind == "lock")
    color = table.get("color", False)
    for name, flag in (("sensitive", sensitive), ("color", color)):
        if not isinstance(flag, bool):
            raise HomeConfigError(f"{where}{prefix}.{name} must be true or false")
    numbers = {name: _number(where, f"{prefix}.{name}",
                             table.get(name, getattr(Device, name)))
               for name in ("min_temperature", "max_temperature", "temperature", "value")}
    if not numbers["min_temperature"] <= numbers["temperature"] <= numbers["max_temperature"]:
        raise HomeConfigError(f"{where}{prefix}.temperature must lie between "
                              "min_temperature and max_temperature")
    unit = table.get("unit", "")
    if not isinstance(unit, str):
        raise HomeConfigError(f"{where}{prefix}.unit must be a string such as \"°C\"")
    sets = table.get("sets", {})
    if not isinstance(sets, dict) or not all(isinstance(v, str) for v in sets.values()):
        raise HomeConfigError(f"{where}{prefix}.sets must be a table like "
                              '{ kitchen_light = "off" }')
    return Device(id=key, kind=kind, name=_name(where, prefix, table, key), room=room,
                  aliases=tuple(_strings(where, f"{prefix}.aliases", table.get("aliases", []))),
                  sensitive=sensitive, color=color, unit=unit,
                  sets=tuple((k, v.strip().lower()) for k, v in sets.items()), **numbers)


_KIND_KEYS = {"light": {"color"}, "scene": {"sets"}, "sensor": {"value", "unit"},
              "thermostat": {"min_temperature", "max_temperature", "temperature"}}


def _number(where: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise HomeConfigError(f"{where}{key} must be a number")
    return float(value)


def _check_scenes(where: str, devices: list[Device]) -> None:
    """Every scene sets devices the home has, to a state that kind can take."""
    kinds = {d.id: d.kind for d in devices}
    for scene in (d for d in devices if d.kind == "scene"):
        for target, state in scene.sets:
            allowed = SCENE_STATES.get(kinds.get(target, ""), ())
            if target not in kinds:
                raise HomeConfigError(f"{where}devices.{scene.id}.sets: unknown device "
                                      f"{target!r}")
            if state not in allowed:
                raise HomeConfigError(
                    f"{where}devices.{scene.id}.sets.{target} must be one of "
                    f"{', '.join(allowed) or '(nothing: a scene cannot set it)'}, got {state!r}")


def _check_keys(where: str, prefix: str, table: dict[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            raise HomeConfigError(f"{where}unknown key {prefix}.{key} "
                                  f"(known: {', '.join(sorted(allowed))})")


def _check_unique_names(where: str, items: list[Any], what: str, *,
                        aliases: bool = True) -> None:
    """Names (and, with `aliases`, aliases) used by two items are an error. Devices may
    share an alias ("lamp"): saying it asks which one; their names must tell them apart."""
    owners: dict[str, str] = {}
    for item in items:
        for spoken in (item.name, *item.aliases) if aliases else (item.name,):
            if spoken in owners and owners[spoken] != item.id:
                raise HomeConfigError(f"{where}the {what} name {spoken!r} is used by both "
                                      f"{owners[spoken]} and {item.id}")
            owners[spoken] = item.id

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

DEVICE_KINDS = ("light", "plug", "thermostat", "blinds", "lock")
SWITCHABLE = ("light", "plug")


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


@dataclass(frozen=True)
class HomeConfig:
    areas: tuple[Area, ...]
    devices: tuple[Device, ...]
    source: str = ""

    def device(self, device_id: str) -> Device:
        return next(d for d in self.devices if d.id == device_id)

    def device_named(self, name: str) -> Device | None:
        return next((d for d in self.devices if d.name == name), None)

    def area_named(self, name: str) -> Area | None:
        return next((a for a in self.areas if a.name == name), None)

    def spoken_lists(self) -> dict[str, list[tuple[str, str]]]:
        """(spoken form, canonical name) pairs for the recognizer's home lists."""
        lists: dict[str, list[tuple[str, str]]] = {
            "area": [(spoken, a.name) for a in self.areas for spoken in (a.name, *a.aliases)],
            "device": [], "switchable": [],
        }
        for device in self.devices:
            forms = [(spoken, device.name) for spoken in _spoken_forms(device)]
            lists["device"] += forms
            lists.setdefault(device.kind, []).extend(forms)
            if device.kind in SWITCHABLE:
                lists["switchable"] += forms
        return lists


def _spoken_forms(device: Device) -> list[str]:
    forms = []
    for name in (device.name, *device.aliases):
        forms.append(name)
        if not name.endswith("s"):
            forms.append(f"{name}s")  # "kill the kitchen lights"
    return forms


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
    _check_unique_names(where, devices, "device")
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
    allowed = {"kind", "name", "room", "aliases", "sensitive"}
    if kind == "thermostat":
        allowed |= {"min_temperature", "max_temperature", "temperature"}
    _check_keys(where, prefix, table, allowed)
    room = table.get("room", "")
    if room and room not in room_ids:
        raise HomeConfigError(f"{where}{prefix}.room: unknown room {room!r}")
    sensitive = table.get("sensitive", kind == "lock")
    if not isinstance(sensitive, bool):
        raise HomeConfigError(f"{where}{prefix}.sensitive must be true or false")
    numbers = {}
    for field_name in ("min_temperature", "max_temperature", "temperature"):
        value = table.get(field_name, getattr(Device, field_name))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise HomeConfigError(f"{where}{prefix}.{field_name} must be a number")
        numbers[field_name] = float(value)
    if not numbers["min_temperature"] <= numbers["temperature"] <= numbers["max_temperature"]:
        raise HomeConfigError(f"{where}{prefix}.temperature must lie between "
                              "min_temperature and max_temperature")
    return Device(id=key, kind=kind, name=_name(where, prefix, table, key), room=room,
                  aliases=tuple(_strings(where, f"{prefix}.aliases", table.get("aliases", []))),
                  sensitive=sensitive, **numbers)


def _check_keys(where: str, prefix: str, table: dict[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            raise HomeConfigError(f"{where}unknown key {prefix}.{key} "
                                  f"(known: {', '.join(sorted(allowed))})")


def _check_unique_names(where: str, items: list[Any], what: str) -> None:
    owners: dict[str, str] = {}
    for item in items:
        for spoken in (item.name, *item.aliases):
            if spoken in owners and owners[spoken] != item.id:
                raise HomeConfigError(f"{where}the {what} name {spoken!r} is used by both "
                                      f"{owners[spoken]} and {item.id}")
            owners[spoken] = item.id

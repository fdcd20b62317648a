"""The simulated home: rooms and devices from a TOML file, and their persisted state.

The home config (what exists) is read-only and comes from `skills.home_file` or the
shipped `assistant/data/home.toml`. The state (what is on, locked, at which
temperature) lives in a JSON file written atomically (temp file, fsync, rename) with
owner-only permissions, headed `"format": "assistant home state"`. A state file of ours
that cannot be used is moved aside as `*.corrupt`, reported, and the home starts from its
defaults: the config is never lost. A file that is not ours (no header: the path names
some other file) is never moved or overwritten: the start stops with an error naming it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from assistant.atomic import write_atomic
from assistant.errors import AssistantError
from assistant.toml_file import read_toml

log = logging.getLogger(__name__)

DEVICE_KINDS = ("light", "plug", "thermostat", "blinds", "lock")
SWITCHABLE = ("light", "plug")
STATE_VERSION = 1
STATE_FORMAT = "assistant home state"
"""The header that marks a state file as ours (files written before it have exactly the
keys "version" and "devices", and are ours too)."""

#: State keys per device kind and their types.
_STATE_SCHEMA: dict[str, dict[str, type]] = {
    "light": {"on": bool, "brightness": int},
    "plug": {"on": bool},
    "thermostat": {"target": float},
    "blinds": {"open": bool},
    "lock": {"locked": bool},
}


class HomeConfigError(AssistantError, ValueError):
    """The home file cannot be used; the message names the file and key."""


class HomeStateError(AssistantError):
    """The device state file cannot be used or could not be saved."""


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


def default_home_path() -> Path:
    return Path(str(resources.files("assistant").joinpath("data/home.toml")))


def load_home(path: str | Path | None = None) -> HomeConfig:
    """Read a home file ("" or None = the shipped default home)."""
    file = Path(path) if path else default_home_path()
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


def default_state_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "assistant" / "home-state.json"


def default_state(device: Device) -> dict[str, Any]:
    defaults: dict[str, dict[str, Any]] = {
        "light": {"on": False, "brightness": 100},
        "plug": {"on": False},
        "thermostat": {"target": device.temperature},
        "blinds": {"open": False},
        "lock": {"locked": True},
    }
    return defaults[device.kind]


class HomeState:
    """Current device states, saved after every change. `path=None` keeps them in memory.
    One house: every session (room) reads and changes the same state, under one lock.

    Raises HomeStateError if `path` is a directory or a file that is not a state file of
    ours (it is left as it is).
    """

    def __init__(self, config: HomeConfig, *, path: Path | None) -> None:
        self.config = config
        self.path = path
        self.problem: str | None = None
        """Why a state file could not be used (it was moved aside), for reporting."""
        self._states = {d.id: default_state(d) for d in config.devices}
        self._lock = threading.Lock()
        if path is not None:
            self._load(path)

    def get(self, device_id: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._states[device_id])

    def update(self, changes: dict[str, dict[str, Any]]) -> None:
        """Apply {device id: {key: value}} and persist (raises HomeStateError)."""
        with self._lock:
            for device_id, values in changes.items():
                self._states[device_id].update(values)
            if self.path is not None:
                self._save(self.path)

    def _load(self, path: Path) -> None:
        if path.is_dir():
            raise HomeStateError(f"the home state file {path} is a directory; "
                                 "set skills.state_file to a file path")
        try:
            text = path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):  # nothing saved yet (or cannot be)
            return
        except UnicodeDecodeError:
            raise HomeStateError(_foreign(path, "it is not text")) from None
        except OSError as error:
            raise HomeStateError(f"cannot read the home state file {path}: {error}") from None
        data = _ours(path, text)
        try:
            loaded = _parse_states(data, self.config)
        except (ValueError, TypeError) as error:
            self._set_aside(path, str(error))
            return
        for device_id, values in loaded.items():
            self._states[device_id].update(values)

    def _set_aside(self, path: Path, reason: str) -> None:
        corrupt = path.with_name(path.name + ".corrupt")
        try:
            os.replace(path, corrupt)
            moved = f"moved it to {corrupt}"
        except OSError as error:
            moved = f"could not move it aside ({error})"
        self.problem = (f"the home state file {path} was unusable ({reason}); {moved} "
                        "and started from the default device states")
        log.warning("%s", self.problem)

    def _save(self, path: Path) -> None:
        payload = json.dumps({"format": STATE_FORMAT, "version": STATE_VERSION,
                              "devices": self._states}, indent=2, sort_keys=True)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(path, (payload + "\n").encode("utf-8"))
        except OSError as error:
            raise HomeStateError(f"cannot save the home state to {path}: {error}") from None


def _ours(path: Path, text: str) -> dict[str, Any]:
    """A state file's JSON when the file is one of ours; HomeStateError otherwise."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise HomeStateError(_foreign(path, "it is not JSON")) from None
    if isinstance(data, dict) and (data.get("format") == STATE_FORMAT
                                   or set(data) == {"version", "devices"}):
        return data
    raise HomeStateError(_foreign(path, f"it has no \"format\": \"{STATE_FORMAT}\""))


def _foreign(path: Path, why: str) -> str:
    return (f"{path} is not a home state file of the assistant ({why}), so it is left "
            "as it is; set skills.state_file to another path, or delete the file if it is "
            "yours to lose")


def _parse_states(data: Any, config: HomeConfig) -> dict[str, dict[str, Any]]:
    """Checked device states from a state file's JSON (raises ValueError)."""
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise ValueError(f"not a version {STATE_VERSION} state file")
    devices = data.get("devices")
    if not isinstance(devices, dict):
        raise ValueError("'devices' is missing or not an object")
    known = {d.id: d for d in config.devices}
    states: dict[str, dict[str, Any]] = {}
    for device_id, values in devices.items():
        device = known.get(device_id)
        if device is None:
            log.debug("ignoring state of %s, which is no longer in the home", device_id)
            continue
        schema = _STATE_SCHEMA[device.kind]
        if not isinstance(values, dict) or set(values) != set(schema):
            raise ValueError(f"bad state for {device_id}")
        for key, kind in schema.items():
            value = values[key]
            ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value, ok = float(value), True
            if not ok:
                raise ValueError(f"bad value for {device_id}.{key}: {value!r}")
            values = {**values, key: value}
        if device.kind == "light" and not 0 <= values["brightness"] <= 100:
            raise ValueError(f"bad brightness for {device_id}")
        states[device_id] = values
    return states

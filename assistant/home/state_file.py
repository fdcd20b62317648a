"""The simulated home's persisted device states (what is on, locked, at which temperature).

The state lives in a JSON file written atomically (temp file, fsync, rename) with
owner-only permissions, headed `"format": "assistant home state"`. A state file of ours
that cannot be used is moved aside as `*.corrupt`, reported, and the home starts from its
defaults: the home file is never lost. A file that is not ours (no header: the path names
some other file) is never moved or overwritten: the start stops with an error naming it.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from assistant.atomic import write_atomic
from assistant.errors import AssistantError
from assistant.home.home_file import Device, HomeConfig

log = logging.getLogger(__name__)

STATE_VERSION = 1
STATE_FORMAT = "assistant home state"
"""The header that marks a state file as ours (files written before it have exactly the
keys "version" and "devices", and are ours too)."""

#: State keys per device kind and their types (a colour is a list of three 0-255 values
#: or null); a key missing from an older file takes its default.
_STATE_SCHEMA: dict[str, dict[str, type]] = {
    "light": {"on": bool, "brightness": int, "color": list},
    "plug": {"on": bool},
    "thermostat": {"target": float},
    "blinds": {"open": bool, "position": int},
    "lock": {"locked": bool},
    "scene": {},
    "sensor": {},
}


class HomeStateError(AssistantError):
    """The device state file cannot be used or could not be saved."""


def default_state_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "assistant" / "home-state.json"


def default_state(device: Device) -> dict[str, Any]:
    defaults: dict[str, dict[str, Any]] = {
        "light": {"on": False, "brightness": 100, **({"color": None} if device.color else {})},
        "plug": {"on": False},
        "thermostat": {"target": device.temperature},
        "blinds": {"open": False, "position": 0},
        "lock": {"locked": True},
        "scene": {},
        "sensor": {},
    }
    return dict(defaults[device.kind])


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

    def named_by(self, config: HomeConfig) -> HomeState:
        """The same house under other names (another language's home file with the same
        device ids): its states, file and lock are this one's. Raises HomeStateError
        when the devices differ."""
        if config is self.config:
            return self
        if {d.id for d in config.devices} != set(self._states):
            raise HomeStateError(f"the homes of the languages spoken must have the same "
                                 f"devices: {config.source} and {self.config.source} differ")
        view = copy.copy(self)
        view.config = config
        return view

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
        if not isinstance(values, dict) or set(values) - set(_STATE_SCHEMA[device.kind]):
            raise ValueError(f"bad state for {device_id}")
        state = {**default_state(device), **_checked(device, values)}
        if device.kind == "blinds" and "position" not in values:  # a file from before positions
            state["position"] = 100 if state["open"] else 0
        states[device_id] = state
    return states


def _checked(device: Device, values: dict[str, Any]) -> dict[str, Any]:
    """`values` with each key's type checked (raises ValueError)."""
    checked = {}
    for key, value in values.items():
        kind = _STATE_SCHEMA[device.kind][key]
        if key == "color" and value is not None:
            ok = isinstance(value, list) and len(value) == 3 and all(
                isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in value)
        elif key == "color":
            ok = True
        elif kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        else:
            ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if not ok:
            raise ValueError(f"bad value for {device.id}.{key}: {value!r}")
        if key in ("brightness", "position") and not 0 <= value <= 100:
            raise ValueError(f"bad {key} for {device.id}")
        checked[key] = value
    return checked

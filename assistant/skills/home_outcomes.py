"""What the smart-home skill reports, in no language: one class per kind of result.

Device and area objects travel whole (the language says their names, and English needs
to know whether "the blinds" are plural); states are plain words of the home model
("on", "locked", "open"); actions are the skill's verbs ("turn_on", "dim", "unlock").
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.home.home_file import Area, Device
from assistant.skills.base import Outcome


@dataclass(frozen=True)
class Group:
    """How a command named several devices: of a kind (None: any kind), in an area
    (None: the whole home)."""

    kind: str | None
    area: Area | None


@dataclass(frozen=True)
class UnknownDevice(Outcome):
    name: str


@dataclass(frozen=True)
class UnknownArea(Outcome):
    name: str


@dataclass(frozen=True)
class DeviceCannot(Outcome):
    """The device exists but cannot do what was asked (`action` when known: turn_on,
    turn_off); the reply says what it can do."""

    device: Device
    action: str | None


@dataclass(frozen=True)
class NoSuchDevice(Outcome):
    """No device of `kind` (None: none that can do it) in `area` (None: the home)."""

    kind: str | None
    area: Area | None


@dataclass(frozen=True)
class NothingToControl(Outcome):
    action: str


@dataclass(frozen=True)
class AskWhich(Outcome):
    """The command named no device: which one? (nothing was changed)"""

    action: str
    kind: str | None
    choices: tuple[Device, ...]


@dataclass(frozen=True)
class AlreadyInState(Outcome):
    device: Device
    state: str


@dataclass(frozen=True)
class Switched(Outcome):
    devices: tuple[Device, ...]
    on: bool
    group: Group


@dataclass(frozen=True)
class BrightnessOutOfRange(Outcome):
    pass


@dataclass(frozen=True)
class BrightnessSet(Outcome):
    devices: tuple[Device, ...]
    group: Group
    level: int
    """Percent; 0 turned them off."""


@dataclass(frozen=True)
class NoThermostat(Outcome):
    pass


@dataclass(frozen=True)
class TemperatureOutOfRange(Outcome):
    device: Device
    low: float
    high: float


@dataclass(frozen=True)
class TemperatureSet(Outcome):
    device: Device
    target: float


@dataclass(frozen=True)
class TemperatureAtLimit(Outcome):
    device: Device
    highest: bool
    limit: float


@dataclass(frozen=True)
class TemperatureStepped(Outcome):
    device: Device
    up: bool
    target: float


@dataclass(frozen=True)
class TemperatureIs(Outcome):
    device: Device
    target: float


@dataclass(frozen=True)
class DeviceStatus(Outcome):
    """A device's state; `asked` is the state a yes/no question named ("is it locked?")."""

    device: Device
    status: str
    """on, off, locked, unlocked, open, closed, or set (a thermostat: see `target`)."""
    asked: str | None
    brightness: int | None
    target: float | None


@dataclass(frozen=True)
class FlagSet(Outcome):
    """Blinds opened or closed, locks locked: `state` is the new state."""

    devices: tuple[Device, ...]
    state: str


@dataclass(frozen=True)
class UnlockQuestion(Outcome):
    device: Device


@dataclass(frozen=True)
class StaysLocked(Outcome):
    device: Device


@dataclass(frozen=True)
class Unlocked(Outcome):
    device: Device


@dataclass(frozen=True)
class NotSaved(Outcome):
    """The change was made but could not be saved: it is forgotten on restart."""

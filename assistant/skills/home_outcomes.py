"""What the smart-home skill reports, in no language: one class per kind of result.

Devices, areas and floors travel whole, as the home model has them (the language says
their names, and English needs to know whether "the blinds" are plural); states are plain
words of the home model ("on", "locked", "open"); actions are the skill's verbs
("turn_on", "dim", "unlock"); `home` names the backend ("simulated", "homeassistant",
"mqtt") for the replies about reaching it.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.home.model import Area, Device, Floor
from assistant.skills.base import Outcome

Place = Area | Floor
"""A room, or a floor (any named group of rooms): `place.is_floor` tells them apart."""


@dataclass(frozen=True)
class Group:
    """How a command named several devices: of a kind (None: any kind), in a place
    (None: the whole home)."""

    kind: str | None
    area: Place | None


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
    area: Place | None


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
class WhichOne(Outcome):
    """The name said belongs to several devices ("lamp"): which one? (nothing changed)"""

    action: str
    name: str
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
class ColorSet(Outcome):
    devices: tuple[Device, ...]
    group: Group
    color: str
    """The colour's canonical name ("red", "warm_white"): the language says it."""


@dataclass(frozen=True)
class PositionOutOfRange(Outcome):
    pass


@dataclass(frozen=True)
class PositionSet(Outcome):
    """Covers set part way: `position` is percent open (0 closed, 100 open)."""

    devices: tuple[Device, ...]
    group: Group
    position: int


@dataclass(frozen=True)
class Activated(Outcome):
    """A scene or script was started ("good night")."""

    device: Device


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
    """What a thermostat is set to."""

    device: Device
    target: float


@dataclass(frozen=True)
class TemperatureReading(Outcome):
    """The temperature measured in a place (a sensor, or a thermostat's own reading),
    degrees Celsius; `area` None: the home's one sensor."""

    device: Device
    area: Place | None
    celsius: float


@dataclass(frozen=True)
class NoTemperatureReading(Outcome):
    """Nothing measures the temperature there (`area` None: anywhere in the home)."""

    area: Place | None


@dataclass(frozen=True)
class SensorReading(Outcome):
    """A sensor's reading: a number with its unit ("%", "lx"), or a word ("rainy")."""

    device: Device
    value: float | str
    unit: str


@dataclass(frozen=True)
class DeviceStatus(Outcome):
    """A device's state; `asked` is the state a yes/no question named ("is it locked?")."""

    device: Device
    status: str
    """on, off, locked, unlocked, open, closed, or set (a thermostat: see `target`)."""
    asked: str | None
    brightness: int | None
    target: float | None
    position: int | None = None
    """Covers: percent open, when part way."""


@dataclass(frozen=True)
class DeviceUnavailable(Outcome):
    """The home knows the device but it does not report a state now (offline, unpaired)."""

    device: Device


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
class OpenQuestion(Outcome):
    """Opening a sensitive cover (a garage door): are you sure?"""

    device: Device


@dataclass(frozen=True)
class StaysClosed(Outcome):
    device: Device


@dataclass(frozen=True)
class NotSaved(Outcome):
    """The change was made but could not be saved: it is forgotten on restart."""


# -- the home backend's failures ------------------------------------------------------

@dataclass(frozen=True)
class CannotReach(Outcome):
    """The home does not answer now (Home Assistant restarting, the broker gone); nothing
    was changed (`device`: the one asked about, when known)."""

    home: str
    device: Device | None


@dataclass(frozen=True)
class HomeDeclined(Outcome):
    """The home answered and refused the command (a service call that failed)."""

    home: str
    device: Device | None


@dataclass(frozen=True)
class AccessRefused(Outcome):
    """The home refused our credentials (a revoked or expired token, a wrong password)."""

    home: str


@dataclass(frozen=True)
class NotShared(Outcome):
    """The device exists but is not exposed to voice assistants."""

    home: str
    device: Device


@dataclass(frozen=True)
class DeviceGone(Outcome):
    """The device vanished from the home since its names were read."""

    home: str
    device: Device


@dataclass(frozen=True)
class PartlyDone(Outcome):
    """Said after a command on several devices when some of them failed (`failure`
    says why, for the first that failed)."""

    failed: tuple[Device, ...]
    failure: Outcome

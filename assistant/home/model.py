"""What a home is made of, whatever runs it: floors, areas, devices and their states.

Every backend (the simulated home, Home Assistant, an MQTT broker) describes its home with
these types, so the skills and the intents' name lists never see a backend's own shapes.
Names and aliases are lower case, single-spaced (what a recognizer writes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

#: Device kinds (Home Assistant's domains where they exist).
LIGHT, SWITCH, CLIMATE, COVER, LOCK = "light", "switch", "climate", "cover", "lock"
SCENE, SCRIPT, SENSOR, BINARY_SENSOR, WEATHER = (
    "scene", "script", "sensor", "binary_sensor", "weather")
KINDS = (LIGHT, SWITCH, CLIMATE, COVER, LOCK, SCENE, SCRIPT, SENSOR, BINARY_SENSOR, WEATHER)

#: Capabilities: what a command may ask of a device.
ON_OFF, BRIGHTNESS, COLOR = "on_off", "brightness", "color"
TARGET_TEMPERATURE = "target_temperature"
OPEN_CLOSE, POSITION = "open_close", "position"
LOCKING, ACTIVATE, READ = "locking", "activate", "read"

#: Colours a light can be asked for, by canonical name (CSS's, as Home Assistant's
#: intents name them): red, green, blue 0-255. The languages say the names.
COLORS: dict[str, tuple[int, int, int]] = {
    "red": (255, 0, 0), "orange": (255, 165, 0), "yellow": (255, 255, 0),
    "green": (0, 128, 0), "cyan": (0, 255, 255), "blue": (0, 0, 255),
    "purple": (128, 0, 128), "pink": (255, 192, 203), "magenta": (255, 0, 255),
    "white": (255, 255, 255)}


def spoken(name: str) -> str:
    """A name as the recognizer writes it: lower case, single spaces."""
    return " ".join(name.lower().split())


@dataclass(frozen=True)
class Floor:
    """A floor, or any named group of areas ("downstairs")."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    """Ids of the areas on it."""

    @property
    def is_floor(self) -> bool:
        return True


@dataclass(frozen=True)
class Area:
    """A room (Home Assistant: an area)."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    floor: str | None = None

    @property
    def is_floor(self) -> bool:
        """False: a room (a floor says True), for the phrases that name either."""
        return False


@dataclass(frozen=True)
class Device:
    """One thing that can be switched, set, activated or read."""

    id: str
    """The backend's id (Home Assistant: the entity id; MQTT: the discovery unique id)."""
    kind: str
    name: str
    aliases: tuple[str, ...] = ()
    area: str | None = None
    capabilities: frozenset[str] = frozenset()
    sensitive: bool = False
    """Opening or unlocking it needs a spoken confirmation (locks, garage doors)."""
    min_temperature: float | None = None
    max_temperature: float | None = None
    """Climate: the set-point range, degrees Celsius."""
    unit: str = ""
    """Sensors: the unit of their value ("°C", "%")."""

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class DeviceState:
    """A device's state as last reported; None = not reported or not applicable."""

    device_id: str
    available: bool = True
    on: bool | None = None
    brightness: int | None = None
    """Percent, 1-100 (a light that is off keeps its last level or None)."""
    color: tuple[int, int, int] | None = None
    """Red, green, blue, 0-255 each."""
    target_temperature: float | None = None
    current_temperature: float | None = None
    """Degrees Celsius."""
    open: bool | None = None
    position: int | None = None
    """Covers: percent open, 0-100."""
    locked: bool | None = None
    value: str | float | None = None
    """Sensors and weather: the reading (weather: the condition, e.g. "rainy")."""
    humidity: float | None = None


@dataclass(frozen=True)
class Forecast:
    """One period of a weather forecast (temperatures in degrees Celsius)."""

    time: str
    """ISO 8601 start of the period."""
    condition: str | None = None
    high: float | None = None
    low: float | None = None
    precipitation_probability: float | None = None


@dataclass(frozen=True)
class Home:
    """A snapshot of what a backend offers now; a new one replaces it after a change."""

    floors: tuple[Floor, ...] = ()
    areas: tuple[Area, ...] = ()
    devices: tuple[Device, ...] = ()
    _by_id: dict[str, Device] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({d.id: d for d in self.devices})

    def device(self, device_id: str) -> Device | None:
        return self._by_id.get(device_id)

    def named(self, name: str, *, area: str | None = None,
              kinds: Iterable[str] | None = None) -> tuple[Device, ...]:
        """Devices called `name` (name or alias), optionally in `area` (an area id) and of
        `kinds`. More than one means the user must say which ("which one?")."""
        wanted = spoken(name)
        allowed = set(kinds) if kinds is not None else None
        return tuple(d for d in self.devices if wanted in d.names
                     and (area is None or d.area == area)
                     and (allowed is None or d.kind in allowed))

    def area(self, area_id: str | None) -> Area | None:
        return next((a for a in self.areas if a.id == area_id), None)

    def area_named(self, name: str) -> Area | None:
        wanted = spoken(name)
        return next((a for a in self.areas if wanted in (a.name, *a.aliases)), None)

    def floor_named(self, name: str) -> Floor | None:
        wanted = spoken(name)
        return next((f for f in self.floors if wanted in (f.name, *f.aliases)), None)

    def in_area(self, area_id: str) -> tuple[Device, ...]:
        return tuple(d for d in self.devices if d.area == area_id)

    def in_place(self, place: Area | Floor) -> tuple[Device, ...]:
        """The devices in an area, or in every area of a floor."""
        areas = set(place.areas) if isinstance(place, Floor) else {place.id}
        return tuple(d for d in self.devices if d.area in areas)

    def place_named(self, name: str) -> Area | Floor | None:
        """The area, else the floor, called `name`."""
        return self.area_named(name) or self.floor_named(name)

    def spoken_lists(self) -> dict[str, list[tuple[str, str]]]:
        """(spoken form, slot value) pairs for the recognizer's lists: "area" (areas and
        floors), "device", "switchable" (what turns on and off) and one list per kind.
        The value is the device's name, or the form itself when it names several devices
        (an alias such as "lamp": the skill asks which one)."""
        places = [(a.name, a.aliases) for a in self.areas]
        places += [(f.name, f.aliases) for f in self.floors]
        owners: dict[str, set[str]] = {}
        for device in self.devices:
            for form in device.names:
                owners.setdefault(form, set()).add(device.id)
        lists: dict[str, list[tuple[str, str]]] = {
            "area": [(form, name) for name, aliases in places for form in (name, *aliases)],
            "device": [], "switchable": []}
        for device in self.devices:
            forms = [(form, device.name if len(owners[form]) == 1 else form)
                     for form in device.names]
            lists["device"] += forms
            lists.setdefault(device.kind, []).extend(forms)
            if device.can(ON_OFF):
                lists["switchable"] += forms
        return lists

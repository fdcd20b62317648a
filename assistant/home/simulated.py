"""The simulated home behind the `DeviceBackend` interface: the TOML home file and its
persisted state file (the demo, the test mode, a first start with no set-up).

Kinds map onto the common model: a plug is a switch, a thermostat a climate device,
blinds a cover (open, closed or part way), a scene sets several devices at once, a sensor
has a fixed reading; rooms are areas and groups are floors.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from assistant.home import model
from assistant.home.backend import (
    Activate,
    CloseCover,
    Command,
    HomeRefused,
    Listener,
    Listeners,
    Lock,
    OpenCover,
    SetBrightness,
    SetColor,
    SetPosition,
    SetTemperature,
    StateChanged,
    TurnOff,
    TurnOn,
    UnknownDevice,
    Unlock,
)
from assistant.home.home_file import Device as FileDevice
from assistant.home.home_file import HomeConfig
from assistant.home.model import DeviceState, Home
from assistant.home.state_file import HomeState

#: Simulated kind -> (model kind, capabilities).
KINDS: dict[str, tuple[str, frozenset[str]]] = {
    "light": (model.LIGHT, frozenset({model.ON_OFF, model.BRIGHTNESS})),
    "plug": (model.SWITCH, frozenset({model.ON_OFF})),
    "thermostat": (model.CLIMATE, frozenset({model.TARGET_TEMPERATURE})),
    "blinds": (model.COVER, frozenset({model.OPEN_CLOSE, model.POSITION})),
    "lock": (model.LOCK, frozenset({model.LOCKING})),
    "scene": (model.SCENE, frozenset({model.ACTIVATE})),
    "sensor": (model.SENSOR, frozenset({model.READ})),
}
#: A scene's state words as the commands that set them.
SCENE_COMMANDS: dict[str, Command] = {"on": TurnOn(), "off": TurnOff(), "open": OpenCover(),
                                      "closed": CloseCover(), "locked": Lock()}


def home_of(config: HomeConfig) -> Home:
    """The common model of a simulated home file."""
    rooms = [a for a in config.areas if a.rooms == (a.id,)]
    groups = [a for a in config.areas if a.rooms != (a.id,)]
    floors = tuple(model.Floor(g.id, g.name, g.aliases, g.rooms) for g in groups)
    areas = tuple(model.Area(r.id, r.name, r.aliases,
                             floor=next((g.id for g in groups if r.id in g.rooms), None))
                  for r in rooms)
    return Home(floors=floors, areas=areas, devices=tuple(map(_device, config.devices)))


def _device(device: FileDevice) -> model.Device:
    kind, capabilities = KINDS[device.kind]
    climate = device.kind == "thermostat"
    return model.Device(
        id=device.id, kind=kind, name=device.name, aliases=device.aliases,
        area=device.room or None,
        capabilities=capabilities | ({model.COLOR} if device.color else set()),
        sensitive=device.sensitive,
        min_temperature=device.min_temperature if climate else None,
        max_temperature=device.max_temperature if climate else None, unit=device.unit)


class SimulatedBackend:
    """`DeviceBackend` over a `HomeState`; every change is persisted at once (a failed
    save raises HomeStateError after the change took effect in memory)."""

    name = "simulated"

    def __init__(self, state: HomeState) -> None:
        self._state = state
        self._home = home_of(state.config)
        self._listeners = Listeners()
        self._lock = threading.Lock()

    @property
    def saved(self) -> HomeState:
        """The states and the file they are kept in (another language's home shares them)."""
        return self._state

    def start(self) -> None:
        """Nothing to connect to."""

    def stop(self) -> None:
        """Nothing to disconnect."""

    def home(self) -> Home:
        return self._home

    def state(self, device_id: str) -> DeviceState:
        device = self._device(device_id)
        values = self._state.get(device_id)
        if device.kind == model.SENSOR:
            return DeviceState(device_id=device_id,
                               value=self._state.config.device(device_id).value)
        return _state_of(device, values)

    def send(self, device_id: str, command: Command) -> DeviceState:
        """Carry out `command` (a scene: each of its settings) and persist the result."""
        device = self._device(device_id)
        if device.kind == model.SCENE and isinstance(command, (Activate, TurnOn)):
            targets = [(self._device(target), SCENE_COMMANDS[state])
                       for target, state in self._state.config.device(device_id).sets]
        else:
            targets = [(device, command)]
        with self._lock:
            changes = {d.id: _changes(d, c, self._state.get(d.id)) for d, c in targets}
            self._state.update(changes)
            states = [self.state(d.id) for d, _ in targets]
        for state in states:
            self._listeners.emit(StateChanged(state))
        return self.state(device_id)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self._listeners.add(listener)

    def _device(self, device_id: str) -> model.Device:
        device = self._home.device(device_id)
        if device is None:
            raise UnknownDevice(f"the simulated home has no device {device_id!r}",
                                device_id=device_id)
        return device


def _state_of(device: model.Device, values: dict[str, Any]) -> DeviceState:
    kind = device.kind
    color = values.get("color") if kind == model.LIGHT else None
    return DeviceState(
        device_id=device.id,
        on=values["on"] if kind in (model.LIGHT, model.SWITCH) else None,
        brightness=values.get("brightness") if kind == model.LIGHT else None,
        color=(color[0], color[1], color[2]) if color else None,
        target_temperature=values.get("target") if kind == model.CLIMATE else None,
        open=values.get("open") if kind == model.COVER else None,
        position=values.get("position") if kind == model.COVER else None,
        locked=values.get("locked") if kind == model.LOCK else None)


def _changes(device: model.Device, command: Command, now: dict[str, Any]) -> dict[str, Any]:
    """The state file's changes for `command`; HomeRefused when the device cannot."""
    if isinstance(command, (TurnOn, TurnOff)) and device.can(model.ON_OFF):
        return {"on": isinstance(command, TurnOn)}
    if isinstance(command, SetBrightness) and device.can(model.BRIGHTNESS):
        if not 0 <= command.percent <= 100:
            raise HomeRefused(f"brightness {command.percent} % is not 0-100",
                              device_id=device.id)
        level = int(command.percent)
        return {"on": level > 0, "brightness": max(level, 1) if level else now["brightness"]}
    if isinstance(command, SetTemperature) and device.can(model.TARGET_TEMPERATURE):
        low, high = device.min_temperature, device.max_temperature
        if low is not None and high is not None and not low <= command.celsius <= high:
            raise HomeRefused(f"{command.celsius} °C is outside {device.name}'s range "
                              f"{low}-{high} °C", device_id=device.id)
        return {"target": float(command.celsius)}
    if isinstance(command, SetColor) and device.can(model.COLOR):
        return {"on": True, "color": list(command.rgb)}
    if isinstance(command, (OpenCover, CloseCover)) and device.can(model.OPEN_CLOSE):
        opening = isinstance(command, OpenCover)
        return {"open": opening, "position": 100 if opening else 0}
    if isinstance(command, SetPosition) and device.can(model.POSITION):
        if not 0 <= command.percent <= 100:
            raise HomeRefused(f"position {command.percent} % is not 0-100", device_id=device.id)
        return {"open": command.percent > 0, "position": int(command.percent)}
    if isinstance(command, (Lock, Unlock)) and device.can(model.LOCKING):
        return {"locked": isinstance(command, Lock)}
    raise HomeRefused(f"the {device.name} cannot {type(command).__name__}",
                      device_id=device.id)

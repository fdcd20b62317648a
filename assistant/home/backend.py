"""The `DeviceBackend` protocol: what the skills ask of a home, whoever runs it.

Three backends implement it: `simulated` (the TOML home with its state file),
`homeassistant` (Home Assistant's WebSocket API) and `mqtt` (devices announced by Home
Assistant's MQTT discovery convention: Zigbee2MQTT, Tasmota, ESPHome). Commands are typed
values; failures are typed errors the skills turn into replies:

- `HomeUnreachable`: the backend cannot be reached now (down, restarting, network);
- `HomeRefused`: it answered no (a service call failed, a value out of range);
- `HomeAuthError`: it refused our credentials (wrong or expired token, bad password);
- `NotExposed`: it exists, but is not exposed to voice assistants (a HomeRefused);
- `UnknownDevice`: no such device, or it vanished since the names were read.

Every method is blocking and thread-safe; the network backends run their own asyncio
loop in a thread of their own between `start()` and `stop()`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from assistant.errors import AssistantError
from assistant.home.model import DeviceState, Forecast, Home

log = logging.getLogger(__name__)


class HomeError(AssistantError):
    """A device command or reading failed; the message is one line a user can act on and
    never holds a credential."""

    def __init__(self, message: str, *, device_id: str | None = None) -> None:
        super().__init__(message)
        self.device_id = device_id


class HomeUnreachable(HomeError):
    """The backend cannot be reached right now (it may come back: try again later)."""


class HomeRefused(HomeError):
    """The backend answered, and refused the command or reading."""


class HomeAuthError(HomeRefused):
    """The backend refused our credentials (a wrong or expired token or password)."""


class UnknownDevice(HomeError):
    """No such device: a wrong id, or it vanished since the names were read."""


class NotExposed(HomeRefused):
    """The device exists but its owner has not shared it with voice assistants (Home
    Assistant's "Expose" setting)."""


# -- commands ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TurnOn:
    pass


@dataclass(frozen=True)
class TurnOff:
    pass


@dataclass(frozen=True)
class SetBrightness:
    percent: int
    """1-100 (0 turns the light off)."""


@dataclass(frozen=True)
class SetColor:
    rgb: tuple[int, int, int]


@dataclass(frozen=True)
class SetTemperature:
    celsius: float


@dataclass(frozen=True)
class OpenCover:
    pass


@dataclass(frozen=True)
class CloseCover:
    pass


@dataclass(frozen=True)
class SetPosition:
    percent: int
    """0 (closed) - 100 (open)."""


@dataclass(frozen=True)
class Lock:
    pass


@dataclass(frozen=True)
class Unlock:
    pass


@dataclass(frozen=True)
class Activate:
    """Run a scene or a script ("good night")."""


Command = (TurnOn | TurnOff | SetBrightness | SetColor | SetTemperature | OpenCover
           | CloseCover | SetPosition | Lock | Unlock | Activate)


# -- changes ----------------------------------------------------------------------------

@dataclass(frozen=True)
class StateChanged:
    """A device's state changed (whoever changed it)."""

    state: DeviceState


@dataclass(frozen=True)
class HomeChanged:
    """Devices, areas, floors or names changed: re-read `home()` (the intents' lists)."""

    home: Home


@dataclass(frozen=True)
class ConnectionChanged:
    """The backend lost or regained its connection (`detail` says why, for the log)."""

    connected: bool
    detail: str = ""


Change = StateChanged | HomeChanged | ConnectionChanged
Listener = Callable[[Change], None]
"""Called from the backend's own thread: copy what you need and return quickly."""


@dataclass(frozen=True)
class TodoItem:
    uid: str
    summary: str
    done: bool = False


class DeviceBackend(Protocol):
    """A home's devices, their states, and the commands they take."""

    name: str
    """"simulated", "homeassistant" or "mqtt" (for logs and `doctor`)."""

    def start(self) -> None:
        """Connect and read the home (blocking). Raises HomeUnreachable or HomeAuthError
        with one clear line; never falls back to another backend."""
        ...

    def stop(self) -> None:
        """Disconnect and stop the backend's thread (idempotent)."""
        ...

    def home(self) -> Home:
        """The devices that may be controlled (exposed, announced), their areas and
        floors, as known now."""
        ...

    def state(self, device_id: str) -> DeviceState:
        """The device's last known state (kept current from the backend's events)."""
        ...

    def send(self, device_id: str, command: Command) -> DeviceState:
        """Carry out `command` and return the state after it as far as known now (a
        backend that confirms asynchronously returns the state it asked for). Raises
        UnknownDevice, HomeRefused (also for a command the device cannot do) or
        HomeUnreachable."""
        ...

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every change from now on; returns the unsubscribe."""
        ...


class WeatherSource(Protocol):
    """A backend that has weather entities (Home Assistant)."""

    def forecast(self, device_id: str, *, kind: str = "daily") -> tuple[Forecast, ...]:
        """The weather entity's forecast ("daily", "hourly" or "twice_daily")."""
        ...


class TodoLists(Protocol):
    """A backend that keeps to-do lists (Home Assistant's `todo` entities)."""

    def todo_lists(self) -> dict[str, str]:
        """{list id: name} of the lists."""
        ...

    def todo_items(self, list_id: str) -> tuple[TodoItem, ...]:
        ...

    def add_todo(self, list_id: str, summary: str) -> None:
        ...

    def complete_todo(self, list_id: str, summary: str) -> None:
        ...


class Listeners:
    """The subscribers of one backend; a failing listener is logged, never the backend's
    problem."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def add(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
        return remove

    def emit(self, change: Change) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(change)
            except Exception:  # noqa: BLE001 - a listener's bug must not stop the backend
                log.exception("a home change listener failed")

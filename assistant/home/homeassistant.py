"""The Home Assistant backend: HA's own devices, over its WebSocket API.

At every (re)connection it reads the floor, area, device and entity registries, the voice
assistant exposure settings and all states; from then on HA's pushed `state_changed`
events keep the states current, and registry events re-read the home (a light added or
exposed in HA can be spoken to without a restart). Commands are HA service calls.

A lost connection (HA restarting, the network) is retried with doubling back-off up to
`reconnect_max_s`; a command while it is down tries once at once, then raises
HomeUnreachable. A refused token raises HomeAuthError at start; the simulated home is
never used instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.home import ha_entities
from assistant.home.backend import (
    Command,
    ConnectionChanged,
    HomeAuthError,
    HomeChanged,
    HomeError,
    HomeUnreachable,
    Listener,
    Listeners,
    NotExposed,
    StateChanged,
    TodoItem,
    UnknownDevice,
)
from assistant.home.ha_client import HaConnection
from assistant.home.ha_entities import Registries
from assistant.home.loop_thread import LoopThread
from assistant.home.model import Device, DeviceState, Forecast, Home

log = logging.getLogger(__name__)

REGISTRY_EVENTS = ("entity_registry_updated", "area_registry_updated",
                   "floor_registry_updated", "device_registry_updated",
                   "component_loaded")
"""Events after which the registries and states are read again. `component_loaded`:
connected to a Home Assistant that was still starting (its WebSocket API answers before
every integration has loaded its entities), the first read can lack devices (a restarted
HA's input_boolean was unknown until something else changed); each integration that
loads is announced so (an event any user may subscribe to, unlike `homeassistant_started`)."""
RELOAD_DELAY_S = 0.2
"""Registry events come in bursts (an entity renamed, moved and exposed): one re-read."""


@dataclass(frozen=True)
class HaSettings:
    url: str
    """ws://HOST:PORT/api/websocket (or wss://)."""
    token: str
    timeout_s: float = 5.0
    reconnect_max_s: float = 30.0


class HomeAssistantBackend:
    """`DeviceBackend` (with `WeatherSource` and `TodoLists`) over Home Assistant."""

    name = "homeassistant"

    def __init__(self, settings: HaSettings) -> None:
        self.settings = settings
        self.version = ""
        self._thread = LoopThread("home-assistant")
        self._listeners = Listeners()
        self._lock = threading.Lock()
        self._connection: HaConnection | None = None
        self._home = Home()
        self._registries: Registries | None = None
        self._states: dict[str, dict[str, Any]] = {}
        self._reconnect: asyncio.Event | None = None
        self._reload: asyncio.TimerHandle | None = None
        self._refused: HomeAuthError | None = None
        """Set while HA refuses our token on reconnection (a revoked token): commands say
        so instead of "cannot reach"."""

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        try:
            self._thread.call(self._connect(), timeout_s=self.settings.timeout_s * 4)
        except TimeoutError:
            self.stop()
            raise HomeUnreachable(f"Home Assistant at {self.settings.url} did not answer "
                                  "in time") from None
        except HomeError:
            self.stop()
            raise
        self._thread.call(self._spawn_supervisor(), timeout_s=None)

    def stop(self) -> None:
        self._thread.stop()
        self._connection = None

    async def _spawn_supervisor(self) -> None:
        self._reconnect = asyncio.Event()
        asyncio.get_running_loop().create_task(self._supervise())

    async def _connect(self) -> None:
        connection = await HaConnection.open(self.settings.url, self.settings.token,
                                             timeout_s=self.settings.timeout_s)
        asyncio.get_running_loop().create_task(connection.run())
        try:
            await connection.subscribe("state_changed", self._state_changed)
            for event in REGISTRY_EVENTS:
                await connection.subscribe(event, self._registry_changed)
            registries, states = await self._read(connection)
        except HomeError:
            await connection.close()
            raise
        self.version = connection.version
        with self._lock:
            self._connection = connection
            self._registries = registries
            self._states = {s["entity_id"]: s for s in states}
        self._rebuild()
        self._listeners.emit(ConnectionChanged(True))

    async def _read(self, connection: HaConnection) -> tuple[Registries, list[dict[str, Any]]]:
        config = await connection.call({"type": "get_config"})
        entries = await connection.call({"type": "config/entity_registry/list"})
        extended = await connection.call({"type": "config/entity_registry/get_entries",
                                          "entity_ids": [e["entity_id"] for e in entries]})
        registries = Registries(
            floors=await connection.call({"type": "config/floor_registry/list"}),
            areas=await connection.call({"type": "config/area_registry/list"}),
            devices=await connection.call({"type": "config/device_registry/list"}),
            entities=[e for e in (extended or {}).values() if isinstance(e, dict)],
            exposed=(await connection.call({"type": "homeassistant/expose_entity/list"}))
            ["exposed_entities"],
            expose_new=bool((await connection.call({
                "type": "homeassistant/expose_new_entities/get",
                "assistant": "conversation"}))["expose_new"]),
            fahrenheit=(config.get("unit_system") or {}).get("temperature") == "°F")
        states = await connection.call({"type": "get_states"})
        return registries, states

    async def _supervise(self) -> None:
        """Wait for the connection to close; reconnect with doubling back-off."""
        assert self._reconnect is not None
        while True:
            connection = self._connection
            if connection is not None:
                await connection.closed.wait()
                with self._lock:
                    self._connection = None
                log.warning("lost the connection to Home Assistant at %s", self.settings.url)
                self._listeners.emit(ConnectionChanged(False, "connection lost"))
            delay = 0.5
            while self._connection is None:
                try:
                    await self._connect()
                    self._refused = None
                    log.info("connected to Home Assistant %s again", self.version)
                except HomeAuthError as error:
                    log.error("%s", error)
                    self._refused = error
                    delay = self.settings.reconnect_max_s
                except HomeError as error:
                    log.info("%s; trying again in %.1f s", error, delay)
                if self._connection is None:
                    self._reconnect.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._reconnect.wait(), delay)
                    delay = min(delay * 2, self.settings.reconnect_max_s)

    # -- DeviceBackend ----------------------------------------------------------------------

    def home(self) -> Home:
        with self._lock:
            return self._home

    def state(self, device_id: str) -> DeviceState:
        with self._lock:
            state = self._states.get(device_id)
            registries = self._registries
        if state is None:
            raise UnknownDevice(f"Home Assistant has no entity {device_id}",
                                device_id=device_id)
        return ha_entities.state_of(state, fahrenheit=bool(registries and registries.fahrenheit))

    def send(self, device_id: str, command: Command) -> DeviceState:
        device = self._device(device_id)
        fahrenheit = bool(self._registries and self._registries.fahrenheit)
        domain, service, data, asked = ha_entities.service_call(device, command,
                                                               fahrenheit=fahrenheit)
        self._call_service(domain, service, device_id, data)
        known = self.state(device_id) if device_id in self._states else asked
        values = {k: v for k, v in vars(asked).items() if v is not None and k != "available"}
        return DeviceState(**{**vars(known), **values})

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self._listeners.add(listener)

    def _device(self, device_id: str) -> Device:
        with self._lock:
            device = self._home.device(device_id)
            present = device_id in self._states
        if device is not None and present:
            return device
        if present:
            raise NotExposed(f"{device_id} is not exposed to voice assistants in Home "
                             "Assistant (Settings, Voice assistants, Expose)",
                             device_id=device_id)
        raise UnknownDevice(f"Home Assistant has no entity {device_id} (any more)",
                            device_id=device_id)

    def _call_service(self, domain: str, service: str, entity_id: str,
                      data: dict[str, Any], *, response: bool = False) -> Any:
        message: dict[str, Any] = {"type": "call_service", "domain": domain, "service": service,
                   "service_data": data, "target": {"entity_id": entity_id}}
        if response:
            message["return_response"] = True
        return self._call(message, device_id=entity_id)

    def _call(self, message: dict[str, Any], *, device_id: str | None = None) -> Any:
        try:
            return self._thread.call(self._send(message), timeout_s=self.settings.timeout_s * 2)
        except TimeoutError:
            raise HomeUnreachable(f"Home Assistant at {self.settings.url} did not answer",
                                  device_id=device_id) from None
        except HomeError as error:
            error.device_id = error.device_id or device_id
            raise

    async def _send(self, message: dict[str, Any]) -> Any:
        connection = self._connection
        if connection is None and self._reconnect is not None:
            self._reconnect.set()  # HA may be back already: do not wait for the back-off
            deadline = asyncio.get_running_loop().time() + self.settings.timeout_s
            while self._connection is None and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.05)
            connection = self._connection
        if connection is None and self._refused is not None:
            raise HomeAuthError(str(self._refused))
        if connection is None:
            raise HomeUnreachable(f"cannot reach Home Assistant at {self.settings.url} "
                                  "(it is restarting or the network is down)")
        return await connection.call(message)

    # -- weather and to-do lists ------------------------------------------------------------

    def forecast(self, device_id: str, *, kind: str = "daily") -> tuple[Forecast, ...]:
        self._device(device_id)
        answer = self._call_service("weather", "get_forecasts", device_id, {"type": kind},
                                    response=True)
        periods = ((answer or {}).get("response") or {}).get(device_id, {}).get("forecast", [])
        fahrenheit = bool(self._registries and self._registries.fahrenheit)
        return tuple(ha_entities.forecast_of(p, fahrenheit=fahrenheit)
                     for p in periods if isinstance(p, dict))

    def todo_lists(self) -> dict[str, str]:
        """The to-do lists exposed to voice assistants."""
        with self._lock:
            states, registries = dict(self._states), self._registries
        if registries is None:
            return {}
        entries = {e["entity_id"]: e for e in registries.entities}
        return {entity_id: str(s.get("attributes", {}).get("friendly_name", entity_id))
                for entity_id, s in states.items() if entity_id.startswith("todo.")
                and ha_entities.exposed(entity_id, s, entries.get(entity_id), registries)}

    def todo_items(self, list_id: str) -> tuple[TodoItem, ...]:
        answer = self._call_service("todo", "get_items", list_id, {}, response=True)
        items = ((answer or {}).get("response") or {}).get(list_id, {}).get("items", [])
        return tuple(TodoItem(uid=str(i.get("uid")), summary=str(i.get("summary")),
                              done=i.get("status") == "completed") for i in items)

    def add_todo(self, list_id: str, summary: str) -> None:
        self._call_service("todo", "add_item", list_id, {"item": summary})

    def complete_todo(self, list_id: str, summary: str) -> None:
        self._call_service("todo", "update_item", list_id,
                           {"item": summary, "status": "completed"})

    # -- events (on the loop thread) --------------------------------------------------------

    def _state_changed(self, event: dict[str, Any]) -> None:
        data = event.get("data") or {}
        entity_id, new = data.get("entity_id"), data.get("new_state")
        if not isinstance(entity_id, str):
            return
        with self._lock:
            if new is None:
                self._states.pop(entity_id, None)
            else:
                self._states[entity_id] = new
            listed = self._home.device(entity_id) is not None
        if new is None and listed:
            self._schedule_reload()
        elif listed:
            self._listeners.emit(StateChanged(self.state(entity_id)))
        elif new is not None and data.get("old_state") is None:
            self._schedule_reload()  # a new entity: it may be exposed

    def _registry_changed(self, event: dict[str, Any]) -> None:
        self._schedule_reload()

    def _schedule_reload(self) -> None:
        if self._reload is not None:
            self._reload.cancel()
        loop = asyncio.get_running_loop()
        self._reload = loop.call_later(RELOAD_DELAY_S,
                                       lambda: loop.create_task(self._reread()))

    async def _reread(self) -> None:
        connection = self._connection
        if connection is None:
            return
        try:
            registries, states = await self._read(connection)
        except HomeError as error:
            log.warning("could not re-read Home Assistant's registries: %s", error)
            return
        with self._lock:
            self._registries = registries
            self._states = {s["entity_id"]: s for s in states}
        self._rebuild()

    def _rebuild(self) -> None:
        with self._lock:
            assert self._registries is not None
            home = ha_entities.build_home(self._states.values(), self._registries)
            changed = home != self._home
            self._home = home
        if changed:
            self._listeners.emit(HomeChanged(home))


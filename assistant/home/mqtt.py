"""The MQTT backend: devices announced by Home Assistant's MQTT discovery convention
(Zigbee2MQTT, Tasmota, ESPHome), commanded and followed over a broker with aiomqtt.

aiomqtt (asyncio over paho-mqtt, the Eclipse client) is the maintained asyncio MQTT client;
gmqtt and hbmqtt have had no release for years. The connection lives on the backend's own
loop thread; a lost broker is reconnected with doubling back-off (at most
`reconnect_max_s`), and a command while it is away raises HomeUnreachable at once.
Commands are published with QoS 1, so "sent" means the broker has it.

Bad input is bounded: a payload over `max_payload_bytes` or one that is not what the
device announced is ignored with one log line per topic; discovery beyond `max_devices`
devices is ignored with one log line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiomqtt

from assistant.home.backend import (
    Command,
    ConnectionChanged,
    HomeAuthError,
    HomeChanged,
    HomeError,
    HomeUnreachable,
    Listener,
    Listeners,
    StateChanged,
    UnknownDevice,
)
from assistant.home.loop_thread import LoopThread
from assistant.home.model import Area, DeviceState, Home
from assistant.home.mqtt_devices import apply_message, command_messages
from assistant.home.mqtt_discovery import (
    Discovered,
    DiscoveryError,
    UnsupportedTemplate,
    discovered,
    parse_topic,
)

log = logging.getLogger(__name__)

SETTLE_S = 0.3
"""Discovery is done when no config arrived for this long (retained configs come in a burst)."""
NOT_AUTHORIZED = (4, 5, 134, 135)
"""CONNACK codes for a bad user name or password and not authorized (MQTT 3.1.1 and 5)."""


@dataclass(frozen=True)
class MqttSettings:
    host: str
    port: int = 1883
    tls: bool = False
    ca_file: str = ""
    username: str = ""
    password: str = ""
    discovery_prefix: str = "homeassistant"
    timeout_s: float = 5.0
    reconnect_max_s: float = 30.0
    max_devices: int = 1000
    max_payload_bytes: int = 65536
    client_id: str = "assistant"


class MqttBackend:
    """`DeviceBackend` over an MQTT broker."""

    name = "mqtt"

    def __init__(self, settings: MqttSettings) -> None:
        self.settings = settings
        self._thread = LoopThread("home-mqtt")
        self._listeners = Listeners()
        self._found: dict[str, Discovered] = {}
        self._by_topic: dict[str, str] = {}  # discovery topic -> device id
        self._states: dict[str, DeviceState] = {}
        self._home = Home()
        self._lock = threading.Lock()
        self._client: aiomqtt.Client | None = None
        self._connected = asyncio.Event()
        self._settled = threading.Event()
        self._first_error: BaseException | None = None
        self._told: set[str] = set()
        self._settle_handle: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._pending: set[str] = set()
        self._subscriber: asyncio.Task[None] | None = None

    # -- DeviceBackend ----------------------------------------------------------------------

    def start(self) -> None:
        loop = self._thread.start()
        self._connected = asyncio.Event()
        self._settled.clear()
        self._task = asyncio.run_coroutine_threadsafe(self._spawn(), loop).result()
        if not self._settled.wait(self.settings.timeout_s + SETTLE_S * 2):
            self.stop()
            raise HomeUnreachable(f"cannot reach the MQTT broker at {self._where()} "
                                  f"within {self.settings.timeout_s:g} s")
        if self._first_error is not None:
            error, self._first_error = self._first_error, None
            self.stop()
            raise error

    def stop(self) -> None:
        self._thread.stop()
        self._client = None

    def home(self) -> Home:
        with self._lock:
            return self._home

    def state(self, device_id: str) -> DeviceState:
        with self._lock:
            if device_id not in self._found:
                raise UnknownDevice(f"no MQTT device {device_id!r} has been announced",
                                    device_id=device_id)
            return self._states[device_id]

    def send(self, device_id: str, command: Command) -> DeviceState:
        with self._lock:
            found = self._found.get(device_id)
        if found is None:
            raise UnknownDevice(f"no MQTT device {device_id!r} has been announced",
                                device_id=device_id)
        messages, asked = command_messages(found, command)
        try:
            self._thread.call(self._publish(messages), timeout_s=self.settings.timeout_s)
        except (TimeoutError, aiomqtt.MqttError, RuntimeError) as error:
            raise HomeUnreachable(f"cannot reach the MQTT broker at {self._where()} "
                                  f"({_reason(error)})", device_id=device_id) from None
        if not found.state_topics() - {found.get("availability_topic")}:
            self._update(device_id, _merge(self.state(device_id), asked))  # optimistic
        return _merge(self.state(device_id), asked)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self._listeners.add(listener)

    # -- the connection ---------------------------------------------------------------------

    async def _spawn(self) -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        delay = 0.5
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except aiomqtt.MqttError as error:
                problem = self._connect_problem(error)
                if not self._settled.is_set():
                    self._first_error = problem
                    self._settled.set()
                    return
                log.warning("MQTT broker %s: %s; trying again in %.1f s", self._where(),
                            _reason(error), delay)
            self._client = None
            if self._connected.is_set():
                self._connected.clear()
                self._listeners.emit(ConnectionChanged(False, "broker connection lost"))
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.settings.reconnect_max_s)

    async def _session(self) -> None:
        s = self.settings
        client = aiomqtt.Client(
            s.host, port=s.port, username=s.username or None, password=s.password or None,
            identifier=s.client_id, tls_context=self._tls(), timeout=s.timeout_s,
            keepalive=max(5, int(s.reconnect_max_s)))
        connect_without_binding(client._client)
        async with client:
            self._client = client
            prefix = s.discovery_prefix
            await client.subscribe([(f"{prefix}/+/+/config", 1), (f"{prefix}/+/+/+/config", 1)])
            self._pending.clear()
            self._want(client, self._all_state_topics())
            self._connected.set()
            self._listeners.emit(ConnectionChanged(True))
            self._schedule_settle()
            async for message in client.messages:
                await self._receive(client, str(message.topic), message.payload)

    def _connect_problem(self, error: aiomqtt.MqttError) -> HomeError:
        code = getattr(error, "rc", None)
        value = getattr(code, "value", code)
        if value in NOT_AUTHORIZED:
            return HomeAuthError(f"the MQTT broker at {self._where()} refused the user name "
                                 "or password (check home.username and home.password_file)")
        return HomeUnreachable(f"cannot reach the MQTT broker at {self._where()} "
                               f"({_reason(error)})")

    def _tls(self) -> ssl.SSLContext | None:
        if not self.settings.tls:
            return None
        context = ssl.create_default_context(cafile=self.settings.ca_file or None)
        return context

    async def _publish(self, messages: list[tuple[str, str]]) -> None:
        client = self._client
        if client is None or not self._connected.is_set():
            raise aiomqtt.MqttError("not connected")
        for topic, payload in messages:
            await client.publish(topic, payload, qos=1)

    # -- messages ---------------------------------------------------------------------------

    async def _receive(self, client: aiomqtt.Client, topic: str, payload: Any) -> None:
        data = bytes(payload) if isinstance(payload, (bytes, bytearray)) else \
            str(payload if payload is not None else "").encode()
        if len(data) > self.settings.max_payload_bytes:
            self._tell(f"size:{topic}", "ignored a %d-byte message on %s (limit %d bytes)",
                       len(data), topic, self.settings.max_payload_bytes)
            return
        text = data.decode("utf-8", "replace")
        parsed = parse_topic(topic, self.settings.discovery_prefix)
        if parsed is not None:
            self._want(client, self._discover(topic, *parsed, text))
            return
        self._follow(topic, text)

    def _discover(self, topic: str, component: str, object_id: str, text: str) -> set[str]:
        """Record (or forget, for an empty payload) one announced device; returns state
        topics not yet subscribed to."""
        if not text.strip():
            with self._lock:
                device_id = self._by_topic.pop(topic, None)
                if device_id is not None:
                    self._found.pop(device_id, None)
                    self._states.pop(device_id, None)
            self._schedule_settle()
            return set()
        try:
            config = json.loads(text)
            if not isinstance(config, dict):
                raise DiscoveryError("not a JSON object")
            found = discovered(component, object_id, config)
        except (ValueError, DiscoveryError) as error:
            self._tell(f"discovery:{topic}", "ignored the discovery config on %s: %s",
                       topic, error)
            return set()
        with self._lock:
            known = set(self._by_topic.values())
            if found.device.id not in known and len(known) >= self.settings.max_devices:
                self._tell("max_devices", "ignored devices announced beyond the first %d "
                           "(home.max_devices)", self.settings.max_devices)
                return set()
            before = self._all_state_topics()
            self._by_topic[topic] = found.device.id
            self._found[found.device.id] = found
            self._states.setdefault(found.device.id, DeviceState(found.device.id))
        self._schedule_settle()
        return found.state_topics() - before

    def _want(self, client: aiomqtt.Client, topics: set[str]) -> None:
        """Subscribe to `topics` in the background: waiting for each SUBACK here would stall
        the messages behind it (a burst of retained discovery configs)."""
        self._pending |= topics
        if self._pending and (self._subscriber is None or self._subscriber.done()):
            self._subscriber = asyncio.get_running_loop().create_task(
                self._subscribe_pending(client))

    async def _subscribe_pending(self, client: aiomqtt.Client) -> None:
        while self._pending:
            batch = sorted(self._pending)[:100]
            self._pending.difference_update(batch)
            try:
                await client.subscribe([(topic, 1) for topic in batch])
            except aiomqtt.MqttError:
                return  # the connection is gone; a reconnect subscribes to every topic

    def _follow(self, topic: str, text: str) -> None:
        with self._lock:
            targets = [f for f in self._found.values() if topic in f.state_topics()]
        for found in targets:
            device_id = found.device.id
            try:
                state = apply_message(found, topic, text, self.state(device_id))
            except UnsupportedTemplate as error:
                self._tell(f"template:{device_id}", "cannot follow the state of %s: its "
                           "template %r is not one the assistant reads", device_id, str(error))
            except (ValueError, TypeError) as error:
                self._tell(f"payload:{topic}", "ignored a message on %s that %s cannot use "
                           "(%s)", topic, device_id, error)
            else:
                self._update(device_id, state)

    def _update(self, device_id: str, state: DeviceState) -> None:
        with self._lock:
            if device_id not in self._found or self._states.get(device_id) == state:
                return
            self._states[device_id] = state
        self._listeners.emit(StateChanged(state))

    def _schedule_settle(self) -> None:
        """Publish the new home once discovery has been quiet for SETTLE_S."""
        if self._settle_handle is not None:
            self._settle_handle.cancel()
        self._settle_handle = asyncio.get_running_loop().call_later(SETTLE_S, self._settle)

    def _settle(self) -> None:
        with self._lock:
            devices = tuple(f.device for f in self._found.values())
            areas = {d.area for d in devices if d.area}
            home = Home(areas=tuple(Area(a, a) for a in sorted(areas)), devices=devices)
            changed = home != self._home
            self._home = home
        self._settled.set()
        if changed:
            self._listeners.emit(HomeChanged(home))

    def _all_state_topics(self) -> set[str]:
        return {t for f in self._found.values() for t in f.state_topics()}

    def _tell(self, key: str, message: str, *args: object) -> None:
        if key not in self._told:
            self._told.add(key)
            log.warning(message, *args)

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"


def connect_without_binding(paho: Any) -> None:
    """paho-mqtt binds every socket to ("", 0) before it connects (socket.create_connection
    with a source address), and the network policy refuses every bind but the listen
    addresses a command is allowed (Landlock would otherwise have to allow listening on any
    ephemeral port): connect the socket without a bind. Relies on paho's
    `_create_socket_connection` (2.x; tested with 2.2.0) behind aiomqtt's `_client`."""
    def create() -> socket.socket:
        return socket.create_connection((paho._host, paho._port),
                                        timeout=paho._connect_timeout)

    paho._create_socket_connection = create


def _merge(state: DeviceState, asked: DeviceState) -> DeviceState:
    """`state` with every value `asked` sets."""
    values = {k: v for k, v in vars(asked).items() if v is not None and k != "available"}
    return DeviceState(**{**vars(state), **values})


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__


"""The MQTT backend against a real Mosquitto broker, with devices announced the way
Zigbee2MQTT announces them; what was sent is read back from the broker."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import paho.mqtt.publish as paho_publish
import pytest

from assistant.home import model
from assistant.home.backend import (
    Change,
    ConnectionChanged,
    HomeAuthError,
    HomeChanged,
    HomeRefused,
    HomeUnreachable,
    Lock,
    SetBrightness,
    SetPosition,
    SetTemperature,
    StateChanged,
    TurnOff,
    TurnOn,
    UnknownDevice,
    Unlock,
)
from assistant.home.mqtt import MqttBackend, MqttSettings
from assistant_bench.mosquitto import (
    Broker,
    running_broker,
    z2m_climate,
    z2m_cover,
    z2m_light,
    z2m_lock,
    z2m_sensor,
    z2m_switch,
)

WAIT_S = 15.0


class Seen:
    """The changes a backend reported, with a way to wait for one."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self._cond = threading.Condition()

    def __call__(self, change: Change) -> None:
        with self._cond:
            self.changes.append(change)
            self._cond.notify_all()

    def wait(self, test: Callable[[Change], bool]) -> Change:
        with self._cond:
            found = self._cond.wait_for(
                lambda: next((c for c in self.changes if test(c)), None), timeout=WAIT_S)
        assert found, f"no such change in {self.changes}"
        return next(c for c in self.changes if test(c))


def announce(broker: Broker, *devices: tuple[str, dict]) -> None:
    for topic, config in devices:
        broker.publish(topic, config, retain=True)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    with running_broker(tmp_path) as running:
        announce(running, z2m_light("kitchen light", area="Kitchen"), z2m_switch("coffee machine"),
                 z2m_lock("front door"), z2m_cover("bedroom blinds"),
                 z2m_climate("radiator"), z2m_sensor("bedroom"))
        yield running


def backend_for(broker: Broker, **settings: object) -> MqttBackend:
    values = {"host": "127.0.0.1", "port": broker.port, "timeout_s": 5.0,
              "reconnect_max_s": 1.0, **settings}
    return MqttBackend(MqttSettings(**values))  # type: ignore[arg-type]


@pytest.fixture
def backend(broker: Broker) -> Iterator[MqttBackend]:
    backend = backend_for(broker)
    backend.start()
    try:
        yield backend
    finally:
        backend.stop()


def named(backend: MqttBackend, name: str) -> model.Device:
    (device,) = backend.home().named(name)
    return device


def test_zigbee2mqtt_devices_are_discovered(backend: MqttBackend) -> None:
    home = backend.home()
    kinds = {d.name: d.kind for d in home.devices}
    assert kinds == {"kitchen light": "light", "coffee machine": "switch",
                     "front door": "lock", "bedroom blinds": "cover", "radiator": "climate",
                     "bedroom temperature": "sensor"}
    light = named(backend, "kitchen light")
    assert light.can(model.BRIGHTNESS) and light.can(model.COLOR) and light.area == "kitchen"
    assert home.area_named("kitchen") is not None
    assert named(backend, "front door").sensitive
    radiator = named(backend, "radiator")
    assert (radiator.min_temperature, radiator.max_temperature) == (5.0, 30.0)
    assert named(backend, "bedroom blinds").can(model.POSITION)


def test_commands_are_published_as_zigbee2mqtt_expects(backend: MqttBackend,
                                                       broker: Broker) -> None:
    light = named(backend, "kitchen light").id
    with broker.listening("zigbee2mqtt/kitchen light/set", count=2) as sent:
        assert backend.send(light, TurnOn()).on is True
        state = backend.send(light, SetBrightness(50))
    assert [json.loads(p) for p in sent] == [{"state": "ON"}, {"state": "ON", "brightness": 127}]
    assert state.brightness == 50
    checks = [
        ("coffee machine", TurnOff(), "zigbee2mqtt/coffee machine/set", "OFF"),
        ("front door", Unlock(), "zigbee2mqtt/front door/set", "UNLOCK"),
        ("bedroom blinds", SetPosition(40), "zigbee2mqtt/bedroom blinds/set",
         '{ "position": 40 }'),
        ("radiator", SetTemperature(21.5),
         "zigbee2mqtt/radiator/set/current_heating_setpoint", "21.5"),
    ]
    for name, command, topic, payload in checks:
        with broker.listening(topic) as sent:
            backend.send(named(backend, name).id, command)
        assert sent == [payload], name


def test_states_follow_what_the_devices_publish(backend: MqttBackend, broker: Broker) -> None:
    seen = Seen()
    backend.subscribe(seen)
    light = named(backend, "kitchen light").id
    broker.publish("zigbee2mqtt/kitchen light", {"state": "ON", "brightness": 254,
                                                 "color": {"r": 255, "g": 0, "b": 0}})
    seen.wait(lambda c: isinstance(c, StateChanged) and c.state.device_id == light)
    state = backend.state(light)
    assert (state.on, state.brightness, state.color) == (True, 100, (255, 0, 0))
    broker.publish("zigbee2mqtt/front door", {"state": "LOCK"})
    broker.publish("zigbee2mqtt/bedroom", {"temperature": 19.5, "humidity": 40})
    broker.publish("zigbee2mqtt/radiator", {"current_heating_setpoint": 20,
                                            "local_temperature": 18.5})
    broker.publish("zigbee2mqtt/bedroom blinds", {"state": "OPEN", "position": 70})
    sensor = named(backend, "bedroom temperature").id
    seen.wait(lambda c: isinstance(c, StateChanged) and c.state.device_id == sensor)
    assert backend.state(named(backend, "front door").id).locked is True
    assert backend.state(sensor).value == 19.5
    radiator = backend.state(named(backend, "radiator").id)
    assert (radiator.target_temperature, radiator.current_temperature) == (20.0, 18.5)
    blinds = backend.state(named(backend, "bedroom blinds").id)
    assert (blinds.open, blinds.position) == (True, 70)


def test_what_a_device_cannot_do_is_refused(backend: MqttBackend) -> None:
    with pytest.raises(HomeRefused):
        backend.send(named(backend, "coffee machine").id, Lock())
    with pytest.raises(HomeRefused):
        backend.send(named(backend, "radiator").id, SetTemperature(45))
    with pytest.raises(UnknownDevice):
        backend.send("no such thing", TurnOn())


def test_a_device_added_or_removed_changes_the_home(backend: MqttBackend,
                                                    broker: Broker) -> None:
    seen = Seen()
    backend.subscribe(seen)
    announce(broker, z2m_light("hall lamp"))
    seen.wait(lambda c: isinstance(c, HomeChanged) and bool(c.home.named("hall lamp")))
    topic, _ = z2m_switch("coffee machine")
    coffee = named(backend, "coffee machine").id
    broker.publish(topic, "", retain=True)
    seen.wait(lambda c: isinstance(c, HomeChanged) and not c.home.named("coffee machine"))
    with pytest.raises(UnknownDevice):
        backend.send(coffee, TurnOn())


def test_payloads_that_are_not_json_or_huge_are_ignored_once(
        backend: MqttBackend, broker: Broker, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="assistant.home.mqtt")
    seen = Seen()
    backend.subscribe(seen)
    light = named(backend, "kitchen light").id
    broker.publish("zigbee2mqtt/kitchen light", "this is not json")
    broker.publish("zigbee2mqtt/kitchen light", "{still not")
    broker.publish("zigbee2mqtt/kitchen light", b"x" * 10_000_000)
    broker.publish("zigbee2mqtt/kitchen light", {"state": "ON"})
    seen.wait(lambda c: isinstance(c, StateChanged) and c.state.device_id == light)
    assert backend.state(light).on is True
    messages = [r.getMessage() for r in caplog.records]
    assert len([m for m in messages if "cannot use" in m]) == 1, messages
    assert len([m for m in messages if "10000000-byte" in m]) == 1, messages


def test_ten_thousand_devices_are_bounded_and_logged_once(
        broker: Broker, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="assistant.home.mqtt")
    messages = []
    for i in range(10_000):
        topic, config = z2m_switch(f"flood {i}")
        messages.append({"topic": topic, "payload": json.dumps(config), "qos": 0,
                         "retain": True})
    paho_publish.multiple(messages, hostname="127.0.0.1", port=broker.port)
    backend = backend_for(broker, max_devices=200)
    backend.start()
    try:
        assert len(backend.home().devices) == 200
        assert len(backend.home().named("kitchen light")) <= 1
        logged = [r.getMessage() for r in caplog.records if "max_devices" in r.getMessage()]
        assert len(logged) == 1
    finally:
        backend.stop()


def test_a_broker_that_goes_away_is_unreachable_then_reconnected(
        backend: MqttBackend, broker: Broker) -> None:
    seen = Seen()
    backend.subscribe(seen)
    light = named(backend, "kitchen light").id
    broker.stop()
    seen.wait(lambda c: isinstance(c, ConnectionChanged) and not c.connected)
    with pytest.raises(HomeUnreachable, match="cannot reach the MQTT broker"):
        backend.send(light, TurnOn())
    broker.start()
    seen.wait(lambda c: isinstance(c, ConnectionChanged) and c.connected)
    with broker.listening("zigbee2mqtt/kitchen light/set") as sent:
        backend.send(light, TurnOn())
    assert sent == ['{"state": "ON"}']


def test_no_broker_at_start_is_one_clear_error(tmp_path: Path) -> None:
    from assistant_bench.mosquitto import free_port

    backend = MqttBackend(MqttSettings(host="127.0.0.1", port=free_port(), timeout_s=2.0))
    with pytest.raises(HomeUnreachable, match=r"cannot reach the MQTT broker at 127\.0\.0\.1"):
        backend.start()


def test_user_name_and_password(tmp_path: Path) -> None:
    with running_broker(tmp_path, password="correct horse") as broker:
        announce(broker, z2m_switch("coffee machine"))
        wrong = backend_for(broker, username="assistant", password="wrong")
        with pytest.raises(HomeAuthError) as refused:
            wrong.start()
        assert "wrong" not in str(refused.value)
        right = backend_for(broker, username="assistant", password="correct horse")
        right.start()
        try:
            assert [d.name for d in right.home().devices] == ["coffee machine"]
        finally:
            right.stop()


def test_tls_with_the_broker_s_own_ca(tmp_path: Path) -> None:
    with running_broker(tmp_path, tls=True) as broker:
        announce(broker, z2m_switch("coffee machine"))
        untrusted = backend_for(broker, tls=True)  # the system's CAs do not know it
        with pytest.raises(HomeUnreachable):
            untrusted.start()
        trusted = backend_for(broker, tls=True, ca_file=str(broker.ca))
        trusted.start()
        try:
            with broker.listening("zigbee2mqtt/coffee machine/set") as sent:
                trusted.send(named(trusted, "coffee machine").id, TurnOn())
            assert sent == ["ON"]
        finally:
            trusted.stop()
        plain = backend_for(broker)  # no TLS against a TLS-only listener
        with pytest.raises(HomeUnreachable):
            plain.start()

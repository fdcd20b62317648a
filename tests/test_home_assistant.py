"""The Home Assistant backend against a real Home Assistant core
(assistant_bench/home_assistant.py): switch its entities and read HA's own states back,
follow what HA pushes, refuse what HA does not expose or no longer has, a wrong token, HA
restarting mid-command."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from assistant.home import model
from assistant.home.backend import (
    HomeAuthError,
    HomeChanged,
    HomeRefused,
    HomeUnreachable,
    NotExposed,
    SetBrightness,
    SetPosition,
    SetTemperature,
    StateChanged,
    TurnOff,
    TurnOn,
    UnknownDevice,
    Unlock,
)
from assistant.home.homeassistant import HaSettings, HomeAssistantBackend
from assistant_bench.home_assistant import HomeAssistant
from tests.test_home_mqtt import Seen

WAIT_S = 20.0


def backend_for(ha: HomeAssistant, *, token: str | None = None) -> HomeAssistantBackend:
    return HomeAssistantBackend(HaSettings(
        url=f"ws://127.0.0.1:{ha.port}/api/websocket",
        token=ha.token if token is None else token, timeout_s=5.0, reconnect_max_s=1.0))


@pytest.fixture
def backend(home_assistant: HomeAssistant) -> Iterator[HomeAssistantBackend]:
    backend = backend_for(home_assistant)
    backend.start()
    try:
        yield backend
    finally:
        backend.stop()


def ha_state(ha: HomeAssistant, entity_id: str, test: Callable[[dict[str, Any]], bool]
             ) -> dict[str, Any]:
    """HA's own state of `entity_id` once `test` holds (read through HA's API)."""
    deadline = time.monotonic() + WAIT_S
    with ha.admin() as admin:
        while True:
            state = admin.state(entity_id)
            if test(state) or time.monotonic() > deadline:
                return state
            time.sleep(0.1)


def test_the_home_comes_from_ha_registries(backend: HomeAssistantBackend) -> None:
    home = backend.home()
    ids = {d.id for d in home.devices}
    assert {"light.kitchen_light", "switch.coffee_machine", "lock.front_door",
            "cover.bedroom_blinds", "climate.bedroom_thermostat", "weather.home",
            "sensor.bedroom_temperature", "scene.good_night", "script.good_morning"} <= ids
    assert "switch.garage_heater" not in ids  # not exposed to voice assistants
    assert not any(i.startswith("input_") for i in ids)  # HA did not expose them either
    (kitchen,) = home.named("kitchen lamp")
    assert kitchen.id == "light.kitchen_light" and kitchen.can(model.BRIGHTNESS)
    assert home.area_named("lounge") is not None and home.area_named("hall") is not None
    downstairs = home.floor_named("downstairs")
    assert downstairs is not None and set(downstairs.areas) >= {"kitchen", "hallway"}
    assert kitchen.area == "kitchen"
    thermostat = home.device("climate.bedroom_thermostat")
    assert thermostat is not None and thermostat.max_temperature == 28.0
    assert home.device("lock.front_door").sensitive  # type: ignore[union-attr]


def test_a_name_matching_three_entities(backend: HomeAssistantBackend) -> None:
    home = backend.home()
    lamps = home.named("lamp")
    assert {d.id for d in lamps} == {"light.living_room_lamp", "light.bedroom_lamp",
                                     "light.hall_lamp"}
    (bedroom,) = home.named("lamp", area="bedroom")
    assert bedroom.id == "light.bedroom_lamp"


def test_switch_a_light_and_read_ha_back(backend: HomeAssistantBackend,
                                         home_assistant: HomeAssistant) -> None:
    backend.send("light.hall_lamp", TurnOn())
    assert ha_state(home_assistant, "light.hall_lamp", lambda s: s["state"] == "on")["state"] \
        == "on"
    backend.send("light.kitchen_light", SetBrightness(50))
    state = ha_state(home_assistant, "light.kitchen_light",
                     lambda s: s["attributes"].get("brightness") == 128)
    assert state["state"] == "on" and state["attributes"]["brightness"] == 128
    backend.send("light.hall_lamp", TurnOff())
    assert ha_state(home_assistant, "light.hall_lamp", lambda s: s["state"] == "off")["state"] \
        == "off"


def test_climate_cover_and_lock(backend: HomeAssistantBackend,
                                home_assistant: HomeAssistant) -> None:
    backend.send("climate.bedroom_thermostat", SetTemperature(21.5))
    climate = ha_state(home_assistant, "climate.bedroom_thermostat",
                       lambda s: s["attributes"].get("temperature") == 21.5)
    assert climate["attributes"]["temperature"] == 21.5
    backend.send("cover.bedroom_blinds", SetPosition(40))
    cover = ha_state(home_assistant, "cover.bedroom_blinds",
                     lambda s: s["attributes"].get("current_position") == 40)
    assert cover["attributes"]["current_position"] == 40
    backend.send("lock.front_door", Unlock())
    assert ha_state(home_assistant, "lock.front_door",
                    lambda s: s["state"] == "unlocked")["state"] == "unlocked"
    with pytest.raises(HomeRefused):
        backend.send("climate.bedroom_thermostat", SetTemperature(35))


def test_states_follow_what_ha_pushes(backend: HomeAssistantBackend,
                                      home_assistant: HomeAssistant) -> None:
    seen = Seen()
    backend.subscribe(seen)
    with home_assistant.admin() as admin:
        admin.call({"type": "call_service", "domain": "input_boolean", "service": "turn_on",
                    "target": {"entity_id": "input_boolean.coffee_machine"}})
        admin.call({"type": "call_service", "domain": "input_number", "service": "set_value",
                    "target": {"entity_id": "input_number.bedroom_temperature"},
                    "service_data": {"value": 22.5}})
    seen.wait(lambda c: isinstance(c, StateChanged) and c.state.device_id
              == "switch.coffee_machine" and c.state.on is True)
    seen.wait(lambda c: isinstance(c, StateChanged) and c.state.device_id
              == "sensor.bedroom_temperature" and c.state.value == 22.5)
    assert backend.state("switch.coffee_machine").on is True


def test_weather_and_a_forecast(backend: HomeAssistantBackend) -> None:
    weather = backend.state("weather.home")
    assert (weather.value, weather.current_temperature, weather.humidity) == ("rainy", 12.5, 81)
    (first, second) = backend.forecast("weather.home")
    assert (first.condition, first.high, first.low) == ("sunny", 15.0, 7.0)
    assert second.precipitation_probability == 80


def test_ha_to_do_lists_are_readable_and_writable(backend: HomeAssistantBackend) -> None:
    assert backend.todo_lists()["todo.groceries"] == "Groceries"
    backend.add_todo("todo.groceries", "oat milk")
    items = backend.todo_items("todo.groceries")
    assert [(i.summary, i.done) for i in items] == [("oat milk", False)]
    backend.complete_todo("todo.groceries", "oat milk")
    assert [i.done for i in backend.todo_items("todo.groceries")] == [True]


def test_an_unexposed_entity_is_refused_until_ha_exposes_it(
        backend: HomeAssistantBackend, home_assistant: HomeAssistant) -> None:
    with pytest.raises(NotExposed, match="not exposed to voice assistants"):
        backend.send("switch.garage_heater", TurnOn())
    seen = Seen()
    backend.subscribe(seen)
    with home_assistant.admin() as admin:
        admin.expose("switch.garage_heater", True)
        try:
            seen.wait(lambda c: isinstance(c, HomeChanged)
                      and c.home.device("switch.garage_heater") is not None)
            backend.send("switch.garage_heater", TurnOn())  # no restart needed
        finally:
            admin.expose("switch.garage_heater", False)
    seen.wait(lambda c: isinstance(c, HomeChanged)
              and c.home.device("switch.garage_heater") is None)


def test_a_vanished_entity(backend: HomeAssistantBackend,
                           home_assistant: HomeAssistant) -> None:
    seen = Seen()
    backend.subscribe(seen)
    with home_assistant.admin() as admin:
        created = admin.call({"type": "input_boolean/create", "name": "Porch light"})
        admin.expose("input_boolean.porch_light", True)
        seen.wait(lambda c: isinstance(c, HomeChanged)
                  and c.home.device("input_boolean.porch_light") is not None)
        backend.send("input_boolean.porch_light", TurnOn())
        admin.call({"type": "input_boolean/delete", "input_boolean_id": created["id"]})
    seen.wait(lambda c: isinstance(c, HomeChanged)
              and c.home.device("input_boolean.porch_light") is None)
    with pytest.raises(UnknownDevice, match="no entity input_boolean.porch_light"):
        backend.send("input_boolean.porch_light", TurnOff())
    backend.send("light.hall_lamp", TurnOff())  # the next command works


def test_a_service_call_ha_refuses(backend: HomeAssistantBackend) -> None:
    with pytest.raises(HomeRefused, match="refused"):
        backend.send("lock.shed_door", Unlock())  # its unlock action does not exist
    backend.send("light.hall_lamp", TurnOff())


def test_a_wrong_token_is_one_clear_error(home_assistant: HomeAssistant) -> None:
    wrong = "x" * 40 + "not-a-token"
    with pytest.raises(HomeAuthError, match="refused the access token") as refused:
        backend_for(home_assistant, token=wrong).start()
    assert wrong not in str(refused.value) and home_assistant.token not in str(refused.value)


def test_ha_restarting_mid_command(backend: HomeAssistantBackend,
                                   home_assistant: HomeAssistant) -> None:
    home_assistant.stop()
    try:
        with pytest.raises(HomeUnreachable, match="cannot reach Home Assistant"):
            backend.send("light.hall_lamp", TurnOn())
    finally:
        home_assistant.start()
    with home_assistant.admin() as admin:
        admin.wait_running()
    deadline = time.monotonic() + WAIT_S
    while True:  # the backend reconnects by itself; the next command may also trigger it
        try:
            backend.send("light.hall_lamp", TurnOn())
            break
        except HomeUnreachable:
            if time.monotonic() > deadline:
                raise
    assert ha_state(home_assistant, "light.hall_lamp", lambda s: s["state"] == "on")["state"] \
        == "on"

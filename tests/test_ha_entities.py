"""Home Assistant's states and registry entries in the common model (the shapes HA's
WebSocket API returns), without a running HA: exposure defaults, Fahrenheit, features."""

from __future__ import annotations

import pytest

from assistant.home import model
from assistant.home.backend import HomeRefused, SetBrightness, SetTemperature
from assistant.home.ha_entities import Registries, build_home, service_call, state_of


def registries(**changes: object) -> Registries:
    values: dict = {"floors": [], "areas": [{"area_id": "den", "name": "Den",
                                             "aliases": ["study"], "floor_id": None}],
                    "devices": [{"id": "dev1", "area_id": "den"}], "entities": [],
                    "exposed": {}, "expose_new": True}
    return Registries(**{**values, **changes})


def state(entity_id: str, value: str, **attributes: object) -> dict:
    return {"entity_id": entity_id, "state": value, "attributes": attributes}


def test_exposure_follows_ha_settings_then_its_defaults() -> None:
    states = [state("light.a", "on", friendly_name="Lamp A"),
              state("light.b", "off", friendly_name="Lamp B"),
              state("sensor.t", "21", device_class="temperature"),
              state("sensor.power", "5", device_class="power"),
              state("lock.door", "locked", friendly_name="Door")]
    entries = [{"entity_id": "light.b", "options": {"conversation": {"should_expose": False}}},
               {"entity_id": "lock.door", "device_id": "dev1", "aliases": ["Front Door"],
                "options": {}}]
    home = build_home(states, registries(entities=entries))
    ids = {d.id for d in home.devices}
    # light.b: switched off in HA; sensor.power: not a default class; lock: not a default
    # domain (HA asks the user to expose locks)
    assert ids == {"light.a", "sensor.t"}
    exposed = [{**entries[1], "options": {"conversation": {"should_expose": True}}}]
    home = build_home(states, registries(entities=exposed))
    door = home.device("lock.door")
    assert door is not None and door.area == "den" and door.aliases == ("front door",)
    assert door.sensitive
    assert not build_home(states, registries(expose_new=False)).devices


def test_fahrenheit_is_converted_both_ways() -> None:
    climate = state("climate.x", "heat", temperature=68, current_temperature=64.4,
                    min_temp=45, max_temp=95, supported_features=1, friendly_name="X")
    home = build_home([climate], registries(fahrenheit=True))
    device = home.device("climate.x")
    assert device is not None and (device.min_temperature, device.max_temperature) == (
        7.2, 35.0)
    read = state_of(climate, fahrenheit=True)
    assert (read.target_temperature, read.current_temperature) == (20.0, 18.0)
    domain, service, data, asked = service_call(device, SetTemperature(21),
                                                fahrenheit=True)
    assert (domain, service, data["temperature"], asked.target_temperature) == (
        "climate", "set_temperature", pytest.approx(69.8), 21)
    with pytest.raises(HomeRefused):
        service_call(device, SetTemperature(40), fahrenheit=True)


def test_light_features_and_states() -> None:
    dimmable = state("light.d", "on", brightness=128, supported_color_modes=["brightness"],
                     friendly_name="D")
    colour = state("light.c", "on", rgb_color=[255, 0, 0], supported_color_modes=["hs"],
                   friendly_name="C")
    plain = state("light.p", "off", supported_color_modes=["onoff"], friendly_name="P")
    home = build_home([dimmable, colour, plain], registries())
    assert home.device("light.d").can(model.BRIGHTNESS)  # type: ignore[union-attr]
    assert home.device("light.c").can(model.COLOR)  # type: ignore[union-attr]
    assert not home.device("light.p").can(model.BRIGHTNESS)  # type: ignore[union-attr]
    assert state_of(dimmable).brightness == 50
    assert state_of(colour).color == (255, 0, 0)
    assert state_of(state("light.x", "unavailable")).available is False
    with pytest.raises(HomeRefused):
        service_call(home.device("light.p"), SetBrightness(50))  # type: ignore[arg-type]

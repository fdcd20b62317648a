"""The simulated home behind the DeviceBackend interface."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.home import model
from assistant.home.backend import (
    Activate,
    Change,
    HomeRefused,
    Lock,
    SetBrightness,
    SetColor,
    SetPosition,
    SetTemperature,
    StateChanged,
    TurnOn,
    UnknownDevice,
    Unlock,
)
from assistant.home.home_file import load_home
from assistant.home.simulated import SimulatedBackend
from assistant.home.state_file import HomeState
from tests import building


def backend(state_file: Path) -> SimulatedBackend:
    return SimulatedBackend(HomeState(load_home(building.language().home_file), path=state_file))


def test_the_default_home_in_the_common_model(tmp_path: Path) -> None:
    home = backend(tmp_path / "s.json").home()
    assert home.area_named("lounge") == home.area_named("living room")
    downstairs = home.floor_named("downstairs")
    assert downstairs is not None and "kitchen" in downstairs.areas
    assert {d.kind for d in home.devices} == {"light", "switch", "climate", "cover", "lock",
                                              "scene", "sensor"}
    (light,) = home.named("kitchen lamp")
    assert light.id == "kitchen_light" and light.area == "kitchen" and light.can(model.BRIGHTNESS)
    (door,) = home.named("front door")
    assert door.sensitive
    lists = home.spoken_lists()
    assert ("lounge", "living room") in lists["area"]
    assert ("kitchen lamp", "kitchen light") in lists["light"]
    assert ("lamp", "lamp") in lists["switchable"]  # shared: the skill asks which one
    assert {d.id for d in home.named("lamp")} == {"living_room_light", "bedroom_light"}


def test_commands_change_and_persist_the_state(tmp_path: Path) -> None:
    state_file = tmp_path / "s.json"
    home = backend(state_file)
    seen: list[Change] = []
    home.subscribe(seen.append)
    state = home.send("kitchen_light", SetBrightness(40))
    assert (state.on, state.brightness) == (True, 40)
    assert json.loads(state_file.read_text())["devices"]["kitchen_light"] == {
        "on": True, "brightness": 40}
    assert seen == [StateChanged(state)]
    assert home.send("living_room_light", SetColor((255, 0, 0))).color == (255, 0, 0)
    assert home.send("living_room_blinds", SetPosition(30)).position == 30
    assert home.send("front_door", Unlock()).locked is False
    assert backend(state_file).state("front_door").locked is False  # after a restart


def test_what_cannot_be_done_is_refused(tmp_path: Path) -> None:
    home = backend(tmp_path / "s.json")
    with pytest.raises(HomeRefused):
        home.send("kitchen_light", Lock())
    with pytest.raises(HomeRefused):
        home.send("thermostat", SetTemperature(45))
    with pytest.raises(UnknownDevice):
        home.send("garage", TurnOn())
    assert not (tmp_path / "s.json").exists()


def test_a_scene_sets_its_devices_and_a_sensor_reads(tmp_path: Path) -> None:
    state_file = tmp_path / "s.json"
    home = backend(state_file)
    home.send("kitchen_light", TurnOn())
    home.send("front_door", Unlock())
    seen: list[Change] = []
    home.subscribe(seen.append)
    home.send("good_night", Activate())
    assert home.state("kitchen_light").on is False and home.state("front_door").locked
    assert home.state("living_room_blinds").open is False
    assert {c.state.device_id for c in seen if isinstance(c, StateChanged)} >= {
        "kitchen_light", "front_door", "living_room_blinds"}
    assert home.state("bedroom_temperature").value == 19.5
    (sensor,) = home.home().named("bedroom thermometer")
    assert sensor.unit == "°C"


def test_a_state_file_from_before_positions_and_colours_is_kept(tmp_path: Path) -> None:
    state_file = tmp_path / "s.json"
    state_file.write_text(json.dumps({"version": 1, "devices": {
        "living_room_blinds": {"open": True}, "living_room_light": {"on": True,
                                                                    "brightness": 60}}}))
    home = backend(state_file)
    assert home.state("living_room_blinds").position == 100
    assert home.state("living_room_light").brightness == 60
    assert not (tmp_path / "s.json.corrupt").exists()


@pytest.mark.parametrize(("content", "message"), [
    ('[devices.s]\nkind = "scene"\nsets = { garage = "off" }\n',
     "devices.s.sets: unknown device 'garage'"),
    ('[devices.l]\nkind = "lock"\n[devices.s]\nkind = "scene"\nsets = { l = "unlocked" }\n',
     "devices.s.sets.l must be one of locked"),
    ('[devices.s]\nkind = "sensor"\nvalue = "warm"\n', "devices.s.value must be a number"),
])
def test_bad_scenes_and_sensors_name_the_key(tmp_path: Path, content: str,
                                             message: str) -> None:
    from assistant.home.home_file import HomeConfigError

    home = tmp_path / "home.toml"
    home.write_text(content)
    with pytest.raises(HomeConfigError, match=message.replace(".", r"\.")):
        load_home(home)


def test_devices_may_share_an_alias_but_not_a_name(tmp_path: Path) -> None:
    home = tmp_path / "home.toml"
    home.write_text('[devices.a]\nkind = "light"\naliases = ["lamp"]\n'
                    '[devices.b]\nkind = "plug"\naliases = ["lamp"]\n')
    assert len(load_home(home).devices) == 2

"""The simulated home behind the DeviceBackend interface."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.home import model
from assistant.home.backend import (
    Change,
    HomeRefused,
    Lock,
    SetBrightness,
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
    assert {d.kind for d in home.devices} == {"light", "switch", "climate", "cover", "lock"}
    (light,) = home.named("kitchen lamp")
    assert light.id == "kitchen_light" and light.area == "kitchen" and light.can(model.BRIGHTNESS)
    (door,) = home.named("front door")
    assert door.sensitive
    lists = home.spoken_lists()
    assert ("lounge", "living room") in lists["area"]
    assert ("kitchen lamp", "kitchen light") in lists["light"]


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

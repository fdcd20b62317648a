"""Assistant control: volume, help, repeat and forget act through the pipeline's Controls."""

from pathlib import Path

import pytest

from assistant.skills import Skills
from tests import building
from tests.fakes import MemoryControls


def make_skills(tmp_path: Path, controls: MemoryControls) -> Skills:
    return building.skills(state_file=tmp_path / "state.json", controls=controls)


@pytest.mark.parametrize("text", ["volume up", "Louder.", "turn it up", "a little louder please"])
def test_volume_up(tmp_path: Path, text: str) -> None:
    controls = MemoryControls(level=0.5)
    reply = make_skills(tmp_path, controls).respond(text, now=0.0)
    assert reply is not None and reply.intent == "VolumeUp"
    assert controls.level == pytest.approx(0.6)
    assert reply.text == "Okay, volume six."


@pytest.mark.parametrize("text", ["volume down", "quieter", "Turn the volume down."])
def test_volume_down(tmp_path: Path, text: str) -> None:
    controls = MemoryControls(level=0.5)
    reply = make_skills(tmp_path, controls).respond(text, now=0.0)
    assert reply is not None and reply.intent == "VolumeDown"
    assert controls.level == pytest.approx(0.4)


def test_volume_stops_at_the_ends(tmp_path: Path) -> None:
    controls = MemoryControls(level=1.0)
    skills = make_skills(tmp_path, controls)
    reply = skills.respond("louder", now=0.0)
    assert reply is not None and reply.text == "The volume is already as loud as I go."
    controls.level = 0.0
    reply = skills.respond("quieter", now=0.0)
    assert reply is not None and reply.text == "The volume is already as quiet as I go."


@pytest.mark.parametrize(("text", "level"), [
    ("set the volume to 5", 0.5), ("set the volume to five", 0.5),
    ("set the volume to 50 percent", 0.5), ("Set the volume to 30%.", 0.3),
    ("volume 7", 0.7), ("set the volume to 10", 1.0), ("mute", 0.0),
])
def test_set_volume(tmp_path: Path, text: str, level: float) -> None:
    controls = MemoryControls(level=0.2)
    reply = make_skills(tmp_path, controls).respond(text, now=0.0)
    assert reply is not None and reply.intent == "VolumeSet"
    assert controls.level == pytest.approx(level)


def test_volume_out_of_range_is_refused(tmp_path: Path) -> None:
    controls = MemoryControls(level=0.2)
    reply = make_skills(tmp_path, controls).respond("set the volume to 150", now=0.0)
    assert reply is not None and reply.text == "The volume goes from zero to ten."
    assert controls.level == 0.2


def test_get_volume(tmp_path: Path) -> None:
    reply = make_skills(tmp_path, MemoryControls(level=0.7)).respond("what's the volume", now=0)
    assert reply is not None and reply.text == "The volume is at seven out of ten."


@pytest.mark.parametrize("text", ["repeat that", "say that again", "What did you say?"])
def test_repeat_says_the_last_reply(tmp_path: Path, text: str) -> None:
    controls = MemoryControls(last="The kitchen light is on.")
    reply = make_skills(tmp_path, controls).respond(text, now=0.0)
    assert reply is not None and reply.intent == "Repeat"
    assert reply.text == "The kitchen light is on."


def test_repeat_with_nothing_said_yet(tmp_path: Path) -> None:
    reply = make_skills(tmp_path, MemoryControls()).respond("repeat that", now=0.0)
    assert reply is not None and reply.text == "I haven't said anything yet."


@pytest.mark.parametrize("text", ["forget our conversation", "Clear your memory.",
                                  "start a new conversation"])
def test_forget_clears_memory(tmp_path: Path, text: str) -> None:
    controls = MemoryControls()
    reply = make_skills(tmp_path, controls).respond(text, now=0.0)
    assert reply is not None and reply.intent == "Forget"
    assert controls.forgotten == 1


@pytest.mark.parametrize("text", ["what can you do", "help", "What can you do?"])
def test_help(tmp_path: Path, text: str) -> None:
    reply = make_skills(tmp_path, MemoryControls()).respond(text, now=0.0)
    assert reply is not None and reply.intent == "Help"
    assert "timers" in reply.text and "thermostat" in reply.text

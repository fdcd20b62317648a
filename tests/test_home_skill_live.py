"""The home skill over a backend that changes while the assistant runs: names rebuilt
when the home reports a change (no restart), a home that is down at start, refused
credentials, a connection that drops. With an in-memory backend (tests.fakes.MemoryHome);
tests/test_home_scripted.py does the same against the real Home Assistant and broker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.home import model
from assistant.home.backend import HomeAuthError, TurnOn
from assistant.skills import Skills, SkillsEngine
from tests import building
from tests.fakes import MemoryControls, MemoryHome
from tests.waiting import eventually

KITCHEN = model.Device(id="light.kitchen", kind=model.LIGHT, name="kitchen light",
                       capabilities=frozenset({model.ON_OFF}))
PORCH = model.Device(id="light.porch", kind=model.LIGHT, name="porch light",
                     aliases=("front light",), capabilities=frozenset({model.ON_OFF}))


@pytest.fixture
def home() -> MemoryHome:
    return MemoryHome([KITCHEN])


def engine_over(home: MemoryHome) -> SkillsEngine:
    return building.skills_engine(home=lambda simulated: home)


@pytest.fixture
def engine(home: MemoryHome) -> Iterator[SkillsEngine]:
    engine = engine_over(home)
    engine.start()
    try:
        yield engine
    finally:
        engine.close()


def session(engine: SkillsEngine) -> Skills:
    return engine.session(controls=MemoryControls())


def said(skills: Skills, text: str) -> str:
    reply = skills.respond(text, now=0.0)
    assert reply is not None, text
    return reply.text


def test_a_device_added_to_the_home_can_be_spoken_to_at_once(home: MemoryHome,
                                                             engine: SkillsEngine) -> None:
    skills = session(engine)  # a conversation that started before the device existed
    assert said(skills, "turn on the porch light") == "I don't know a device called porch light."
    home.add(PORCH)
    eventually(lambda: engine.recognizer.recognize("turn on the front light") is not None
               and engine.recognizer.recognize("turn on the front light").slots.get("name")
               == "porch light")
    assert said(skills, "turn on the front light") == "Okay, the porch light is on."
    assert home.sent[-1] == ("light.porch", TurnOn())
    assert "porch light" in engine.hint
    assert any(s.name == "HomeTurnOn" and "porch light" in str(s.schema())
               for s in engine.specs)
    home.remove("light.porch")
    eventually(lambda: "porch light" not in engine.hint)
    assert said(skills, "turn on the porch light") == "I don't know a device called porch light."


def test_a_home_that_is_down_at_start_comes_when_it_answers() -> None:
    home = MemoryHome([KITCHEN], down=True)
    engine = engine_over(home)
    engine.start()  # does not raise: the assistant starts without the home
    try:
        skills = session(engine)
        assert said(skills, "turn on the kitchen light") == (
            "Sorry, I can't reach your devices right now: Home Assistant is not "
            "answering. Try again in a moment.")
        eventually(lambda: home.starts >= 2)  # it keeps trying
        home.down = False
        eventually(lambda: engine.home.reachable()
                   and engine.recognizer.recognize("turn on the kitchen light") is not None
                   and "kitchen light" in engine.hint)
        assert said(skills, "turn on the kitchen light") == "Okay, the kitchen light is on."
    finally:
        engine.close()


def test_refused_credentials_stop_the_start_with_one_line() -> None:
    engine = engine_over(MemoryHome([KITCHEN], refuse=True))
    with pytest.raises(HomeAuthError, match="refused the access token"):
        engine.start()
    engine.close()


def test_a_dropped_connection_is_said_and_the_next_command_works(
        home: MemoryHome, engine: SkillsEngine) -> None:
    skills = session(engine)
    home.drop()
    eventually(lambda: not engine.home.reachable())
    assert said(skills, "turn on the kitchen light") == (
        "Sorry, I can't reach the kitchen light right now: Home Assistant is not answering. "
        "Try again in a moment.")
    assert said(skills, "what time is it").startswith("It's")  # the rest works meanwhile
    home.start()
    eventually(engine.home.reachable)
    assert said(skills, "turn on the kitchen light") == "Okay, the kitchen light is on."

"""Home Assistant's own agent calling us (a `transcript`): device commands go back to HA
as its intents, with our reply as the speech, and never switch the simulated home
(unit tests with the real skills; tests/test_serve_home_assistant.py runs it through a
real Home Assistant)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from wyoming.asr import Transcript
from wyoming.event import Event

from assistant.server.conversation import TextConversation, handle
from assistant.skills import SkillsEngine
from tests import building
from tests.fakes import FakeChat


@pytest.fixture
def engine(tmp_path: Path) -> SkillsEngine:
    return building.skills_engine(state_file=tmp_path / "state.json")


def agent(engine: SkillsEngine) -> TextConversation:
    return TextConversation(
        SimpleNamespace(chat=FakeChat(), skills=engine, others=(),  # type: ignore[arg-type]
                        language=building.language("en")),
        building.session_settings(), owner="test")


def ask(chat: TextConversation, text: str) -> Event:
    events: list[Event] = []

    async def send(event: Event) -> None:
        events.append(event)

    asyncio.run(handle(chat, Transcript(text=text, context={"conversation_id": "c1"}).event(),
                       send=send))
    return next(e for e in events if e.type in ("intent", "handled", "not-handled"))


def slots(event: Event) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in event.data["entities"]}


@pytest.mark.parametrize(("text", "name", "entities", "speech"), [
    ("Turn on the kitchen light.", "HassTurnOn", {"name": "kitchen light", "domain": "light"},
     "Okay, the kitchen light is on."),
    ("set the kitchen light to 40 percent", "HassLightSet",
     {"name": "kitchen light", "domain": "light", "brightness": 40},
     "Okay, the kitchen light is at forty percent."),
    ("turn the living room light red", "HassLightSet",
     {"name": "living room light", "domain": "light", "color": "red"},
     "Okay, the living room light is red."),
    ("turn off the lights in the kitchen", "HassTurnOff", {"name": "kitchen light",
                                                           "domain": "light"},
     "Okay, the kitchen light is off."),
    ("turn off the lights downstairs", "HassTurnOff", {"floor": "downstairs",
                                                       "domain": "light"},
     "Okay, the lights downstairs are off."),
    ("set the blinds to 30 percent", "HassSetPosition",
     {"name": "living room blinds", "domain": "cover", "position": 30},
     "Okay, the living room blinds are thirty percent open."),
    ("set the temperature to 21 degrees", "HassClimateSetTemperature",
     {"name": "thermostat", "domain": "climate", "temperature": 21.0},
     "Okay, the thermostat is set to twenty-one degrees."),
    ("good night", "HassTurnOn", {"name": "good night", "domain": "scene"},
     "Okay, I've started good night."),
    ("turn on the porch light", "HassTurnOn", {"name": "porch light"},
     "Okay, the porch light is on."),
])
def test_a_device_command_becomes_home_assistants_intent(
        engine: SkillsEngine, tmp_path: Path, text: str, name: str,
        entities: dict[str, Any], speech: str) -> None:
    answer = ask(agent(engine), text)
    assert answer.type == "intent", answer
    assert answer.data["name"] == name and slots(answer) == entities
    assert answer.data["text"] == speech
    assert answer.data["context"] == {"conversation_id": "c1"}
    assert not (tmp_path / "state.json").exists()  # the simulated home was not touched


def test_unlocking_is_confirmed_here_and_carried_out_by_home_assistant(
        engine: SkillsEngine, tmp_path: Path) -> None:
    chat = agent(engine)
    question = ask(chat, "unlock the front door")
    assert question.type == "handled"
    assert question.data["text"] == "Are you sure you want to unlock the front door?"
    answer = ask(chat, "yes")
    assert (answer.type, answer.data["name"], slots(answer)) == (
        "intent", "HassTurnOff", {"name": "front door", "domain": "lock"})
    assert not (tmp_path / "state.json").exists()


def test_what_no_one_intent_says_and_made_up_states_are_left_to_home_assistant(
        engine: SkillsEngine) -> None:
    chat = agent(engine)
    for text in ("turn off everything", "is the kitchen light on",
                 "what's the temperature in the bedroom"):
        answer = ask(chat, text)
        assert answer.type == "not-handled", (text, answer)
        assert answer.data["text"] == "That is for Home Assistant's own assistant to answer."


def test_everything_else_is_answered_here(engine: SkillsEngine) -> None:
    chat = agent(engine)
    assert ask(chat, "what is 17 times 23").data["text"] == (
        "Seventeen times twenty-three is three hundred ninety-one.")
    assert ask(chat, "turn off the front door").data["text"] == (
        "The front door can't be switched off; say lock or unlock the front door.")
    assert json.dumps(ask(chat, "why is the sky blue").data)

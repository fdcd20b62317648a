"""The home skill over a real Home Assistant (assistant_bench/home_assistant.py): sentences switch
HA's entities (read back through HA's own API), questions are answered from HA's states,
the weather from its weather entity, and a light added in HA can be spoken to without a
restart. The skills are built by the assembly from a [home] section, as `assistant run`
builds them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.assembly import build_skills
from assistant.config import config_from_dict
from assistant.skills import Skills, SkillsEngine
from assistant_bench.home_assistant import HomeAssistant
from tests import building
from tests.fakes import MemoryControls
from tests.test_home_assistant import ha_state
from tests.waiting import eventually


def ha_config(ha: HomeAssistant, tmp_path: Path, **home: Any) -> dict[str, Any]:
    token = tmp_path / "token"
    token.write_text(ha.token)
    token.chmod(0o600)
    return {"home": {"backend": "homeassistant", "url": ha.url, "token_file": str(token),
                     "timeout_ms": 5000, "reconnect_max_s": 1.0, **home}}


@pytest.fixture
def engine(home_assistant: HomeAssistant, tmp_path: Path) -> Iterator[SkillsEngine]:
    engine = build_skills(config_from_dict(ha_config(home_assistant, tmp_path)),
                          building.language("en"))
    engine.start()
    try:
        yield engine
    finally:
        engine.close()


def said(skills: Skills, text: str) -> str:
    reply = skills.respond(text, now=0.0)
    assert reply is not None, f"not a command: {text!r}"
    return reply.text


@pytest.fixture
def skills(engine: SkillsEngine) -> Skills:
    return engine.session(controls=MemoryControls())


def call(ha: HomeAssistant, domain: str, service: str, entity_id: str, **data: Any) -> None:
    with ha.admin() as admin:
        admin.call({"type": "call_service", "domain": domain, "service": service,
                    "target": {"entity_id": entity_id}, "service_data": data})


def test_sentences_switch_home_assistants_entities(skills: Skills,
                                                   home_assistant: HomeAssistant) -> None:
    call(home_assistant, "input_boolean", "turn_off", "input_boolean.hall_lamp")
    assert said(skills, "turn on the hall lamp") == "Okay, the hall lamp is on."
    assert ha_state(home_assistant, "light.hall_lamp",
                    lambda s: s["state"] == "on")["state"] == "on"
    assert said(skills, "set the kitchen light to 50 percent") == (
        "Okay, the kitchen light is at fifty percent.")
    assert ha_state(home_assistant, "light.kitchen_light",
                    lambda s: s["attributes"].get("brightness") == 128)[
        "attributes"]["brightness"] == 128
    assert said(skills, "set the bedroom blinds to 40 percent") == (
        "Okay, the bedroom blinds are forty percent open.")
    assert ha_state(home_assistant, "cover.bedroom_blinds",
                    lambda s: s["attributes"].get("current_position") == 40)[
        "attributes"]["current_position"] == 40
    assert said(skills, "set the temperature to 21 degrees") == (
        "Okay, the bedroom thermostat is set to twenty-one degrees.")
    assert ha_state(home_assistant, "climate.bedroom_thermostat",
                    lambda s: s["attributes"].get("temperature") == 21)[
        "attributes"]["temperature"] == 21
    assert said(skills, "turn off the hall lamp") == "Okay, the hall lamp is off."


def test_a_name_three_lamps_share_asks_which(skills: Skills,
                                             home_assistant: HomeAssistant) -> None:
    call(home_assistant, "input_boolean", "turn_off", "input_boolean.bedroom_lamp")
    assert said(skills, "turn on the lamp") == (
        "Which lamp should I turn on: the living room lamp, the bedroom lamp or the hall "
        "lamp?")
    assert said(skills, "turn on the lamp in the bedroom") == "Okay, the bedroom lamp is on."
    assert ha_state(home_assistant, "light.bedroom_lamp",
                    lambda s: s["state"] == "on")["state"] == "on"


def test_a_scene_and_the_states_asked_about(skills: Skills, engine: SkillsEngine,
                                            home_assistant: HomeAssistant) -> None:
    call(home_assistant, "input_boolean", "turn_on", "input_boolean.kitchen_light")
    call(home_assistant, "input_number", "set_value", "input_number.bedroom_temperature",
         value=19.5)
    eventually(lambda: engine.home.current(
        engine.home.home().named("bedroom temperature")[0]).value == 19.5)
    assert said(skills, "good night") == "Okay, I've started good night."
    assert ha_state(home_assistant, "light.kitchen_light",
                    lambda s: s["state"] == "off")["state"] == "off"
    eventually(lambda: said(skills, "is the front door locked") == (
        "Yes, the front door is locked."))
    assert said(skills, "what's the temperature in the bedroom") == (
        "It's nineteen point five degrees in the bedroom.")


def test_the_weather_comes_from_home_assistants_weather_entity(skills: Skills) -> None:
    assert said(skills, "what's the weather like") == (
        "It's rainy and twelve degrees. Today's high is fifteen degrees and the low seven "
        "degrees.")
    assert said(skills, "what's the weather tomorrow") == (
        "Tomorrow: rainy, with a high of eleven degrees and a low of six degrees.")
    assert said(skills, "will it rain tomorrow") == (
        "Yes, rain is likely tomorrow: an eighty percent chance.")


def test_a_light_added_in_home_assistant_is_spoken_to_without_a_restart(
        skills: Skills, engine: SkillsEngine, home_assistant: HomeAssistant) -> None:
    assert said(skills, "turn on the porch light") == (
        "I don't know a device called porch light.")
    with home_assistant.admin() as admin:
        created = admin.call({"type": "input_boolean/create", "name": "Porch light"})
        try:
            admin.expose("input_boolean.porch_light", True)
            # Home Assistant restores an entity id's last state (an earlier run's "on")
            call(home_assistant, "input_boolean", "turn_off", "input_boolean.porch_light")
            ha_state(home_assistant, "input_boolean.porch_light", lambda s: s["state"] == "off")
            eventually(lambda: engine.recognizer.recognize("turn on the porch light")
                       .slots.get("name") == "porch light")
            assert said(skills, "turn on the porch light") == "Okay, the porch light is on."
            assert ha_state(home_assistant, "input_boolean.porch_light",
                            lambda s: s["state"] == "on")["state"] == "on"
        finally:
            admin.call({"type": "input_boolean/delete", "input_boolean_id": created["id"]})
    eventually(lambda: "porch light" not in engine.hint)
    assert said(skills, "turn on the porch light") in (
        "I don't know a device called porch light.",
        "The porch light is no longer in Home Assistant.")
    assert said(skills, "turn off the hall lamp") in (  # the next command works
        "Okay, the hall lamp is off.", "The hall lamp is already off.")


def test_a_service_call_home_assistant_refuses(skills: Skills) -> None:
    assert said(skills, "unlock the shed door") == (
        "Are you sure you want to unlock the shed door?")
    assert said(skills, "yes") == (
        "Home Assistant refused that for the shed door; its log says why.")
    assert said(skills, "turn off the hall lamp") in (
        "Okay, the hall lamp is off.", "The hall lamp is already off.")

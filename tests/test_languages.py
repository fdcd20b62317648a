"""Every language pack from its own data: sentence -> intent, slots and reply.

tests/languages/<code>.yaml (as home-assistant/intents keeps tests/<lang>/) lists cases,
each run on a fresh home and conversation of that language's skills; the file says how
(see its header). A pack without a test file, an intent no case covers, or an outcome a
phrasebook cannot say fails here.
"""

from __future__ import annotations

import dataclasses
import inspect
import pkgutil
from datetime import datetime
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
import yaml

import assistant
from assistant.language import available_languages
from assistant.skills.base import Outcome
from tests import building
from tests.fakes import FakeWeather, FaultyHome, MemoryControls

CASES_DIR = Path(__file__).parent / "languages"
ALWAYS_SAID = {"RecognizerHint", "WarmUp"}
"""Phrasebook entries the program renders that are not outcomes."""


@dataclasses.dataclass(frozen=True)
class Case:
    language: str
    clock: datetime
    sentence: str
    intent: str | None
    slots: dict[str, Any] | None
    reply: str | None
    before: tuple[str, ...]
    at: float
    fault: dict[str, Any] | None = None
    """The home fails (tests.fakes.FaultyHome): {error: unreachable, devices: [ids]}."""
    weather: dict[str, Any] | None = None
    """The weather source: {now: [...], days: [[...], ...]} (see the case files)."""

    def __str__(self) -> str:
        return f"{self.language}: {self.sentence}"


def load_cases(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    clock = datetime.fromisoformat(str(data["clock"]))
    cases = []
    for entry in data["cases"]:
        unknown = set(entry) - {"sentences", "intent", "slots", "reply", "before", "at",
                                "fault", "weather"}
        assert not unknown, f"{path}: unknown keys {unknown} in {entry}"
        for sentence in entry["sentences"]:
            cases.append(Case(language=data["language"], clock=clock, sentence=sentence,
                              intent=entry["intent"], slots=entry.get("slots"),
                              reply=entry.get("reply"), before=tuple(entry.get("before", [])),
                              at=float(entry.get("at", 1)), fault=entry.get("fault"),
                              weather=entry.get("weather")))
    return cases


ALL_CASES = [case for path in sorted(CASES_DIR.glob("*.yaml")) for case in load_cases(path)]


def test_every_language_has_cases() -> None:
    assert {case.language for case in ALL_CASES} == set(available_languages())


@pytest.mark.parametrize("case", ALL_CASES, ids=str)
def test_sentence(case: Case, tmp_path: Path) -> None:
    fault = case.fault
    skills = building.skills(case.language, state_file=tmp_path / "state.json",
                             controls=MemoryControls(), wallclock=lambda: case.clock,
                             knowledge=True,
                             home=(lambda backend: FaultyHome(
                                 backend, fault["error"], fault.get("devices", []),
                                 name=fault.get("home", "homeassistant"))) if fault else None,
                             weather=FakeWeather.of(case.weather, case.clock)
                             if case.weather else None)
    for before in case.before:
        assert skills.respond(before, now=0.0) is not None, f"not a command: {before!r}"
    reply = skills.respond(case.sentence, now=case.at)
    if case.intent is None:
        assert reply is None, f"{case.sentence!r} was taken as {reply}"
        return
    assert reply is not None, f"{case.sentence!r} is not a command"
    assert reply.intent == case.intent
    if case.slots is not None:
        assert {k: v for k, v in reply.slots.items() if k in case.slots} == case.slots
    if case.reply is not None:
        assert reply.text == " ".join(case.reply.split()) or reply.text == case.reply


@pytest.mark.parametrize("code", available_languages())
def test_every_intent_has_a_case(code: str) -> None:
    covered = {case.intent for case in ALL_CASES if case.language == code}
    intents = set(building.skills_engine(code, knowledge=True).recognizer.intent_names)
    missing = intents - covered
    assert not missing, f"{code}: no case for {sorted(missing)}"


def outcome_classes() -> set[str]:
    """Every outcome class of the program (the phrasebooks must say each)."""
    for module in pkgutil.walk_packages(assistant.__path__, "assistant."):
        if not module.name.endswith("__main__"):
            try:
                import_module(module.name)
            except ImportError:  # an optional extra that is not installed
                continue
    found: set[str] = set()
    pending = list(Outcome.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("assistant.") and not inspect.isabstract(cls):
            found.add(cls.__name__)
    return found


@pytest.mark.parametrize("code", available_languages())
def test_every_outcome_has_a_reply(code: str) -> None:
    keys = building.language(code).phrasebook.keys()
    wanted = outcome_classes() | ALWAYS_SAID
    assert wanted - keys == set(), f"{code}: no reply for {sorted(wanted - keys)}"
    assert keys - wanted == set(), f"{code}: replies for no outcome: {sorted(keys - wanted)}"

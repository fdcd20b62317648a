"""The router contract: commands get a speakable reply, everything else gets None."""

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.cli.intents import load_cases
from assistant.intents import IntentMatch, IntentRecognizer
from assistant.skills import SkillReply, Skills, SkillsEngine
from assistant.skills.base import Confirmations, SkillFailed, SkillResult
from assistant.skills.timers import TimerSkill
from tests import building
from tests.fakes import MemoryControls

SENTENCES = Path(__file__).resolve().parent / "data" / "intents_en.yaml"


def make_skills(state_file: Path) -> Skills:
    return building.skills(state_file=state_file, controls=MemoryControls(last="Hello."),
                              wallclock=lambda: datetime(2026, 3, 5, 19, 45))


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Skills, Path]:
    state_file = tmp_path_factory.mktemp("state") / "state.json"
    return make_skills(state_file), state_file


def test_every_reply_to_the_sentence_file_is_speakable(tmp_path: Path) -> None:
    skills = make_skills(tmp_path / "state.json")
    for number, case in enumerate(load_cases(SENTENCES)):
        reply = skills.respond(case.text, now=float(number) * 40)  # lets confirmations expire
        if case.intent in (None, "Confirm", "Deny", "TimeAnswer"):  # they only answer a question
            continue
        assert reply is not None, case.text
        assert reply.text and not any(ch.isdigit() for ch in reply.text), (case.text, reply)
        assert not {"%", "°", "/", "*", "="} & set(reply.text), (case.text, reply.text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_respond_never_raises_and_none_changes_nothing(shared: tuple[Skills, Path],
                                                       text: str) -> None:
    skills, state_file = shared
    before = state_file.read_bytes() if state_file.exists() else None
    reply = skills.respond(text, now=1e6)
    assert reply is None or isinstance(reply, SkillReply)
    if reply is None:
        assert (state_file.read_bytes() if state_file.exists() else None) == before


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["banana", "purple", "seventeen", "the", "why", "is", "sky",
                                 "blue", "dragon", "story", "hamlet", "wrote", "who", "my",
                                 "kitchen", "light", "door", "please", "a", "of", "and"]),
                max_size=8))
def test_word_salad_is_not_a_command(shared: tuple[Skills, Path], words: list[str]) -> None:
    skills, state_file = shared
    before = state_file.read_bytes() if state_file.exists() else None
    assert skills.respond(" ".join(words), now=1e6) is None
    assert (state_file.read_bytes() if state_file.exists() else None) == before


class ExplodingSkill:
    intents = frozenset({"GetTime"})

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        raise RuntimeError("boom")


def test_a_failing_skill_apologizes_instead_of_crashing() -> None:
    engine = building.skills_engine()
    timers = TimerSkill()
    skills = Skills(engine=engine, skills=[ExplodingSkill(), timers],
                    confirmations=Confirmations(), timers=timers)
    reply = skills.respond("what time is it", now=0.0)
    assert reply is not None and reply.text == "Sorry, something went wrong with that."
    assert isinstance(reply.outcome, SkillFailed)


class BrokenRecognizer(IntentRecognizer):
    def __init__(self) -> None:
        pass

    def recognize(self, text: str) -> IntentMatch | None:
        raise ValueError("template bug")


def test_a_recognizer_failure_means_not_a_command() -> None:
    base = building.skills_engine()
    engine = SkillsEngine(backend=base.home.backend, intents=lambda home: BrokenRecognizer(),
                          say=base.say, words=base.words)
    timers = TimerSkill()
    skills = Skills(engine=engine, skills=[timers], confirmations=Confirmations(),
                    timers=timers)
    assert skills.respond("what time is it", now=0.0) is None


def test_recognize_has_no_side_effects(tmp_path: Path) -> None:
    skills = make_skills(tmp_path / "state.json")
    match = skills.recognize("turn on the kitchen light")
    assert match == IntentMatch("HomeTurnOn", {"name": "kitchen light"},
                                "turn on the kitchen light")
    assert skills.recognize("set a timer for 1 second") is not None
    assert skills.due_announcements(1e9) == []
    assert not (tmp_path / "state.json").exists()

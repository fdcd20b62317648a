"""The vocabulary hint must not rewrite what was said: the demo's turns and open questions
of our own, spoken by Piper, through the default recognizer set-up exactly as the
pipeline runs it (the skills' hint, `stt.final_model` for what is not a command)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import Config
from assistant.engines.tts import synthesize_all
from assistant.loop.events import Completeness
from assistant.loop.router import Router
from assistant.models import ModelStore
from assistant.testmode.script import load_script
from assistant_bench.asr import QUESTIONS, SetUp, load_setup, pipeline_choice
from tests import building
from tests.conftest import require_models
from tests.words import words

DEMO_SCRIPT = Path(__file__).resolve().parents[1] / "assistant" / "data" / "demo.yaml"


@pytest.fixture(scope="module")
def router() -> Router:
    return building.conversation(skills_engine=building.skills_engine()).router


@pytest.fixture(scope="module")
def hear(real_store: ModelStore, router: Router):  # type: ignore[no-untyped-def]
    """Text -> what the default set-up hears when Piper says it."""
    config = Config()
    if config.stt.final_model:
        require_models(real_store, config.stt.final_model)
    assert router.skills is not None
    choice = pipeline_choice(config, real_store, router.skills.hint)
    setup: SetUp = load_setup(config, real_store, choice, is_command=lambda text: (
        router.is_complete(text) is Completeness.COMMAND))
    voice = building.english_voice(real_store)
    yield lambda text: setup.transcribe(synthesize_all(voice, text)).text
    setup.close()


def demo_turns() -> list[tuple[str, str]]:
    """(said, expected route) of every spoken demo turn that the skills of this test's
    router answer (not the questions the offline data answers: PlaceFact, SourceAsk)."""
    script = load_script(DEMO_SCRIPT)
    return [(t.value, t.expect.get("route", "")) for t in script.turns if t.kind == "say"
            and t.expect.get("intent") not in ("PlaceFact", "SourceAsk")]


def test_the_demo_is_heard_right(hear, router: Router) -> None:  # type: ignore[no-untyped-def]
    for said, route in demo_turns():
        heard = hear(said)
        command = router.is_complete(heard) is Completeness.COMMAND
        assert command == (route in ("skill", "control")), (said, heard)
    capital = hear("What is the capital of France?")
    assert "france" in words(capital), capital


def test_no_open_question_is_heard_as_a_command(hear, router: Router) -> None:  # type: ignore[no-untyped-def]
    misheard = []
    for said in QUESTIONS:
        assert router.is_complete(said) is not Completeness.COMMAND, said  # as said
        heard = hear(said)
        if router.is_complete(heard) is Completeness.COMMAND:
            misheard.append((said, heard))
    assert misheard == []


def test_the_demo_through_the_whole_loop_hears_france(real_store: ModelStore,
                                                      tmp_path: Path) -> None:
    """Wake word, VAD, early decode and cut, as `assistant demo` runs it: the old set-up
    (tiny.en with the hint for everything) heard "the capital of friends" here."""
    result = subprocess.run([sys.executable, "-m", "assistant", "demo", "--out-dir",
                             str(tmp_path)], capture_output=True, text=True, timeout=900,
                            env=os.environ.copy(), cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = [json.loads(line) for line in (tmp_path / "report.jsonl").read_text().splitlines()]
    turns = len(load_script(DEMO_SCRIPT).turns)
    assert [row["ok"] for row in rows] == [True] * turns, [row["failures"] for row in rows]
    capital = next(row for row in rows if "capital" in row["input"]["value"])
    assert "france" in words(capital["transcript"]), capital["transcript"]

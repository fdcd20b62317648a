"""The real chat model (SmolLM2-135M) behind the reply guard: English answers, no drift
into word salad over a long conversation (issue 11's poisoned conversation), and a wake
word that starts a new conversation for typed turns as for spoken ones."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.bench.qa_score import Outcome, load_questions, score_reply
from assistant.config import load_config
from assistant.engines.loader import language_chat, load_chat_model, model_store
from assistant.loop.controls import AssistantControls
from assistant.loop.reply_guard import NOT_SURE, language_problem, repetition_problem, word_lists
from assistant.loop.session import SessionSettings, conversation
from tests.test_scripted_real import SCRIPTS, run_script

ACCEPT = {q.ask: q.accept for q in load_questions("heldout")} | {
    "What is the capital of Italy?": ("rome",), "What is the capital of Spain?": ("madrid",)}


def check_no_drift(rows: list[dict[str, Any]]) -> list[Outcome]:
    """Every reply is English and not looping (or the honest "not sure"); the outcomes."""
    words = word_lists()
    outcomes = []
    for row in rows:
        reply = row["reply"]
        assert row["route"] == "llm", row
        assert reply == NOT_SURE or language_problem(reply, words) is None, row
        assert repetition_problem(reply, [], words) is None, row
        outcomes.append(score_reply(reply, ACCEPT[row["input"]["value"]]))
    return outcomes


def test_the_poisoned_conversation_no_longer_drifts(real_store: object,
                                                    tmp_path: Path) -> None:
    result, rows = run_script(SCRIPTS / "poisoned.yaml", tmp_path / "wake")
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(rows) == 20
    outcomes = check_no_drift(rows)
    # Tolerant: another CPU may answer a few differently; before the fix, 19 of 20 were
    # word salad after the first garbled answer.
    assert outcomes.count(Outcome.RIGHT) >= 12, outcomes
    assert rows[0]["reply"] == NOT_SURE or "rome" in rows[0]["reply"].lower()


@pytest.mark.slow
def test_follow_ups_keep_memory_but_not_a_garbled_answer(real_store: object,
                                                        tmp_path: Path) -> None:
    """The same questions as follow-ups (no wake word: memory is kept): the guard keeps any
    answer that failed it out of memory, so the conversation does not drift either."""
    script = yaml.safe_load((SCRIPTS / "poisoned.yaml").read_text())
    for turn in script["turns"]:
        turn["wake"] = False
    path = tmp_path / "follow_ups.yaml"
    path.write_text(yaml.safe_dump(script))
    result, rows = run_script(path, tmp_path / "follow_ups")
    assert result.returncode == 0, result.stderr[-3000:]
    outcomes = check_no_drift(rows)
    assert outcomes.count(Outcome.RIGHT) >= 8, outcomes


def test_the_capital_of_italy_in_english(real_store: object) -> None:
    """The issue's garbled answer ("Il capo di Italy, il capital.") through the router, as
    `assistant chat --text` asks it."""
    config = load_config(None)
    store = model_store(config)
    resolved = language_chat(config, store)
    assert resolved is not None
    model = load_chat_model(resolved, store)
    try:
        router = conversation(model, None, SessionSettings.from_config(config),
                              controls=AssistantControls())
        reply = router.respond("What is the capital of Italy?", now=time.monotonic())
        text = "".join(reply.pieces)
    finally:
        model.close()
    assert "rome" in text.lower() and language_problem(text, word_lists()) is None, text

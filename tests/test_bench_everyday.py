"""The benchmark's everyday set: big enough, across the skills, and right when typed (the
spoken run adds the voice and the recognizer: `assistant bench`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from assistant_bench.everyday import everyday_figures, everyday_table
from assistant_bench.qa_score import EVERYDAY_SET, Outcome, load_questions, score_reply
from assistant_bench.turns import CLOCK
from tests import building
from tests.fakes import MemoryControls


def test_the_set_is_big_and_covers_the_skills() -> None:
    questions = load_questions(EVERYDAY_SET)
    assert len(questions) >= 60
    intents = {q.intent for q in questions}
    for family in ("Alarm", "Reminder", "List", "DaysUntil", "TimeInPlace", "FlipCoin",
                   "WeatherGet", "NewsGet"):
        assert any(i and i.startswith(family) for i in intents), family


def test_every_request_typed_is_answered_right(tmp_path: Path) -> None:
    """In order, through one conversation's skills, on the benchmark's clock."""
    moments = iter(CLOCK + timedelta(seconds=15 * i) for i in range(1000))
    now: list[datetime] = [CLOCK]
    skills = building.skills(state_file=tmp_path / "state.json", controls=MemoryControls(),
                             wallclock=lambda: now[0])
    wrong = []
    for index, question in enumerate(load_questions(EVERYDAY_SET)):
        now[0] = next(moments)
        reply = skills.respond(question.ask, now=15.0 * index)
        intent, text = (reply.intent, reply.text) if reply else (None, "")
        if intent != question.intent or score_reply(text, question.accept) is not Outcome.RIGHT:
            wrong.append((question.ask, intent, text))
    assert wrong == [], "\n".join(map(str, wrong))


def test_figures_and_table() -> None:
    records = [
        {"asked": "a", "heard": "a", "route": "skill", "intent": "X", "reply": "ok",
         "right": True, "latency_ms": {"end_of_speech_to_first_audio": 300.0}},
        {"asked": "b", "heard": "bee", "route": "llm", "intent": None, "reply": "hm",
         "right": False, "latency_ms": {"end_of_speech_to_first_audio": 900.0}},
    ]
    figures = everyday_figures(records)
    assert figures["right_pct"] == 50.0 and figures["chat_pct"] == 50.0
    assert figures["latency_ms"]["p50"] == 300.0
    table = "\n".join(everyday_table({"everyday": {"targets": {"right_pct": 95.0},
                                                   **figures, "records": records}}))
    assert "| 2 | 1 (50 %) | 1 (50 %) | 300.0 / 300.0 ms |" in table
    assert "- b (heard: 'bee'; llm, None): 'hm'" in table

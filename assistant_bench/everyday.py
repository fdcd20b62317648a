"""The everyday part of the benchmark (issue 21): the "everyday" question set spoken by the
test voice after the wake word, heard and answered through the whole loop, in order (what
one request sets, the next may read), each reply scored: right when the expected intent
answered it and it says one of the accepted answers. Reported: the share right, the share
that went to the chat model (none should: every one is a command), and the latency of
the skills' answers (end of speech to the first sound of the reply)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from assistant.config import Config
from assistant.engines.tts import SpeechSynthesizer
from assistant.loop.shared import Engines
from assistant_bench.qa_score import EVERYDAY_SET, Outcome, load_questions, score_reply
from assistant_bench.stats import summarize
from assistant_bench.turns import BenchTurn, TurnRunner

TARGETS = {"right_pct": 95.0, "chat_pct": 0.0}
"""Issue 21: at least 95 % right; none of these goes to the chat model."""
QUICK_QUESTIONS = 12


def run_everyday(engines: Engines, config: Config,
                 voices: Callable[[str | None], SpeechSynthesizer], *, quick: bool,
                 realtime: bool, say: Callable[[str], None]) -> dict[str, Any]:
    """Every request of the set once, in order, each after the wake word."""
    questions = load_questions(EVERYDAY_SET)
    if quick:
        questions = questions[:QUICK_QUESTIONS]
    records = []
    start = time.perf_counter()
    with TurnRunner(engines, config, voices, realtime=realtime) as runner:
        for question in questions:
            record = runner.speak(BenchTurn(question.ask, "skill", question.intent), rep=1)
            said = score_reply(record["reply"], question.accept) is Outcome.RIGHT
            right = said and (question.intent is None or record["intent"] == question.intent)
            records.append({"asked": question.ask, "heard": record["heard"],
                            "route": record["route"], "intent": record["intent"],
                            "expected": question.intent, "reply": record["reply"],
                            "right": right, "latency_ms": record["latency_ms"]})
    figures = everyday_figures(records)
    say(f"everyday: {figures['right']}/{figures['requests']} right, {figures['to_chat']} to "
        f"the chat model, p50 {figures['latency_ms']['p50']} ms "
        f"({time.perf_counter() - start:.0f} s)")
    return {"targets": TARGETS, **figures, "records": records}


def everyday_figures(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts and shares (percent, one decimal), and the skills' latency summary."""
    total = len(records)
    right = sum(r["right"] for r in records)
    to_chat = sum(r["route"] == "llm" for r in records)
    latency = [r["latency_ms"].get("end_of_speech_to_first_audio") for r in records
               if r["route"] == "skill"]
    return {"requests": total, "right": right, "to_chat": to_chat,
            "right_pct": round(100 * right / total, 1) if total else 0.0,
            "chat_pct": round(100 * to_chat / total, 1) if total else 0.0,
            "latency_ms": summarize(latency)}


def everyday_table(results: dict[str, Any]) -> list[str]:
    """The benchmark table's section for the everyday part (empty when it did not run)."""
    part = results.get("everyday")
    if not part:
        return []
    latency = part["latency_ms"]
    wrong = [f"- {r['asked']} (heard: {r['heard']!r}; {r['route']}, {r['intent']}): "
             f"{r['reply']!r}" for r in part["records"] if not r["right"]]
    return ["## Everyday requests (alarms, reminders, lists, dates, chance, live facts)", "",
            "| requests | right | to the chat model | skills' latency p50 / p90 |",
            "|---|---|---|---|",
            f"| {part['requests']} | {part['right']} ({part['right_pct']:.0f} %) | "
            f"{part['to_chat']} ({part['chat_pct']:.0f} %) | {latency['p50']} / "
            f"{latency['p90']} ms |", "",
            f"Targets: right >= {part['targets']['right_pct']} %, none to the chat model. "
            "Latency: end of speech to the reply's first sound.", "",
            *(["Not right:", "", *wrong, ""] if wrong else [])]

"""The question-answering part of the benchmark: the question sets, spoken by the test
voice after the wake word, heard and answered through the whole loop (the `Session` the
test mode drives, as in the latency part), each reply scored right, honest "not sure" or
wrong (`qa_score`), with what the reply guard did to it.

What the user hears is what is scored: a mishearing that leads to a wrong answer counts
as wrong, as it would for the user.

The Mandarin set ("zh") is played from recordings of the Mandarin test voice
(tests/data/speech-zh-questions, made by scripts/make_speech_zh.py --questions) to the
Mandarin engines (`run_spoken_mandarin`), and scored in Mandarin.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.assembly import load_engines
from assistant.config import Config, with_language
from assistant.engines.tts import SpeechSynthesizer
from assistant.loop.shared import Engines
from assistant_bench.qa_score import Outcome, load_questions, score_reply, set_summary, tally
from assistant_bench.turns import BenchTurn, TurnRunner

TARGETS = {"right_pct": 85.0, "wrong_pct": 5.0}
"""Issue 11: right >= 85 %, wrong <= 5 %."""
QUICK_QUESTIONS = 4
"""With --quick: this many questions of each set."""
RECORDINGS = {"zh": Path(__file__).resolve().parents[1] / "tests" / "data"
              / "speech-zh-questions"}
"""Sets spoken from recordings, not by the test voice: the folder of each (with
transcripts.tsv: file TAB question)."""


def recordings(name: str) -> dict[str, Path]:
    """The recording of each question of set `name` ({} for a set the test voice speaks);
    a question without one is an error (the set and its recordings must agree)."""
    folder = RECORDINGS.get(name)
    if folder is None:
        return {}
    rows = (line.split("\t", 1) for line in
            (folder / "transcripts.tsv").read_text(encoding="utf-8").splitlines() if line)
    found = {text: folder / wav for wav, text in rows}
    missing = [q.ask for q in load_questions(name) if q.ask not in found]
    if missing:
        raise ValueError(f"{folder}: no recording of {missing[0]!r} (run "
                         "scripts/make_speech_zh.py --questions)")
    return found


def run_qa(engines: Engines, config: Config, voices: Callable[[str | None], SpeechSynthesizer],
           *, quick: bool, realtime: bool, say: Callable[[str], None],
           sets: tuple[str, ...] = ("general", "heldout")) -> dict[str, Any]:
    """Every question of `sets` once, each after the wake word (a new conversation)."""
    out: dict[str, Any] = {"targets": TARGETS, "sets": {}, "records": []}
    with TurnRunner(engines, config, voices, realtime=realtime) as runner:
        for name in sets:
            questions = load_questions(name)
            if quick:
                questions = questions[:QUICK_QUESTIONS]
            played = recordings(name)
            start = time.perf_counter()
            outcomes = []
            guards: Counter[str] = Counter()
            for question in questions:
                record = runner.speak(BenchTurn(question.ask, "llm",
                                                audio=played.get(question.ask)), rep=1)
                outcome = score_reply(record["reply"], question.accept,
                                      language=question.language)
                outcomes.append(outcome)
                guards[record.get("guard") or "none (not the chat model)"] += 1
                out["records"].append({
                    "set": name, "asked": question.ask, "heard": record["heard"],
                    "route": record["route"], "reply": record["reply"],
                    "outcome": outcome.value, "guard": record.get("guard"),
                    "guard_reason": record.get("guard_reason")})
            figures = {**tally(outcomes), "guard": dict(guards)}
            out["sets"][name] = figures
            say(set_summary("questions", name, figures, time.perf_counter() - start))
    out["overall"] = tally([Outcome(r["outcome"]) for r in out["records"]])
    return out


def run_spoken_mandarin(config: Config, voices: Callable[[str | None], SpeechSynthesizer], *,
                        quick: bool, realtime: bool, say: Callable[[str], None]
                        ) -> dict[str, Any]:
    """The Mandarin question set through the Mandarin engines (its own session, after the
    wake word said by the default voice), as `run_qa`'s result for set "zh"."""
    spoken = with_language(config, "zh")
    with load_engines(spoken) as engines:
        return run_qa(engines, spoken, voices, quick=quick, realtime=realtime, say=say,
                      sets=("zh",))

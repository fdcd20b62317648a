"""The fixed spoken turns and the harness that runs them through a test-mode session.

Every turn is spoken by the deterministic Piper voice after the wake word, heard by
the wake word detector, VAD and recognizer, and answered by a skill or the chat model
through the very `Session` that `assistant run` drives (`ScriptRunner`, the test
mode's driver). The engines load once; each turn runs as its own one-turn script, so
the `TurnResult`s that arrive during it (tokens, last-token time) belong to it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from assistant.assembly import session_settings
from assistant.audio import Audio
from assistant.config import Config
from assistant.engines.tts import SpeechSynthesizer
from assistant.loop.clock import StreamClock
from assistant.loop.events import Event, Route, TurnFinished, TurnResult
from assistant.loop.session import Session
from assistant.loop.shared import Engines
from assistant.testmode.runner import CaptureSink, ScriptRunner
from assistant.testmode.script import Script, Turn

#: (sentence, intent) of the skill commands: answered without the chat model.
SKILL_TURNS: tuple[tuple[str, str], ...] = (
    ("What time is it?", "GetTime"),
    ("Set a timer for ten minutes.", "TimerSet"),
    ("Turn on the kitchen light.", "HomeTurnOn"),
    ("Set the bedroom light to thirty percent.", "HomeSetBrightness"),
    ("Set the temperature to twenty one degrees.", "HomeSetTemperature"),
    ("What is twelve times fifteen?", "MathCalculate"),
    ("How many centimeters in five inches?", "UnitConvert"),
    ("Set the volume to fifty percent.", "VolumeSet"),
)
#: Open questions: answered by the chat model, streamed sentence by sentence.
LLM_TURNS: tuple[str, ...] = (
    "What is the capital of France?",
    "Why is the sky blue?",
    "Who wrote Romeo and Juliet?",
    "How do bees make honey?",
    "What should I cook for dinner tonight?",
    "Tell me a fun fact about octopuses.",
)
#: Typed after every repetition (not measured) so timers never ring during a later one.
CLEANUP_TEXT = "Cancel all timers."
#: The time of day the time skill sees at the start (a fixed clock: same words every run).
CLOCK = datetime(2026, 11, 29, 19, 45)


@dataclass(frozen=True)
class BenchTurn:
    text: str
    kind: str  # "skill" | "llm"
    intent: str | None = None
    audio: Path | None = None
    """A recording of `text` to play instead of the test voice's synthesis."""


def turn_set(*, quick: bool = False) -> list[BenchTurn]:
    """The spoken turns of one repetition (three skills and two questions with `quick`)."""
    skills = [BenchTurn(text, "skill", intent) for text, intent in SKILL_TURNS]
    questions = [BenchTurn(text, "llm") for text in LLM_TURNS]
    if quick:
        skills = [skills[0], skills[2], skills[5]]
        questions = questions[:2]
    return skills + questions


class CachedVoice:
    """A speaking voice that synthesizes each text once (the turns repeat every rep)."""

    def __init__(self, voice: SpeechSynthesizer) -> None:
        self._voice = voice
        self._cache: dict[str, list[Audio]] = {}
        self.name = voice.name
        self.rate = voice.rate

    def synthesize(self, text: str) -> Iterator[Audio]:
        if text not in self._cache:
            self._cache[text] = list(self._voice.synthesize(text))
        yield from self._cache[text]

    def close(self) -> None:
        self._voice.close()


@dataclass
class TurnRunner:
    """Runs `BenchTurn`s through one started session; `records` collects one per turn.
    The skills' time of day is a fixed start plus the session's stream time, so the time
    skill answers the same in every run."""

    engines: Engines
    config: Config
    voices: Callable[[str | None], SpeechSynthesizer]
    realtime: bool = False
    start: datetime = CLOCK
    records: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._results: list[TurnResult] = []
        self.clock = StreamClock()
        self.sink = CaptureSink(self.engines.voice.rate, start_on_enqueue=not self.realtime)
        self.session = Session(self.engines, sink=self.sink, clock=self.clock,
                               settings=session_settings(self.config, self.engines.language),
                               wallclock=lambda: self.start + timedelta(
                                   seconds=self.clock.now()))
        self.session.observe(self._on_event)
        self._runner = ScriptRunner(self.session, self.sink, self.clock, voices=self.voices,
                                    realtime=self.realtime,
                                    block_ms=self.config.audio.block_ms, out_dir=None,
                                    wake_phrase=self.session.phrase or "Hey Jarvis")
        # Longer than the follow-up window: every turn starts idle, woken by the wake word.
        self.pause_ms = self.config.wake.follow_up_ms + 1000
        self._index = 0

    def __enter__(self) -> TurnRunner:
        self.session.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.close()
        self.clock.close()

    def _on_event(self, event: Event) -> None:
        if isinstance(event, TurnFinished):
            self._results.append(event.result)

    def _run(self, kind: str, value: str) -> tuple[dict[str, Any], list[TurnResult]]:
        self._index += 1
        turn = Turn(index=self._index, kind=kind, value=value, line=0,
                    wake=kind in ("say", "audio"), pause_ms=self.pause_ms)
        before = len(self._results)
        rows = self._runner.run(Script(path=Path("benchmark"), turns=(turn,)))
        self.sink.played.clear()  # the captured reply audio is not needed
        return rows[0], self._results[before:]

    def speak(self, turn: BenchTurn, *, rep: int) -> dict[str, Any]:
        """One spoken turn; returns (and keeps) its record."""
        row, results = (self._run("audio", str(turn.audio)) if turn.audio is not None
                        else self._run("say", turn.text))
        answered = [r for r in results if r.route is not Route.NONE]
        result = answered[-1] if answered else (results[-1] if results else None)
        route = row["route"]
        ok = route == turn.kind and (turn.intent is None or row["intent"] == turn.intent)
        record: dict[str, Any] = {
            "rep": rep, "expected": turn.kind, "said": turn.text,
            "heard": row["transcript"], "wake_detected": row["wake_detected"], "route": route,
            "intent": row["intent"], "reply": row["reply"], "ok": ok,
            "latency_ms": row["latency_ms"],
        }
        record.update(generation_figures(result))
        if result is not None and "guard" in result.extra:
            record["guard"] = result.extra["guard"]
            record["guard_reason"] = result.extra.get("guard_reason", "")
        self.records.append(record)
        return record

    def type_text(self, text: str) -> None:
        """A typed turn, not measured (the clean-up between repetitions)."""
        self._run("text", text)


def generation_figures(result: TurnResult | None) -> dict[str, Any]:
    """Tokens written and the chat model's rate while the pipeline ran (first to last
    token: includes waiting for the first sentence's synthesis, as the user hears it)."""
    if result is None or result.route is not Route.LLM or result.t_last_token is None \
            or result.timings.t_first_token is None:
        return {"tokens": result.tokens if result else 0, "tokens_per_s": None}
    span = result.t_last_token - result.timings.t_first_token
    rate = (result.tokens - 1) / span if result.tokens > 1 and span > 0 else None
    return {"tokens": result.tokens, "generation_s": round(span, 3),
            "tokens_per_s": None if rate is None else round(rate, 1)}


def run_latency(engines: Engines, config: Config,
                voices: Callable[[str | None], SpeechSynthesizer], *, reps: int, quick: bool,
                realtime: bool, say: Callable[[str], None]) -> dict[str, Any]:
    """Warm-up turns (not counted), then `reps` repetitions of the turn set."""
    turns = turn_set(quick=quick)
    with TurnRunner(engines, config, voices, realtime=realtime) as runner:
        warm = [runner.speak(turns[0], rep=0), runner.speak(turns[-1], rep=0)]
        runner.records.clear()
        runner.type_text(CLEANUP_TEXT)
        for rep in range(1, reps + 1):
            start = time.perf_counter()
            for turn in turns:
                runner.speak(turn, rep=rep)
            runner.type_text(CLEANUP_TEXT)
            say(f"latency: repetition {rep}/{reps} ({len(turns)} turns) took "
                f"{time.perf_counter() - start:.0f} s")
        return {"turns": runner.records, "warmup": warm, "pause_ms": runner.pause_ms,
                "turn_set": [t.__dict__ for t in turns]}


def synthesis_rtf(voice: SpeechSynthesizer, texts: list[str]) -> list[dict[str, Any]]:
    """Time `voice.synthesize` on each text: real-time factor (compute / audio seconds)
    and the time to the first sentence's audio."""
    records = []
    for text in texts:
        start = time.perf_counter()
        first_s = None
        audio_s = 0.0
        for block in voice.synthesize(text):
            if first_s is None:
                first_s = time.perf_counter() - start
            audio_s += block.seconds
        total_s = time.perf_counter() - start
        if audio_s > 0:
            records.append({"chars": len(text), "audio_s": round(audio_s, 3),
                            "compute_s": round(total_s, 4), "rtf": round(total_s / audio_s, 4),
                            "first_sentence_ms": round(1000 * (first_s or 0.0), 1)})
    return records

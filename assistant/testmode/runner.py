"""Drive a real session from a script: a virtual microphone and a capturing speaker.

The microphone and the speaker of the test mode share one clock, like a real
full-duplex sound card: each block fed to the session also plays one block of the
reply and advances the session's clock (its timers). By default, time spent computing
costs no audio time (faster than real time, deterministic); `realtime=True` paces both
sides by the wall clock instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.audio import SPEECH_RATE_HZ, Audio, audible_end_s, from_float, silence, to_speech
from assistant.engines.tts import SpeechSynthesizer, synthesize_all
from assistant.loop.clock import StreamClock
from assistant.loop.events import (
    AnnouncementSpoken,
    Event,
    InputKind,
    Route,
    TurnFinished,
    TurnResult,
    UserTurn,
    UtteranceEnded,
    WakeDetected,
)
from assistant.loop.listener import State
from assistant.loop.output import BufferedSink
from assistant.loop.session import Session
from assistant.testmode.report import turn_row
from assistant.testmode.script import Script, Turn
from assistant.wav import read_wav, write_wav

log = logging.getLogger(__name__)

WAKE_GAP_MS = 250
WATCHDOG_S = 1.0
"""Waits on the session re-check at least this often (a missed notification costs this)."""


class CaptureSink(BufferedSink):
    """A speaker that records what it plays, per reply (tag) and per script turn."""

    def __init__(self, rate: int = 22050, *, start_on_enqueue: bool = True) -> None:
        super().__init__(rate, start_on_enqueue=start_on_enqueue)
        self.label = 0
        self.played: dict[tuple[str, int], bytearray] = defaultdict(bytearray)

    def _taken(self, pieces: list[tuple[int, bytes]]) -> None:
        for tag, pcm in pieces:
            key = ("reply", tag) if tag else ("turn", self.label)
            self.played[key] += pcm

    def advance(self, ms: float) -> None:
        """Let `ms` of queued audio play."""
        self.take(2 * int(self.rate * ms / 1000))


@dataclass
class _TurnLog:
    wake: bool = False
    utterances: list[int] = field(default_factory=list)
    announcements: list[str] = field(default_factory=list)
    audible_end_s: float | None = None
    """Stream time at which the spoken input's last sound ended (`say` turns)."""
    speech_end_s: dict[int, float] = field(default_factory=dict)
    """Where the listener heard each utterance end (the end of its last speech frame)."""


class ScriptRunner:
    """Runs a script's turns through a started session whose sink is a `CaptureSink` and
    whose clock is a `StreamClock` (advanced here, block by block)."""

    def __init__(self, session: Session, sink: CaptureSink, clock: StreamClock, *,
                 voices: Callable[[str | None], SpeechSynthesizer], realtime: bool = False,
                 block_ms: int = 30, out_dir: Path | None = None,
                 wake_phrase: str = "Hey Jarvis") -> None:
        self._session = session
        self._sink = sink
        self._clock = clock
        self._voices = voices
        self._realtime = realtime
        self._block_ms = block_ms
        self._out_dir = out_dir
        self._wake_phrase = wake_phrase
        self._lock = threading.Lock()
        self._current = 0
        self._logs: dict[int, _TurnLog] = defaultdict(_TurnLog)
        self._results: dict[int, TurnResult] = {}
        self._t0 = time.perf_counter()
        session.observe(self._on_event)

    def run(self, script: Script, *,
            after_turn: Callable[[Turn], None] | None = None) -> list[dict[str, Any]]:
        """Run every turn; `after_turn` is called once each turn's input went in."""
        turns = script.turns
        rows: dict[int, dict[str, Any]] = {}
        for i, turn in enumerate(turns):
            next_turn = turns[i + 1] if i + 1 < len(turns) else None
            self._run_turn(turn, script, barge_in_next=bool(next_turn and next_turn.barge_in),
                           barge_in_after_ms=next_turn.barge_in_after_ms if next_turn else 0)
            if i >= 2:  # two turns back is over even with a barge-in: write it out now
                rows[i - 2] = self._row(turns[i - 2])
            if after_turn is not None:
                after_turn(turn)
        self._play_until_idle()
        for i, turn in enumerate(turns):
            if i not in rows:
                rows[i] = self._row(turn)
        return [rows[i] for i in range(len(turns))]

    # -- one turn -------------------------------------------------------------------------

    def _run_turn(self, turn: Turn, script: Script, *, barge_in_next: bool,
                  barge_in_after_ms: int) -> None:
        with self._lock:
            self._current = turn.index
        self._sink.label = turn.index
        if turn.kind == "text":
            self._session.submit_text(turn.value, wake=turn.wake)
        else:
            audio, audible_end = self._turn_audio(turn, script)
            if audible_end is not None:
                with self._lock:
                    self._logs[turn.index].audible_end_s = (self._session.listener.now_s
                                                            + audible_end)
            self._feed(audio)
            self._finish_listening()
        if barge_in_next:
            self._play_until_reply_started(extra_ms=barge_in_after_ms)
        else:
            self._play_until_idle()
            self._feed(silence(turn.pause_ms))
            self._play_until_idle()  # what came up in the pause (a timer) belongs to it

    def _turn_audio(self, turn: Turn, script: Script) -> tuple[Audio, float | None]:
        """The turn's audio and, for a synthesized voice, where its last sound ends in it
        (a recording may end in noise, so there it is unknown)."""
        if turn.kind == "silence_ms":
            return silence(turn.value), None
        if turn.kind == "noise_ms":
            rng = np.random.default_rng(turn.index)
            count = int(SPEECH_RATE_HZ * turn.value / 1000)
            samples = rng.normal(0.0, 0.05, count).astype(np.float32)
            return from_float(samples, SPEECH_RATE_HZ), None
        voice_name = turn.voice or script.voice
        if turn.kind == "audio":
            speech = to_speech(read_wav(turn.value))
        else:
            speech = to_speech(synthesize_all(self._voices(voice_name), turn.value))
        lead = silence(200)
        if turn.wake:
            # Always the default voice: the bundled wake-word models do not accept
            # espeak-ng's formant voice (measured: 2 of 54 variants detected).
            wake = to_speech(synthesize_all(self._voices(None), self._wake_phrase))
            lead = lead + wake + silence(WAKE_GAP_MS)
        audible_end = lead.seconds + audible_end_s(speech) if turn.kind == "say" else None
        return lead + speech, audible_end

    def _feed(self, audio: Audio) -> None:
        """Feed audio block by block; the speaker plays one block per block fed."""
        block_bytes = 2 * int(SPEECH_RATE_HZ * self._block_ms / 1000)
        pcm = to_speech(audio).pcm
        for start in range(0, len(pcm), block_bytes):
            block = Audio(pcm[start : start + block_bytes], SPEECH_RATE_HZ)
            self._session.feed(block)
            self._sink.advance(block.ms)
            self._clock.advance(block.seconds)
            if self._realtime:
                self._pace(block.ms)

    def _pace(self, ms: float) -> None:
        self._t0 += ms / 1000.0
        delay = self._t0 - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        else:
            self._t0 = time.perf_counter()

    def _finish_listening(self) -> None:
        """After the turn's audio: trailing silence until the listener has decided.

        The end-of-speech window is always paced by the wall clock, even when the rest
        runs faster than real time: the pipeline works during it (the recognizer decodes
        at the first pause), and the measured latency must include exactly that head start.
        """
        listener = self._session.listener
        woke = self._logs[self._current].wake
        limit_ms = 120_000
        self._t0 = time.perf_counter()
        while limit_ms > 0 and (listener.state is State.CAPTURING or (
                woke and listener.state is State.AWAKE and not self._logs[self._current]
                .utterances and self._session.engines.wake is not None)):
            capturing = listener.state is State.CAPTURING
            self._feed(silence(self._block_ms))
            if capturing and not self._realtime:
                self._pace(self._block_ms)
            limit_ms -= self._block_ms

    def _play_until_idle(self) -> None:
        """Play queued replies to the end; computing time costs no audio time."""
        while self._session.busy():
            self._step()

    def _play_until_reply_started(self, *, extra_ms: int) -> None:
        """For a barge-in turn: wait until the reply is audible, then let it play a bit."""
        while self._session.busy() and self._sink_started_ms() <= 0:
            self._step()
        self._feed(silence(extra_ms))

    def _sink_started_ms(self) -> float:
        return self._sink.pending_ms() if self._logs[self._current].utterances else 0.0

    def _step(self) -> None:
        """One block of time when there is audio to play (or in real time); otherwise wait
        until there is, or the session is done."""
        if self._realtime or self._sink.pending_ms() > 0:
            self._feed(silence(self._block_ms))
            return
        with self._sink.changed:
            self._sink.changed.wait_for(
                lambda: self._sink.pending_ms() > 0 or not self._session.busy(),
                timeout=WATCHDOG_S)

    # -- events and the report ----------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        with self._lock:
            log_ = self._logs[self._current]
            if isinstance(event, WakeDetected):
                log_.wake = True
            elif isinstance(event, UtteranceEnded):
                log_.utterances.append(event.turn)
                log_.speech_end_s[event.turn] = event.speech_end_s
            elif isinstance(event, UserTurn) and event.kind is InputKind.TEXT:
                log_.utterances.append(event.turn)
            elif isinstance(event, AnnouncementSpoken):
                log_.announcements.append(event.text)
            elif isinstance(event, TurnFinished):
                self._results[event.result.turn] = event.result

    def _row(self, turn: Turn) -> dict[str, Any]:
        """The report row of a finished turn; its audio goes to disk and out of memory."""
        with self._lock:
            log_ = self._logs.pop(turn.index, _TurnLog())
            results = [self._results.pop(t) for t in log_.utterances if t in self._results]
        result = next((r for r in reversed(results) if r.route is not Route.NONE),
                      results[-1] if results else None)
        audio_path = self._write_reply_audio(turn.index, result.turn if result else None)
        row = turn_row(
            turn,
            transcript=result.transcript if result else "",
            wake_detected=log_.wake,
            route=(result.route.value if result and result.route is not Route.NONE else None),
            intent=result.intent if result else None,
            slots=result.slots if result else {},
            reply=result.reply if result else "",
            language=result.language if result else "",
            reply_audio=audio_path,
            announcements=log_.announcements,
            interrupted=result.interrupted if result else False,
            latency_ms=_latency(result, log_),
        )
        if result is not None and "heard_language" in result.extra:
            row["heard_language"] = result.extra["heard_language"]
        if result is not None and "source" in result.extra:  # where the answer came from
            row["source"] = result.extra["source"]
        if result is not None and "guard" in result.extra:  # a chat-model reply
            row["guard"] = {"verdict": result.extra["guard"],
                            "reason": result.extra.get("guard_reason", "")}
        return row

    def _write_reply_audio(self, index: int, pipeline_turn: int | None) -> str | None:
        pcm = bytes(self._sink.played.pop(("reply", pipeline_turn or -1), b""))
        pcm += bytes(self._sink.played.pop(("turn", index), b""))
        if not pcm or self._out_dir is None:
            return None
        path = self._out_dir / f"turn-{index:02d}.wav"
        write_wav(path, Audio(pcm, self._sink.rate))
        return str(path)


def _latency(result: TurnResult | None, log_: _TurnLog) -> dict[str, float | None]:
    """The turn's latency figures; for a synthesized voice also measured from its last
    sound, which the listener hears only at the end of that 32 ms speech frame:
    `vad_lag` is that gap and `audible_end_to_first_audio` the latency a listener feels."""
    if result is None:
        return {}
    latency = result.timings.latency_ms()
    heard_end = log_.speech_end_s.get(result.turn)
    last = bool(log_.utterances) and result.turn == log_.utterances[-1]
    if log_.audible_end_s is not None and heard_end is not None and last:
        # (an utterance cut off before the input's end is not where the input ended)
        lag = round(1000.0 * (heard_end - log_.audible_end_s), 1)
        total = latency.get("end_of_speech_to_first_audio")
        latency["vad_lag"] = lag
        latency["audible_end_to_first_audio"] = None if total is None else round(lag + total, 1)
    return latency

"""The speaking side of a session: sentences -> the shared voice -> the session's output.

`Speaker.say` queues a sentence as a job on the voice engine's fair queue (sessions take
turns there, a sentence at a time), and the job puts the audio on the session's
`BufferedSink`, so the next sentence is being synthesized while this one plays. `flush`
drops everything at once for barge-in. Nothing here runs a thread of its own: jobs run
on the voice engine's worker, and waiting is done on the output's `changed` condition.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from assistant.audio import from_float
from assistant.engines.tts import PhraseCache, SpeechSynthesizer
from assistant.loop.output import BufferedSink
from assistant.scheduling.fair import FairExecutor

log = logging.getLogger(__name__)

STALL_S = 10.0
"""A reply whose audio has not moved for this long is dropped (a stuck device)."""


@dataclass(frozen=True)
class _Sentence:
    text: str
    turn: int
    on_synth: Callable[[], None] | None
    on_start: Callable[[str], None] | None
    generation: int
    urgent: bool = False


class Speaker:
    """`say` queues a sentence; its audio reaches the output in order."""

    def __init__(self, voice: SpeechSynthesizer, jobs: FairExecutor, sink: BufferedSink, *,
                 owner: str = "", volume: Callable[[], float] = lambda: 1.0,
                 phrases: PhraseCache | None = None) -> None:
        self._phrases = phrases or PhraseCache(voice)
        self._jobs = jobs
        self._sink = sink
        self._owner = owner
        self._volume = volume
        self._generation = 0
        self._busy = 0
        self.failures = 0

    @property
    def output_latency_s(self) -> float:
        return self._sink.output_latency_s

    def say(self, text: str, *, turn: int = 0, on_synth: Callable[[], None] | None = None,
            on_start: Callable[[str], None] | None = None, urgent: bool = False) -> None:
        """Queue a sentence. `urgent` (an announcement) is synthesized before the sentences
        waiting and plays right after the one being heard."""
        with self._sink.changed:
            self._busy += 1
            item = _Sentence(text, turn, on_synth, on_start, self._generation, urgent)
        job: Future[None] = self._jobs.submit(self._owner, self._speak, item, urgent=urgent)
        job.add_done_callback(self._spoken)

    def flush(self) -> None:
        """Drop every queued sentence and the audio not yet played (barge-in)."""
        with self._sink.changed:  # no block of the old generation reaches the sink after this
            self._generation += 1
            self._sink.flush()
        self._jobs.cancel(self._owner)

    def poke(self) -> None:
        """Wake whoever waits on the output (a turn ended: the session may be idle now)."""
        with self._sink.changed:
            self._sink.changed.notify_all()

    def idle(self) -> bool:
        """True when no sentence waits to be synthesized (audio may still be playing)."""
        with self._sink.changed:
            return self._busy == 0

    def wait_done(self, cancel: threading.Event) -> bool:
        """Wait until all queued sentences are synthesized and played; False if cancelled or
        if playback stalls (the device stopped taking audio). Whoever sets `cancel` must
        call `flush` (or notify the output) so this wakes."""
        with self._sink.changed:
            while not cancel.is_set():
                if self._busy == 0 and self._sink.pending_ms() == 0:
                    return True
                if self._sink.changed.wait(timeout=STALL_S) or self._busy:
                    continue
                break  # nothing moved for STALL_S with audio waiting: a stuck device
            else:
                return False
        log.warning("the speaker took no audio for %.0f s; dropping the reply", STALL_S)
        self.flush()
        return False

    def _spoken(self, job: Future[None]) -> None:
        with self._sink.changed:
            self._busy -= 1
            self._sink.changed.notify_all()

    def _speak(self, item: _Sentence) -> None:
        """On the voice worker: synthesize one sentence and queue its audio."""
        if item.generation != self._generation:
            return
        try:
            blocks = self._phrases.synthesize(item.text)
        except Exception as error:  # noqa: BLE001 - one bad sentence must not end the reply
            self.failures += 1
            log.warning("speech synthesis failed for one sentence (%s); skipping it", error)
            return
        for first, block in zip([True] + [False] * (len(blocks) - 1), blocks, strict=True):
            if first and item.on_synth is not None:
                item.on_synth()
            volume = self._volume()
            if volume < 1.0:
                block = from_float(block.to_float() * volume, block.rate)
            callback = None
            if first and item.on_start is not None:
                callback = functools.partial(item.on_start, item.text)
            with self._sink.changed:  # a flush cannot slip between the check and the queueing
                if item.generation != self._generation:
                    return
                self._sink.play(block, tag=item.turn, on_start=callback, next_up=item.urgent)

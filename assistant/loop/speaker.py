"""The output side: a synthesis worker and the sink that plays (or captures) audio.

`Speaker` takes sentences, synthesizes them one after the other in its own thread and
queues the audio on the sink, so the next sentence is being written while this one
plays. `BufferedSink` holds the queued audio; the sound card's callback (or the test
mode's virtual clock) takes bytes from it. `flush` drops everything at once for barge-in.
"""

from __future__ import annotations

import functools
import itertools
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from assistant.audio import Audio, convert, from_float
from assistant.engines.tts import SpeechSynthesizer

log = logging.getLogger(__name__)

CACHED_PHRASE_WORDS = 2
CACHE_SIZE = 64
STALL_S = 10.0
"""A reply whose audio has not moved for this long is dropped (a stuck device)."""


@dataclass
class _Queued:
    pcm: bytes
    tag: int
    on_start: Callable[[], None] | None
    offset: int = 0
    next_up: bool = False


class BufferedSink:
    """Queued 16-bit mono audio at the sink's rate; consumers call `take`."""

    def __init__(self, rate: int, *, start_on_enqueue: bool = False) -> None:
        self.rate = rate
        self.output_latency_s = 0.0
        """How long audio taken from here takes to be heard (the device's own buffer)."""
        self._queue: deque[_Queued] = deque()
        self._pending = 0
        self._cond = threading.Condition()
        self._start_on_enqueue = start_on_enqueue

    def play(self, audio: Audio, *, tag: int = 0, on_start: Callable[[], None] | None = None,
             next_up: bool = False) -> None:
        """Queue audio; `next_up` puts it right after what is playing now (an announcement
        between two sentences of a reply)."""
        pcm = convert(audio, rate=self.rate, width=2, channels=1).pcm
        if not pcm:
            return
        call_now = None
        with self._cond:
            if self._start_on_enqueue and not self._queue and on_start is not None:
                call_now, on_start = on_start, None
            item = _Queued(pcm, tag, on_start)
            if next_up:
                playing = 1 if self._queue and self._queue[0].offset else 0
                while playing < len(self._queue) and self._queue[playing].next_up:
                    playing += 1  # after announcements already waiting, in order
                item.next_up = True
                self._queue.insert(playing, item)
            else:
                self._queue.append(item)
            self._pending += len(pcm)
            self._cond.notify_all()
        if call_now is not None:
            call_now()

    def flush(self) -> None:
        with self._cond:
            self._queue.clear()
            self._pending = 0
            self._cond.notify_all()

    def pending_ms(self) -> float:
        return 1000.0 * self._pending / (2 * self.rate)

    def wait_pending(self, timeout: float) -> bool:
        """Wait until something is queued; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending > 0, timeout=timeout)

    def take(self, nbytes: int) -> bytes:
        """Up to `nbytes` of queued audio, padded with silence to exactly `nbytes`."""
        out = bytearray()
        started: list[Callable[[], None]] = []
        taken: list[tuple[int, bytes]] = []
        with self._cond:
            while len(out) < nbytes and self._queue:
                item = self._queue[0]
                if item.offset == 0 and item.on_start is not None:
                    started.append(item.on_start)
                piece = item.pcm[item.offset : item.offset + nbytes - len(out)]
                out += piece
                taken.append((item.tag, piece))
                item.offset += len(piece)
                if item.offset >= len(item.pcm):
                    self._queue.popleft()
            self._pending -= sum(len(p) for _, p in taken)
            if self._pending == 0:
                self._cond.notify_all()
        for callback in started:
            callback()
        self._taken(taken)
        out += bytes(nbytes - len(out))
        return bytes(out)

    def _taken(self, pieces: list[tuple[int, bytes]]) -> None:
        """Hook for sinks that record what was played."""


@dataclass
class _Sentence:
    text: str
    turn: int
    on_synth: Callable[[], None] | None
    on_start: Callable[[str], None] | None
    generation: int
    urgent: bool = False


class Speaker:
    """Synthesis worker: `say` queues a sentence; audio goes to the sink in order."""

    def __init__(self, voice: SpeechSynthesizer, sink: BufferedSink, *,
                 volume: Callable[[], float] = lambda: 1.0) -> None:
        self._voice = voice
        self._sink = sink
        self._volume = volume
        self._queue: queue.PriorityQueue[tuple[int, int, _Sentence | None]] = \
            queue.PriorityQueue()
        self._order = itertools.count()
        self._generation = 0
        self._busy = 0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._cache: dict[str, list[Audio]] = {}
        self.failures = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="speaker", daemon=True)
        self._thread.start()

    @property
    def output_latency_s(self) -> float:
        return self._sink.output_latency_s

    def stop(self) -> None:
        self.flush()
        self._queue.put((2, next(self._order), None))
        if self._thread is not None:
            self._thread.join(timeout=10)

    def say(self, text: str, *, turn: int = 0, on_synth: Callable[[], None] | None = None,
            on_start: Callable[[str], None] | None = None, urgent: bool = False) -> None:
        """Queue a sentence. `urgent` (an announcement) is synthesized before the sentences
        waiting and plays right after the one being heard."""
        with self._cond:
            self._busy += 1
            generation = self._generation
        item = _Sentence(text, turn, on_synth, on_start, generation, urgent)
        self._queue.put((0 if urgent else 1, next(self._order), item))

    def flush(self) -> None:
        """Drop every queued sentence and the audio not yet played (barge-in)."""
        with self._cond:  # no block of the old generation reaches the sink after this
            self._generation += 1
            self._sink.flush()

    def idle(self) -> bool:
        with self._cond:
            return self._busy == 0

    def wait_done(self, cancel: threading.Event, *, meanwhile: Callable[[], None] = lambda: None,
                  poll_s: float = 0.02) -> bool:
        """Wait until all queued sentences are synthesized and played; False if cancelled or
        if playback stalls (the device stopped taking audio). `meanwhile` runs while
        waiting (announcements that come up)."""
        pending, since = -1.0, time.monotonic()
        while not cancel.is_set():
            meanwhile()
            with self._cond:
                if self._busy == 0 and self._sink.pending_ms() == 0:
                    return True
                self._cond.wait(timeout=poll_s)
            now_pending = self._sink.pending_ms()
            if now_pending != pending or self._busy:
                pending, since = now_pending, time.monotonic()
            elif time.monotonic() - since > STALL_S:
                log.warning("the speaker took no audio for %.0f s; dropping the reply", STALL_S)
                self.flush()
                return False
        return False

    def _run(self) -> None:
        while True:
            item = self._queue.get()[2]
            if item is None:
                return
            try:
                if item.generation == self._generation:
                    self._speak(item)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _blocks(self, text: str) -> Iterator[Audio]:
        """The voice's audio for `text`; short phrases ("Okay,", "Sure,") come from a
        cache, since they open many replies and their first sound should be instant."""
        if len(text.split()) > CACHED_PHRASE_WORDS:
            yield from self._voice.synthesize(text)
            return
        if text not in self._cache:
            self._cache[text] = list(self._voice.synthesize(text))
            if len(self._cache) > CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
        yield from self._cache[text]

    def _speak(self, item: _Sentence) -> None:
        first = True
        try:
            for block in self._blocks(item.text):
                if first and item.on_synth is not None:
                    item.on_synth()
                volume = self._volume()
                if volume < 1.0:
                    block = _scaled(block, volume)
                callback = None
                if first and item.on_start is not None:
                    callback = functools.partial(item.on_start, item.text)
                with self._cond:  # a flush cannot slip between the check and the queueing
                    if item.generation != self._generation:
                        return
                    self._sink.play(block, tag=item.turn, on_start=callback,
                                    next_up=item.urgent)
                first = False
        except Exception as error:  # noqa: BLE001 - one bad sentence must not end the reply
            self.failures += 1
            log.warning("speech synthesis failed for one sentence (%s); skipping it", error)


def _scaled(block: Audio, volume: float) -> Audio:
    return from_float(block.to_float() * volume, block.rate)

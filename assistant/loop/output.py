"""Where a session's replies go: a queue of audio that a device (or a clock) plays.

`BufferedSink` holds queued 16-bit mono audio at the output's rate, in order, each piece
tagged with its turn; whatever plays it calls `take`. The test mode's virtual speaker
takes on the script's clock, the sound card's feeder (`assistant.sound.live`) takes as
the device drains, a Wyoming satellite's sender takes as it streams. `changed` is one
condition for everything that waits on this output (the speaker waiting for a reply to
be heard, the test mode waiting for audio), notified whenever audio is queued, taken or
dropped.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from assistant.audio import Audio, convert


@dataclass
class _Queued:
    pcm: bytes
    tag: int
    on_start: Callable[[], None] | None
    offset: int = 0
    next_up: bool = False


class BufferedSink:
    """Queued audio; consumers call `take`. `start_on_enqueue`: a reply counts as started
    the moment it is queued (a virtual speaker that plays as soon as there is audio)."""

    def __init__(self, rate: int, *, start_on_enqueue: bool = False) -> None:
        self.rate = rate
        self.output_latency_s = 0.0
        """How long audio taken from here takes to be heard (the device's own buffer)."""
        self.changed = threading.Condition()
        self._queue: deque[_Queued] = deque()
        self._pending = 0
        self._start_on_enqueue = start_on_enqueue

    def play(self, audio: Audio, *, tag: int = 0, on_start: Callable[[], None] | None = None,
             next_up: bool = False) -> None:
        """Queue audio; `next_up` puts it right after what is playing now (an announcement
        between two sentences of a reply). `on_start` is called when its first sample is
        taken."""
        pcm = convert(audio, rate=self.rate, width=2, channels=1).pcm
        if not pcm:
            return
        call_now = None
        with self.changed:
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
            self.changed.notify_all()
        if call_now is not None:
            call_now()

    def flush(self) -> None:
        """Drop everything queued (barge-in)."""
        with self.changed:
            self._queue.clear()
            self._pending = 0
            self.changed.notify_all()

    def pending_ms(self) -> float:
        return 1000.0 * self._pending / (2 * self.rate)

    def take(self, nbytes: int, *, pad: bool = True) -> bytes:
        """Up to `nbytes` of queued audio, padded with silence to exactly `nbytes` (or
        only what is queued, with `pad=False`)."""
        out = bytearray()
        started: list[tuple[int, Callable[[], None]]] = []
        taken: list[tuple[int, bytes]] = []
        with self.changed:
            while len(out) < nbytes and self._queue:
                item = self._queue[0]
                if item.offset == 0 and item.on_start is not None:
                    started.append((len(out), item.on_start))
                piece = item.pcm[item.offset : item.offset + nbytes - len(out)]
                out += piece
                taken.append((item.tag, piece))
                item.offset += len(piece)
                if item.offset >= len(item.pcm):
                    self._queue.popleft()
            if taken:
                self._pending -= sum(len(p) for _, p in taken)
                self.changed.notify_all()
        self._starting(started)
        self._taken(taken)
        if pad:
            out += bytes(nbytes - len(out))
        return bytes(out)

    def _starting(self, started: list[tuple[int, Callable[[], None]]]) -> None:
        """Pieces whose first sample was just taken, at these byte offsets of the audio
        taken: the reply has started. A sink whose device buffers more (the sound card's
        ring) calls them when that sample is really played instead."""
        for _, callback in started:
            callback()

    def _taken(self, pieces: list[tuple[int, bytes]]) -> None:
        """Hook for sinks that record what was played."""

"""An alarm ringing in one session: a chime played again and again on the session's
output until the alarm is stopped or snoozed, or rings for its limit.

The chime is generated (two bell-like notes, no sound file). While the session is busy
(the wake word was heard, a request is being answered), the next chime waits, so the
user can say "stop" or "snooze" over a quiet room. Everything runs on the session's
clock (real, or the test mode's scripted one).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from assistant.audio import Audio, from_float
from assistant.loop.clock import Clock

log = logging.getLogger(__name__)

CHIME_NOTES_HZ = (880.0, 1318.5, 1760.0)
"""A5, E6, A6: a bright bell arpeggio that carries across a room."""
NOTE_S = 0.32
RING_S = 1.4


@lru_cache(maxsize=4)
def chime(rate: int, *, volume: float = 0.5) -> Audio:
    """The alarm's sound at `rate`: three decaying bell notes (about 1.4 s)."""
    total = np.zeros(int(rate * RING_S), dtype=np.float32)
    for index, frequency in enumerate(CHIME_NOTES_HZ):
        start = int(index * NOTE_S * rate)
        t = np.arange(len(total) - start, dtype=np.float32) / rate
        envelope = np.exp(-t * 3.5) * np.minimum(1.0, t / 0.005)
        tone = np.sin(2 * np.pi * frequency * t) + 0.3 * np.sin(2 * np.pi * 2.76 * frequency * t)
        total[start:] += (envelope * tone).astype(np.float32)
    peak = float(np.max(np.abs(total))) or 1.0
    return from_float(total / peak * volume, rate)


class Ringer:
    """Rings one alarm at a time on a session's clock. `play` plays the chime once;
    `busy` says the session is listening or answering (the chime waits); `ringing` says
    the alarm still rings (false once stopped or snoozed); `over` is called when the
    limit is reached."""

    def __init__(self, *, clock: Clock, play: Callable[[], None], busy: Callable[[], bool],
                 ringing: Callable[[], bool], over: Callable[[], None], every_s: float,
                 limit_s: float) -> None:
        self._clock = clock
        self._play = play
        self._busy = busy
        self._ringing = ringing
        self._over = over
        self._every_s = every_s
        self._limit_s = limit_s
        self._lock = threading.Lock()
        self._generation = 0
        self._until = 0.0

    def start(self) -> None:
        """Ring now (the first chime is the caller's, with the words) and on."""
        with self._lock:
            self._generation += 1
            generation = self._generation
            self._until = self._clock.now() + self._limit_s
        self._clock.call_at(self._clock.now() + self._every_s, lambda: self._ring(generation))

    def stop(self) -> None:
        with self._lock:
            self._generation += 1

    def _ring(self, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return
            over = self._clock.now() >= self._until
        if not self._ringing():
            return
        if over:
            log.info("an alarm rang for its limit and stopped")
            self._over()
            return
        if not self._busy():
            self._play()
        self._clock.call_at(self._clock.now() + self._every_s, lambda: self._ring(generation))

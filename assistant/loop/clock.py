"""The clock a session's skills run on, and calls at a time on it (finished timers).

`WallClock` is the real one: monotonic seconds, and one scheduler thread that sleeps
on a condition until the next call is due (started with the first call, joined by
`close`). Dropped microphone blocks or a busy CPU never pause it. `StreamClock` is the
test mode's: the seconds of audio the script has played, advanced by the driver, which
runs the calls that came due in its own thread, so a script always hears a timer at
the same moment.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)


class Clock(Protocol):
    def now(self) -> float:
        """Seconds (monotonic; the origin is arbitrary)."""
        ...

    def call_at(self, when: float, fn: Callable[[], None]) -> None:
        """Call `fn` once, at `when` on this clock (at once if that has passed)."""
        ...

    def close(self) -> None:
        """Drop pending calls; no call runs after this returns."""
        ...


class _Calls:
    """A heap of (when, order, fn)."""

    def __init__(self) -> None:
        self.heap: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def push(self, when: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self.heap, (when, next(self._order), fn))

    def pop_due(self, now: float) -> list[Callable[[], None]]:
        due = []
        while self.heap and self.heap[0][0] <= now:
            due.append(heapq.heappop(self.heap)[2])
        return due


def _run(calls: list[Callable[[], None]]) -> None:
    for fn in calls:
        try:
            fn()
        except Exception:  # noqa: BLE001 - one failed call must not stop the clock
            log.exception("scheduled call failed")


class WallClock:
    """Monotonic time; scheduled calls run on the clock's own thread."""

    def __init__(self, *, name: str = "clock") -> None:
        self._name = name
        self._calls = _Calls()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def now(self) -> float:
        return time.monotonic()

    def call_at(self, when: float, fn: Callable[[], None]) -> None:
        with self._cond:
            if self._closed:
                return
            self._calls.push(when, fn)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._calls.heap.clear()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _loop(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                due = self._calls.pop_due(self.now())
                if not due:
                    wait = self._calls.heap[0][0] - self.now() if self._calls.heap else None
                    self._cond.wait(timeout=wait)
                    continue
            _run(due)


class StreamClock:
    """Seconds of audio played so far; `advance` runs the calls that came due."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._calls = _Calls()
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def call_at(self, when: float, fn: Callable[[], None]) -> None:
        with self._lock:
            self._calls.push(when, fn)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds
            due = self._calls.pop_due(self._now)
        _run(due)

    def close(self) -> None:
        with self._lock:
            self._calls.heap.clear()

"""A bounded hand-off of streamed pieces from an engine's worker thread to one reader.

The chat model writes its reply on its own worker thread; the session that asked reads
the pieces as they come. The buffer is small on purpose: when the reader stops reading
(it waits for the first sentence to be synthesized), the writer stops writing after a
piece or two instead of taking the CPU the voice needs. When the reader goes away
(`close`, an interruption), the writer's next `put` says so and it stops: nobody
blocks forever, and nothing polls.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Handoff(Generic[T]):
    """Writer: `put` pieces, then `finish` (with the error, if any). Reader: iterate.

    A writer that serves several readers at once (the batched chat model) must never
    wait for one of them: it checks `full` and puts only when there is room, and
    `on_read` tells it when a reader has taken a piece or gone."""

    def __init__(self, *, limit: int = 2, on_read: Callable[[], None] | None = None) -> None:
        self._items: deque[T] = deque()
        self._limit = limit
        self._on_read = on_read
        self._cond = threading.Condition()
        self._finished = False
        self._closed = False
        self._error: BaseException | None = None

    def put(self, item: T, *, wait: bool = True) -> bool:
        """Wait for room (unless not `wait`) and add `item`; False when the reader has
        gone (stop writing)."""
        with self._cond:
            if wait:
                self._cond.wait_for(lambda: len(self._items) < self._limit or self._closed)
            if self._closed:
                return False
            self._items.append(item)
            self._cond.notify_all()
            return True

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def full(self) -> bool:
        """A `put` now would wait for the reader."""
        with self._cond:
            return len(self._items) >= self._limit and not self._closed

    def finish(self, error: BaseException | None = None) -> None:
        """No more pieces; `error` is raised to the reader after the last one."""
        with self._cond:
            self._finished = True
            self._error = error
            self._cond.notify_all()

    def close(self) -> None:
        """The reader is done (early or not): the writer's next `put` returns False."""
        with self._cond:
            self._closed = True
            self._items.clear()
            self._cond.notify_all()
        if self._on_read is not None:
            self._on_read()

    def __iter__(self) -> Iterator[T]:
        """The reader's side; its `close()` closes the hand-off even before the first
        piece (a generator's would not run its cleanup then, and the writer would wait
        for a reader that never comes)."""
        return _Reader(self)

    def _take(self) -> T:
        """The next piece; StopIteration at the end; the writer's error, if any."""
        try:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._items) or self._finished
                                    or self._closed)
                if not self._items:
                    if self._error is not None and not self._closed:
                        raise self._error
                    raise StopIteration
                item = self._items.popleft()
                self._cond.notify_all()
        except BaseException:
            self.close()
            raise
        if self._on_read is not None:
            self._on_read()
        return item


class _Reader(Iterator[T]):
    """Iterates a `Handoff`'s pieces; `close()` tells the writer the reader has gone."""

    def __init__(self, handoff: Handoff[T]) -> None:
        self._handoff = handoff

    def __next__(self) -> T:
        return self._handoff._take()  # noqa: SLF001 - the reader's half of the hand-off

    def close(self) -> None:
        self._handoff.close()

"""Fair job queues for the engines that every session shares.

One `FairExecutor` per CPU-heavy engine (recognizer, voice, chat model): each session
(`owner`) has its own first-in-first-out queue, and a free worker takes the next job
of the owner that has waited longest since its last turn. A room that asked for a long
story queues one synthesis job per sentence, so another room's "turn on the light" waits
for at most the sentence being synthesized, never for the whole story. `urgent` jobs
(an announcement) go to the front of their owner's queue. `per_owner` caps how many jobs
of one owner run at once: 1 keeps an owner's jobs in order (the sentences of a reply), 2
lets a session's early decode and its final one run side by side.

No thread starts in `__init__`: the workers start with the first `submit`, and
`close()` cancels what is queued and joins every worker.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class ExecutorClosedError(RuntimeError):
    """A job was submitted to an executor after `close()`."""


@dataclass
class _Job:
    future: Future[Any]
    run: Callable[[], Any]
    order: int


class FairExecutor:
    """Runs jobs on `workers` threads, taking turns between owners (round robin)."""

    def __init__(self, name: str, *, workers: int = 1, per_owner: int | None = None) -> None:
        if workers < 1:
            raise ValueError(f"{name}: workers must be >= 1, got {workers}")
        self.name = name
        self._workers = workers
        self._per_owner = per_owner or workers
        self._queues: dict[str, deque[_Job]] = {}
        self._running: dict[str, int] = {}
        self._served: dict[str, int] = {}
        """When each owner last had a job started (a count): the longest waiting goes next."""
        self._count = itertools.count()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._closed = False

    def submit(self, owner: str, fn: Callable[..., T], *args: Any,
               urgent: bool = False) -> Future[T]:
        """Queue `fn(*args)` for `owner`; the future holds its result or exception."""
        future: Future[T] = Future()
        with self._cond:
            if self._closed:
                raise ExecutorClosedError(f"the {self.name} engine is closed")
            job = _Job(future, lambda: fn(*args), next(self._count))
            queue = self._queues.setdefault(owner, deque())
            if urgent:
                queue.appendleft(job)
            else:
                queue.append(job)
            if len(self._threads) < self._workers:
                self._start_worker()
            self._cond.notify()
        return future

    def cancel(self, owner: str) -> int:
        """Cancel every job of `owner` that has not started; returns how many."""
        with self._cond:
            queue = self._queues.pop(owner, deque())
        for job in queue:
            job.future.cancel()
        return len(queue)

    def pending(self, owner: str | None = None) -> int:
        """Jobs waiting (not running) for `owner`, or for everyone."""
        with self._cond:
            if owner is not None:
                return len(self._queues.get(owner, ()))
            return sum(len(q) for q in self._queues.values())

    def close(self) -> None:
        """Cancel queued jobs, let running ones finish, and join every worker."""
        with self._cond:
            self._closed = True
            queues = list(self._queues.values())
            self._queues.clear()
            self._cond.notify_all()
        for queue in queues:
            for job in queue:
                job.future.cancel()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join()

    def _start_worker(self) -> None:
        thread = threading.Thread(target=self._work, daemon=True,
                                  name=f"{self.name}-{len(self._threads) + 1}")
        self._threads.append(thread)
        thread.start()

    def _next_job(self) -> tuple[str, _Job] | None:
        """The next job of the owner that has waited longest since its last turn (among
        those that may run one more); None once closed."""
        with self._cond:
            while True:
                if self._closed:
                    return None
                ready = [(self._served.get(owner, -1), queue[0].order, owner)
                         for owner, queue in self._queues.items()
                         if self._running.get(owner, 0) < self._per_owner]
                if ready:
                    owner = min(ready)[2]
                    queue = self._queues[owner]
                    job = queue.popleft()
                    if not queue:
                        del self._queues[owner]
                    self._served[owner] = next(self._count)
                    self._running[owner] = self._running.get(owner, 0) + 1
                    return owner, job
                self._cond.wait()

    def _work(self) -> None:
        while (taken := self._next_job()) is not None:
            owner, job = taken
            try:
                if job.future.set_running_or_notify_cancel():
                    try:
                        result = job.run()
                    except BaseException as error:  # noqa: BLE001 - handed to the caller
                        job.future.set_exception(error)
                    else:
                        job.future.set_result(result)
            finally:
                with self._cond:
                    self._running[owner] -= 1
                    if not self._running[owner]:
                        del self._running[owner]
                    self._cond.notify_all()

"""The shared engines' fair queues, the chat model's hand-off and the sessions' clocks."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future

import pytest

from assistant.loop.clock import StreamClock, WallClock
from assistant.scheduling.fair import ExecutorClosedError, FairExecutor
from assistant.scheduling.handoff import Handoff


def test_owners_take_turns() -> None:
    jobs = FairExecutor("test", workers=1)
    gate = threading.Event()
    order: list[str] = []
    blocker = jobs.submit("a", gate.wait)  # holds the worker while the queues fill
    futures = [jobs.submit("a", order.append, f"a{i}") for i in range(3)]
    futures.append(jobs.submit("b", order.append, "b0"))
    gate.set()
    for future in [blocker, *futures]:
        future.result(timeout=5)
    jobs.close()
    # a just had its turn (the blocker): b goes next, not after all of a's queue
    assert order == ["b0", "a0", "a1", "a2"]


def test_per_owner_limit_keeps_an_owners_jobs_in_order() -> None:
    jobs = FairExecutor("test", workers=2, per_owner=1)
    seen: list[int] = []
    lock = threading.Lock()

    def job(i: int) -> None:
        with lock:
            seen.append(i)
        time.sleep(0.01)

    for future in [jobs.submit("a", job, i) for i in range(5)]:
        future.result(timeout=5)
    jobs.close()
    assert seen == [0, 1, 2, 3, 4]


def test_urgent_jobs_go_first_and_cancel_drops_the_queue() -> None:
    jobs = FairExecutor("test", workers=1)
    gate = threading.Event()
    order: list[str] = []
    first = jobs.submit("a", gate.wait)
    later = jobs.submit("a", order.append, "later")
    urgent = jobs.submit("a", order.append, "urgent", urgent=True)
    gate.set()
    first.result(timeout=5), later.result(timeout=5), urgent.result(timeout=5)
    assert order == ["urgent", "later"]
    gate.clear()
    started = threading.Event()
    blocker = jobs.submit("a", lambda: (started.set(), gate.wait()))
    assert started.wait(5)
    dropped = jobs.submit("a", order.append, "dropped")
    assert jobs.cancel("a") == 1 and dropped.cancelled()
    gate.set()
    blocker.result(timeout=5)
    jobs.close()


def test_close_joins_the_workers_and_refuses_new_jobs() -> None:
    jobs = FairExecutor("closing", workers=2)
    jobs.submit("a", time.sleep, 0.05).result(timeout=5)
    jobs.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("closing-")]
    with pytest.raises(ExecutorClosedError):
        jobs.submit("a", print)


def test_errors_reach_the_caller() -> None:
    jobs = FairExecutor("test")
    future: Future[None] = jobs.submit("a", lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        future.result(timeout=5)
    jobs.close()


def test_handoff_stops_the_writer_when_the_reader_goes_away() -> None:
    pieces: Handoff[str] = Handoff(limit=1)
    written: list[bool] = []

    def write() -> None:
        for word in ["one", "two", "three", "four"]:
            written.append(pieces.put(word))
        pieces.finish()

    writer = threading.Thread(target=write)
    writer.start()
    reader = iter(pieces)
    assert next(reader) == "one"
    reader.close()  # an interrupted reply
    writer.join(timeout=5)
    assert not writer.is_alive()
    assert written[-1] is False  # the writer was told, instead of blocking forever


def test_handoff_passes_the_writers_error_after_the_pieces() -> None:
    pieces: Handoff[str] = Handoff(limit=4)
    pieces.put("a")
    pieces.finish(RuntimeError("model failed"))
    reader = iter(pieces)
    assert next(reader) == "a"
    with pytest.raises(RuntimeError, match="model failed"):
        next(reader)


def test_stream_clock_runs_due_calls_when_advanced() -> None:
    clock = StreamClock()
    fired: list[float] = []
    clock.call_at(1.0, lambda: fired.append(clock.now()))
    clock.advance(0.5)
    assert fired == []
    clock.advance(0.6)
    assert fired == [pytest.approx(1.1)]


def test_wall_clock_calls_back_on_its_thread_and_close_joins_it() -> None:
    clock = WallClock(name="test-clock")
    done = threading.Event()
    threads: list[str] = []

    def call() -> None:
        threads.append(threading.current_thread().name)
        done.set()

    clock.call_at(clock.now() + 0.05, call)
    assert done.wait(5)
    assert threads == ["test-clock"]
    clock.call_at(clock.now() + 60, call)  # dropped by close
    clock.close()
    assert not [t for t in threading.enumerate() if t.name == "test-clock"]

"""A time limit on one await that never loses a cancellation.

`asyncio.wait_for` before Python 3.12 returns the inner result when a cancellation
arrives just as the inner await completes, and the cancellation is lost: a stream cancelled
while one of its audio chunks was being written went on, waiting for sentences that would
never come, and its connection never closed (`tests/test_serve_fuzz.py` found it).
`within` waits with `asyncio.wait`, which always raises the caller's cancellation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")


async def within(awaitable: Awaitable[T], timeout_s: float | None) -> T:
    """`await awaitable`, or TimeoutError after `timeout_s` (None: no limit); cancelling
    the caller cancels it and always raises CancelledError."""
    if timeout_s is None:
        return await awaitable
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout_s)
    except asyncio.CancelledError:
        task.cancel()
        task.add_done_callback(_retrieve)  # its own ending (an error) is nobody's news
        raise
    if not done:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise TimeoutError(f"nothing after {timeout_s:g} s")
    return task.result()


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()

"""An asyncio event loop in a thread of its own, for a backend's network connection.

The skills call backends from worker threads and must not block on network I/O for
longer than a timeout; the connection (WebSocket, MQTT) lives on this loop between
`start()` and `stop()`, and `call()` runs one coroutine on it and waits for the result.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """One event loop in one daemon thread, named `name` (for thread listings)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> asyncio.AbstractEventLoop:
        if self.loop is not None:
            return self.loop
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name=self.name, daemon=True)
        self._thread.start()
        ready.wait()
        self.loop = loop
        return loop

    def call(self, coroutine: Coroutine[Any, Any, T], *, timeout_s: float | None) -> T:
        """Run `coroutine` on the loop and wait for it; on timeout it is cancelled and
        TimeoutError raised. Must not be called from the loop's own thread."""
        if self.loop is None:
            coroutine.close()
            raise RuntimeError(f"{self.name} is not running")
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout=timeout_s)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"no answer within {timeout_s} s") from None

    def stop(self, *, timeout_s: float = 5.0) -> None:
        """Stop the loop (after cancelling its tasks) and join the thread."""
        loop, thread = self.loop, self._thread
        if loop is None or thread is None:
            return
        self.loop = None

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            asyncio.run_coroutine_threadsafe(cancel_all(), loop).result(timeout=timeout_s)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=timeout_s)

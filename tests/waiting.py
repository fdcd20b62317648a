"""Waiting in tests for what another thread or process brings about: the condition is
polled until it holds, and the test fails if it never does. No timing is asserted: the
limit only ends a test that would otherwise hang."""

from __future__ import annotations

import time
from collections.abc import Callable


def eventually(check: Callable[[], bool], *, timeout_s: float = 60.0,
               what: str = "it never happened", every_s: float = 0.02) -> None:
    """Return once `check()` is true; fail the test with `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(every_s)

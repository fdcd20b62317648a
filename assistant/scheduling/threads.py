"""How many threads the engines run on: the cores this process may use, split between
the chat model and the voice while a reply streams."""

from __future__ import annotations

import os


def cpu_threads(requested: int = 0) -> int:
    """Threads for inference: `requested`, or the cores this process may run on."""
    if requested > 0:
        return requested
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def reply_threads(requested: int = 0) -> tuple[int, int]:
    """(chat model, voice) threads while a reply streams. The model writes on half the
    cores; the voice may use them all, and its idle threads sleep instead of spinning.
    Measured on 2 cores while both run: model 1 + voice 2 threads writes 31 tokens/s
    (ten times faster than speech) with 0.37 s per sentence; 2 + 2 managed 6-27 tokens/s.
    The first sentence, synthesized while the model waits, gets both cores."""
    cores = cpu_threads()
    return requested or max(1, cores // 2), cores

"""What the batched chat model tracks: a request (a prompt in, a reply's pieces out) and
each sequence of its context (what its cache holds, and the request it serves)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from assistant.engines.llm.sampling import Sampling
from assistant.errors import AssistantError
from assistant.scheduling.handoff import Handoff


@dataclass
class Request:
    """One reply: the prompt's tokens in, the reply's text out through `pieces`.
    `max_tokens` 0: read the prompt only (ahead of a reply that may follow)."""

    tokens: list[int]
    max_tokens: int
    pieces: Handoff[str]
    sampling: Sampling = field(default_factory=Sampling)
    cancel: threading.Event | None = None

    @property
    def dropped(self) -> bool:
        return self.pieces.closed or (self.cancel is not None and self.cancel.is_set())


@dataclass
class Sequence:
    """One sequence of the context: what its cache holds, and the request it serves."""

    seq_id: int
    cached: list[int] = field(default_factory=list)
    """The tokens whose keys and values are in the cache, at positions 0, 1, ..."""
    request: Request | None = None
    todo: list[int] = field(default_factory=list)
    """Prompt tokens still to read."""
    next_token: int | None = None
    """Sampled, not yet in the cache (the next step reads it)."""
    written: int = 0
    text: Any = None
    sampler: Any = None
    used: int = 0
    """When it last served a request (a count): the least recent is reused first."""


class KvFull(AssistantError):
    """The prompt and reply do not fit in the chat model's context (llm.context_tokens)."""


def common_prefix(a: list[int], b: list[int]) -> int:
    """The length of the common prefix of `a` and `b`."""
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


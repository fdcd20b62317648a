"""Which chat model answers, when the config leaves `llm.model` unset (None).

Resolved once at start-up, from the language and the machine: the language's chat models
in order of preference (a language pack lists the ones that speak it; one that lists
none is served by the registry's default chat models), the first one installed that fits
in this machine's memory. A model fits when the machine has at least `MIN_TOTAL_RAM` of
memory for it: the 1.5B model's weights are 1.1 GB, memory-mapped and read in full for
every token, and the rest of the assistant (recognizers, voice, VAD, wake word) takes
about 1 GB beside them, so below 3 GB the small model answers instead (docs/models.md,
"Which chat model").
A model named in the config (or a profile: `pi` names SmolLM2) is used as named.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

LARGE = "qwen2.5-coder-1.5b-instruct-q4_k_m"
SMALL = "smollm2-135m-instruct-q4_1"
GB = 1 << 30
MIN_TOTAL_RAM = {LARGE: 3 * GB}
"""Total RAM a model needs to be chosen on its own (models not listed fit anywhere)."""


@dataclass(frozen=True)
class ChatChoice:
    """The chosen model id (None: no installed model speaks the language) and why."""

    model: str | None
    reason: str


def total_memory_bytes() -> int:
    """The machine's physical memory in bytes (0 when the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def choose_chat_model(configured: str | None, *, preferred: Sequence[str],
                      defaults: Sequence[str], installed: Callable[[str], bool],
                      memory_bytes: int) -> ChatChoice:
    """`configured` when set; else the first of `preferred` (or `defaults` when it is
    empty) that is installed and fits in `memory_bytes` (0 = unknown: everything fits).
    Nothing installed: the first that fits, so loading it says which model to fetch;
    None when the language names its own models and none of them is installed (the
    router then says which to fetch)."""
    if configured is not None:
        return ChatChoice(configured, "llm.model in the configuration")
    candidates = tuple(preferred) or tuple(defaults)
    if not candidates:
        return ChatChoice(None, "no chat model is known")
    memory = f"{memory_bytes / GB:.1f} GB of RAM" if memory_bytes else "unknown RAM"
    fitting = [m for m in candidates if not memory_bytes or memory_bytes
               >= MIN_TOTAL_RAM.get(m, 0)] or [candidates[-1]]
    for model in fitting:
        if installed(model):
            skipped = [m for m in candidates[:candidates.index(model)] if m not in fitting]
            why = f"; {', '.join(skipped)} needs more memory" if skipped else ""
            return ChatChoice(model, f"the first installed chat model for {memory}{why}")
    if preferred:
        return ChatChoice(None, f"none of {', '.join(candidates)} is installed")
    return ChatChoice(fitting[0], f"not installed yet: the chat model for {memory}")

"""The chat model: the `ChatModel` protocol, its messages and the prompt they make.

Replies stream piece by piece so speech can start before the model has finished; the
prompt is bounded to the context window by dropping the oldest turns first (`fit_to_context`).
Backends: `llama` (llama.cpp, GGUF on the CPU), `openai` (an OpenAI-compatible chat
server on another machine of the house) and `fallback` (that server, else the local
model). `smoke` is the chat smoke test, a program
of its own (`python -m assistant.engines.llm.smoke`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from assistant.errors import AssistantError

#: Tokens a chat template adds around each message (role markers), an upper estimate.
MESSAGE_OVERHEAD_TOKENS = 6


#: How a chat server on the network can fail a reply (`ChatServerError.problem`).
SERVER_PROBLEMS = ("unreachable", "slow", "error", "garbled", "empty", "too_long", "cut")


class ChatServerError(AssistantError):
    """A chat server on the network failed this reply. `problem` (one of SERVER_PROBLEMS)
    says how, for the sentence the user hears; the message is for the log."""

    def __init__(self, problem: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "system" | "user" | "assistant"
    content: str
    pinned: bool = False
    """Kept when the prompt is cut to the context window (few-shot examples)."""


class ChatModel(Protocol):
    """A loaded chat model that streams its reply; shared by every session."""

    name: str
    context_tokens: int

    def count_tokens(self, text: str) -> int: ...

    def stream_reply(self, messages: Sequence[ChatMessage], *, max_tokens: int,
                     owner: str = "", cancel: threading.Event | None = None) -> Iterator[str]:
        """Yield the reply piece by piece; stops early when `cancel` is set or the caller
        stops iterating (closing the iterator). `owner` (a session) takes its turn."""
        ...

    def prepare(self, messages: Sequence[ChatMessage], *, max_tokens: int,
                owner: str = "") -> None:
        """Read `messages` ahead of a reply that may be asked for next (a question heard
        before the user has surely finished): a later `stream_reply` whose prompt starts
        the same skips what was read. Returns at once; may do nothing."""
        ...

    def use_all_cores(self, solo: bool) -> None:
        """Write on every core (`solo`: nothing else runs) or on the reply threads (the
        voice synthesizes beside it); takes effect from the next token."""
        ...

    def complete_json(self, messages: Sequence[ChatMessage], *, grammar: str,
                      max_tokens: int = 256) -> str:
        """One reply constrained by a GBNF grammar (blocking)."""
        ...

    def close(self) -> None:
        """Stop the generation worker (queued replies are cancelled) and free the model."""
        ...


def prompt_prefix(system_prompt: str,
                  examples: Sequence[tuple[str, str]] = ()) -> list[ChatMessage]:
    """What every conversation starts with: the system prompt, then each few-shot example
    as a user turn and its answer (the shape and length the answers should have)."""
    out = [ChatMessage("system", system_prompt)]
    for question, answer in examples:
        out += [ChatMessage("user", question, pinned=True),
                ChatMessage("assistant", answer, pinned=True)]
    return out


def fit_to_context(messages: Sequence[ChatMessage], *, budget_tokens: int,
                   count: Any) -> list[ChatMessage]:
    """Drop the oldest non-system messages until the prompt fits `budget_tokens`.

    The system message and the last message (the question) always stay, and pinned ones
    (the few-shot examples) while anything else can go; a last message longer than the
    budget is cut from the front (its end is what was just said).
    """
    messages = list(messages)
    system = [m for m in messages[:1] if m.role == "system"]
    rest = messages[len(system):]

    def cost(items: Sequence[ChatMessage]) -> int:
        return sum(count(m.content) + MESSAGE_OVERHEAD_TOKENS for m in items)

    while len(rest) > 1 and cost(system + rest) > budget_tokens:
        unpinned = [i for i, m in enumerate(rest[:-1]) if not m.pinned]
        rest.pop(unpinned[0] if unpinned else 0)
    if rest and cost(system + rest) > budget_tokens:
        words = rest[-1].content.split()
        while words and cost(system) + count(" ".join(words)) + MESSAGE_OVERHEAD_TOKENS \
                > budget_tokens:
            words = words[max(1, len(words) // 8):]
        rest[-1] = ChatMessage(rest[-1].role, " ".join(words))
    return system + rest

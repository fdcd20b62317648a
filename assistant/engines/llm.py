"""The chat model: `ChatModel` protocol and the llama.cpp backend (GGUF, CPU).

Replies stream token by token so speech can start before the model has finished. The
model's own chat template (from the GGUF metadata) formats the conversation; the
prompt is bounded to the context window by dropping the oldest turns first.
llama.cpp keeps the KV cache of the previous call and skips the common prefix, so the
system prompt is evaluated once, not per turn.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from assistant.engines.handoff import Handoff
from assistant.engines.scheduler import FairExecutor

log = logging.getLogger(__name__)

#: Tokens a chat template adds around each message (role markers), an upper estimate.
MESSAGE_OVERHEAD_TOKENS = 6
#: Pieces the model may write ahead of the reader (see `Handoff`).
HANDOFF_PIECES = 2


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


class LlamaChatModel:
    """A GGUF model run by llama-cpp-python on the CPU, on one worker thread: llama.cpp's
    context is not thread-safe, so sessions take turns (a whole reply each)."""

    def __init__(self, model_path: Path, *, name: str, context_tokens: int = 2048,
                 temperature: float = 0.0, top_p: float = 1.0, repeat_penalty: float = 1.0,
                 seed: int = 42, threads: int = 1, batch_threads: int | None = None) -> None:
        """`threads` write the reply token by token (while speech is synthesized beside
        them); `batch_threads` read the prompt, when nothing else runs (default: threads).
        `repeat_penalty` > 1 discourages tokens of the last 64 (prompt included)."""
        from llama_cpp import Llama

        self.name = name
        self.context_tokens = context_tokens
        self._temperature = temperature
        self._top_p = top_p
        self._repeat_penalty = repeat_penalty
        self._seed = seed
        self._threads = threads
        self._batch_threads = batch_threads or threads
        self._wanted_threads = self._threads
        self._set_threads = self._threads
        self._closing = threading.Event()
        self._jobs = FairExecutor("chat", workers=1)
        self._llama = Llama(model_path=str(model_path), n_ctx=context_tokens, n_threads=threads,
                            n_threads_batch=self._batch_threads, seed=seed, verbose=False)

    def use_all_cores(self, solo: bool) -> None:
        self._wanted_threads = self._batch_threads if solo else self._threads

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def stream_reply(self, messages: Sequence[ChatMessage], *, max_tokens: int,
                     owner: str = "", cancel: threading.Event | None = None) -> Iterator[str]:
        budget = self.context_tokens - max_tokens
        fitted = fit_to_context(messages, budget_tokens=budget, count=self.count_tokens)
        pieces: Handoff[str] = Handoff(limit=HANDOFF_PIECES)
        job = self._jobs.submit(owner, self._generate, fitted, max_tokens, pieces, cancel)
        job.add_done_callback(lambda f: pieces.finish() if f.cancelled() else None)
        return iter(pieces)

    def _generate(self, messages: list[ChatMessage], max_tokens: int, pieces: Handoff[str],
                  cancel: threading.Event | None) -> None:
        """The worker's side of `stream_reply`: write until done, cancelled or unread."""
        if cancel is not None and cancel.is_set():  # cancelled while queued: skip the prompt
            pieces.finish()
            return
        try:
            chunks: Any = self._llama.create_chat_completion(
                messages=_as_dicts(messages), stream=True, max_tokens=max_tokens,
                temperature=self._temperature, top_p=self._top_p, seed=self._seed,
                repeat_penalty=self._repeat_penalty)
            try:
                for chunk in chunks:
                    if (cancel is not None and cancel.is_set()) or self._closing.is_set():
                        break
                    self._apply_threads()
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece and not pieces.put(str(piece)):
                        break  # the reader went away (interrupted)
            finally:
                chunks.close()
        except Exception as error:  # noqa: BLE001 - handed to the reader
            pieces.finish(error)
        else:
            pieces.finish()

    def _apply_threads(self) -> None:
        """Between two tokens (on the worker): the thread count `use_all_cores` asked for."""
        import llama_cpp

        if self._wanted_threads != self._set_threads:
            self._set_threads = self._wanted_threads
            llama_cpp.llama_set_n_threads(self._llama.ctx, self._set_threads,
                                          self._batch_threads)

    def complete_json(self, messages: Sequence[ChatMessage], *, grammar: str,
                      max_tokens: int = 256) -> str:
        fitted = fit_to_context(messages, budget_tokens=self.context_tokens - max_tokens,
                                count=self.count_tokens)
        return self._jobs.submit("", self._complete_json, fitted, grammar, max_tokens).result()

    def _complete_json(self, messages: list[ChatMessage], grammar: str, max_tokens: int) -> str:
        from llama_cpp import LlamaGrammar

        result: Any = self._llama.create_chat_completion(
            messages=_as_dicts(messages),
            grammar=LlamaGrammar.from_string(grammar, verbose=False),
            max_tokens=max_tokens, temperature=0.0, seed=self._seed,
        )
        return str(result["choices"][0]["message"]["content"] or "")

    def close(self) -> None:
        self._closing.set()
        self._jobs.close()
        self._llama.close()


def _as_dicts(messages: Sequence[ChatMessage]) -> Any:
    return [{"role": m.role, "content": m.content} for m in messages]

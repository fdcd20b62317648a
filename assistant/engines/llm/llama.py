"""The llama.cpp backend of `ChatModel`: a GGUF model on the CPU (llama-cpp-python).

The model's own chat template (from the GGUF metadata) formats the conversation.
llama.cpp keeps the KV cache of the previous call and skips the common prefix, so the
system prompt is evaluated once, not per turn.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.engines.llm import ChatMessage, fit_to_context
from assistant.scheduling.fair import FairExecutor
from assistant.scheduling.handoff import Handoff

log = logging.getLogger(__name__)

#: Pieces the model may write ahead of the reader (see `Handoff`).
HANDOFF_PIECES = 2


class LlamaChatModel:
    """A GGUF model run by llama-cpp-python on the CPU, on one worker thread: llama.cpp's
    context is not thread-safe, so sessions take turns (a whole reply each)."""

    def __init__(self, model_path: Path, *, name: str, context_tokens: int = 2048,
                 temperature: float = 0.0, top_p: float = 1.0, repeat_penalty: float = 1.0,
                 seed: int = 42, threads: int = 1, batch_threads: int | None = None) -> None:
        """`threads` write the reply token by token (while speech is synthesized beside
        them); `batch_threads` read the prompt, when nothing else runs (default: threads).
        `repeat_penalty` > 1 discourages tokens of the last 64 (prompt included)."""
        # llama.cpp's OpenMP threads wait for work by sleeping, not spinning, unless the
        # user chose otherwise: spinning threads that outnumber the free cores (the voice,
        # the recognizer or another program on them) fight for them, and on the busy 2-core
        # VM the 1.5B model wrote 0.3-1.1 tokens/s with 2 spinning threads against 7-13
        # sleeping (first token 2.5 s against 0.6 s). Read once, when llama.cpp loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
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
        with _weights_mapped_not_copied():
            self._llama = Llama(model_path=str(model_path), n_ctx=context_tokens,
                                n_threads=threads, n_threads_batch=self._batch_threads,
                                seed=seed, verbose=False, use_mmap=True)

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

    def prepare(self, messages: Sequence[ChatMessage], *, max_tokens: int,
                owner: str = "") -> None:
        fitted = fit_to_context(messages, budget_tokens=self.context_tokens - max_tokens,
                                count=self.count_tokens)
        self._jobs.submit(owner, self._read_ahead, fitted)

    def _read_ahead(self, messages: list[ChatMessage]) -> None:
        """The worker's side of `prepare`: the prompt evaluated as `_generate` will format
        it (one token is sampled and dropped), so its KV cache holds the whole prompt and
        llama.cpp reuses it, or its common prefix, on the next call."""
        if self._closing.is_set():
            return
        try:
            self._llama.create_chat_completion(
                messages=_as_dicts(messages), max_tokens=1, temperature=self._temperature,
                top_p=self._top_p, seed=self._seed, repeat_penalty=self._repeat_penalty)
        except Exception as error:  # noqa: BLE001 - the reply itself reads it again
            log.debug("reading ahead failed: %s", error)

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


@contextlib.contextmanager
def _weights_mapped_not_copied() -> Iterator[None]:
    """Load with llama.cpp's `use_extra_bufts` off: its CPU "repack" copies the Q4_K
    weights into a faster-to-read layout in anonymous memory (the 1.5B model: 715 MB more
    resident, 1.8 GB instead of 1.2 GB, and a 5 s load instead of 1 s), where memory-mapped
    weights stay shared page cache the kernel can drop. No token was slower without it on
    2 cores (README "Which chat model"). llama-cpp-python 0.3 has no parameter for it, so
    its default-parameters function is wrapped while the model loads."""
    import llama_cpp.llama_cpp as low

    default = low.llama_model_default_params

    def mapped() -> Any:
        params = default()
        params.use_extra_bufts = False
        return params

    low.llama_model_default_params = mapped
    try:
        yield
    finally:
        low.llama_model_default_params = default


def _as_dicts(messages: Sequence[ChatMessage]) -> Any:
    return [{"role": m.role, "content": m.content} for m in messages]

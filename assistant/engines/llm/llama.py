"""The llama.cpp backend of `ChatModel`: a GGUF model on the CPU (llama-cpp-python).

The model's own chat template (from the GGUF metadata) formats the conversation, and
`batch.BatchedDecoder` writes the replies: every room asking at once shares each decode
step, and a prompt's prefix already in the cache (the system prompt, a room's history)
is not read again.
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
from assistant.engines.llm.batch import BatchedDecoder
from assistant.engines.llm.sampling import Sampling
from assistant.engines.llm.sequences import Request
from assistant.errors import AssistantError
from assistant.scheduling.handoff import Handoff

log = logging.getLogger(__name__)

#: Pieces the model may write ahead of the reader (see `Handoff`).
HANDOFF_PIECES = 2
#: The context of llama-cpp-python's own `Llama`, which only tokenizes and formats here.
TOKENIZER_CONTEXT = 64


class LlamaChatModel:
    """A GGUF model run by llama-cpp-python on the CPU: up to `parallel` replies written
    together on one worker thread (llama.cpp's context is not thread-safe)."""

    def __init__(self, model_path: Path, *, name: str, context_tokens: int = 2048,
                 temperature: float = 0.0, top_p: float = 1.0, repeat_penalty: float = 1.0,
                 seed: int = 42, threads: int = 1, batch_threads: int | None = None,
                 parallel: int = 1) -> None:
        """`threads` write the reply token by token (while speech is synthesized beside
        them); `batch_threads` read the prompt, when nothing else runs (default: threads).
        `repeat_penalty` > 1 discourages the reply's own last 64 tokens.
        `parallel` > 1: that many replies at once, in a cache of twice `context_tokens`."""
        # llama.cpp's OpenMP threads wait for work by sleeping, not spinning, unless the
        # user chose otherwise: spinning threads that outnumber the free cores (the voice,
        # the recognizer or another program on them) fight for them, and on the busy 2-core
        # VM the 1.5B model wrote 0.3-1.1 tokens/s with 2 spinning threads against 7-13
        # sleeping (first token 2.5 s against 0.6 s). Read once, when llama.cpp loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.name = name
        self.context_tokens = context_tokens
        self._sampling = Sampling(temperature=temperature, top_p=top_p,
                                  repeat_penalty=repeat_penalty, seed=seed)
        self._threads = threads
        self._batch_threads = batch_threads or threads
        with _weights_mapped_not_copied():
            self._llama = Llama(model_path=str(model_path), n_ctx=TOKENIZER_CONTEXT,
                                n_batch=TOKENIZER_CONTEXT, n_threads=1, seed=seed,
                                verbose=False, use_mmap=True)
        template = self._llama.metadata.get("tokenizer.chat_template")
        if not template:
            self._llama.close()
            raise AssistantError(f"the chat model {name} has no chat template in its file")
        model = self._llama._model  # noqa: SLF001 - the loaded weights, shared
        self._format = Jinja2ChatFormatter(
            template=template, eos_token=_token_text(model, self._llama.token_eos()),
            bos_token=_token_text(model, self._llama.token_bos()))
        self._decoder = BatchedDecoder(
            model.model, model.vocab, sequences=parallel,
            context_tokens=context_tokens * (2 if parallel > 1 else 1), threads=threads,
            batch_threads=self._batch_threads)

    def use_all_cores(self, solo: bool) -> None:
        self._decoder.reply_threads = self._batch_threads if solo else self._threads

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    @property
    def writing(self) -> int:
        """Replies being written (or prompts being read) now."""
        return self._decoder.active

    @property
    def decoded(self) -> int:
        """Tokens read into the cache so far (prompts and replies)."""
        return self._decoder.decoded

    @property
    def waited(self) -> int:
        """Prompts that waited for cache room (the cache was full)."""
        return self._decoder.waited

    def settle(self, timeout_s: float) -> bool:
        """Wait until every reply asked for is written; False after `timeout_s`."""
        return self._decoder.settle(timeout_s)

    def stream_reply(self, messages: Sequence[ChatMessage], *, max_tokens: int,
                     owner: str = "", cancel: threading.Event | None = None) -> Iterator[str]:
        pieces: Handoff[str] = Handoff(limit=HANDOFF_PIECES, on_read=self._decoder.wake)
        self._decoder.submit(Request(self._prompt(messages, max_tokens), max_tokens, pieces,
                                     self._sampling, cancel))
        return iter(pieces)

    def prepare(self, messages: Sequence[ChatMessage], *, max_tokens: int,
                owner: str = "") -> None:
        """Read the prompt into a sequence's cache now (no reply): the reply asked for
        next starts from it."""
        self._decoder.submit(Request(self._prompt(messages, max_tokens), 0, Handoff()))

    def complete_json(self, messages: Sequence[ChatMessage], *, grammar: str,
                      max_tokens: int = 256) -> str:
        pieces: Handoff[str] = Handoff(limit=max_tokens + 1, on_read=self._decoder.wake)
        sampling = Sampling(temperature=0.0, seed=self._sampling.seed, grammar=grammar)
        self._decoder.submit(Request(self._prompt(messages, max_tokens), max_tokens, pieces,
                                     sampling))
        return "".join(pieces)

    def _prompt(self, messages: Sequence[ChatMessage], max_tokens: int) -> list[int]:
        """The conversation cut to the context and formatted by the model's template."""
        fitted = fit_to_context(messages, budget_tokens=self.context_tokens - max_tokens,
                                count=self.count_tokens)
        result = self._format(messages=_as_dicts(fitted))
        return self._llama.tokenize(result.prompt.encode("utf-8"),
                                    add_bos=not result.added_special, special=True)

    def close(self) -> None:
        self._decoder.close()
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


def _token_text(model: Any, token: int) -> str:
    return str(model.token_get_text(token)) if token != -1 else ""

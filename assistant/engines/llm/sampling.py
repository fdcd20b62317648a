"""How the batched chat model picks each reply's tokens: llama.cpp sampler chains, one per
reply, and a token's text.

The chain is the one llama-cpp-python built for the same settings before batching: the
repeat penalty over the reply's own last 64 tokens (not the prompt's), a grammar when one
is given, then greedy at temperature 0 (the default: the same reply word for word), or
top-k 40, top-p, min-p 0.05, temperature and a seeded draw.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

from assistant.errors import AssistantError

PENALTY_LAST_N = 64
"""Tokens of the reply a repeat penalty looks back on, as llama-cpp-python's."""
TOP_K = 40
MIN_P = 0.05
"""llama-cpp-python's defaults for a chat completion, kept at temperature > 0."""


@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.0
    top_p: float = 1.0
    repeat_penalty: float = 1.0
    seed: int = 42
    grammar: str | None = None
    """A GBNF grammar the reply must follow (root rule `root`)."""


def sampler_chain(vocab: Any, sampling: Sampling) -> Any:
    """A new llama.cpp sampler chain (free it with `llama_sampler_free`)."""
    import llama_cpp as low

    chain = low.llama_sampler_chain_init(low.llama_sampler_chain_default_params())
    if sampling.repeat_penalty != 1.0:
        low.llama_sampler_chain_add(chain, low.llama_sampler_init_penalties(
            low.llama_vocab_n_tokens(vocab), PENALTY_LAST_N, sampling.repeat_penalty,
            0.0, 0.0))
    if sampling.grammar is not None:
        grammar = low.llama_sampler_init_grammar(vocab, sampling.grammar.encode(), b"root")
        if grammar is None:
            low.llama_sampler_free(chain)
            raise AssistantError("the chat model's grammar does not parse")
        low.llama_sampler_chain_add(chain, grammar)
    if sampling.temperature <= 0:
        low.llama_sampler_chain_add(chain, low.llama_sampler_init_greedy())
    else:
        low.llama_sampler_chain_add(chain, low.llama_sampler_init_top_k(TOP_K))
        low.llama_sampler_chain_add(chain, low.llama_sampler_init_top_p(sampling.top_p, 1))
        low.llama_sampler_chain_add(chain, low.llama_sampler_init_min_p(MIN_P, 1))
        low.llama_sampler_chain_add(chain, low.llama_sampler_init_temp(sampling.temperature))
        low.llama_sampler_chain_add(chain, low.llama_sampler_init_dist(sampling.seed))
    return chain


def token_bytes(vocab: Any, token: int) -> bytes:
    """A token's text as bytes (a character may span tokens: decode incrementally)."""
    import llama_cpp as low

    buffer = ctypes.create_string_buffer(64)
    size = low.llama_token_to_piece(vocab, token, buffer, len(buffer), 0, False)
    if size < 0:
        buffer = ctypes.create_string_buffer(-size)
        size = low.llama_token_to_piece(vocab, token, buffer, len(buffer), 0, False)
    return buffer.raw[:size]

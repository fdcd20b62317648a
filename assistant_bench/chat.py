"""Every installed chat model on the same questions: time to first token and tokens/s.

This is the model alone (no speech around it), so models can be compared side by
side; the pipeline's own figures are in the latency part.
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Callable
from typing import Any

from assistant_bench.stats import summarize


def measure_chat_model(model: Any, questions: list[str], *, system_prompt: str,
                       max_tokens: int) -> list[dict[str, Any]]:
    """One streamed reply per question: first-token ms, tokens, tokens/s after the first."""
    from assistant.engines.llm import ChatMessage

    records = []
    for question in questions:
        messages = [ChatMessage("system", system_prompt), ChatMessage("user", question)]
        start = time.perf_counter()
        first = last = None
        pieces: list[str] = []
        for piece in model.stream_reply(messages, max_tokens=max_tokens):
            last = time.perf_counter()
            if first is None:
                first = last
            pieces.append(piece)
        reply = "".join(pieces)
        rate = None
        if first is not None and last is not None and len(pieces) > 1 and last > first:
            rate = round((len(pieces) - 1) / (last - first), 1)
        records.append({
            "question": question,
            "first_token_ms": None if first is None else round(1000 * (first - start), 1),
            "tokens": model.count_tokens(reply), "pieces": len(pieces),
            "tokens_per_s": rate, "reply": reply.strip(),
        })
    return records


def compare_chat_models(config: Any, store: Any, questions: list[str], *,
                        say: Callable[[str], None]) -> dict[str, Any]:
    """Each installed llm model in turn (loaded, warmed, measured, released)."""
    from assistant.assembly import chat_settings, language_of, load_chat_model

    prompt = chat_settings(config, language_of(config)).system_prompt
    models = store.installed(role="llm")
    out: dict[str, Any] = {"models": {}, "skipped": []}
    for spec in models:
        llm_config = dataclasses.replace(config.llm, model=spec.id, temperature=0.0)
        start = time.perf_counter()
        model = load_chat_model(llm_config, store)
        load_s = time.perf_counter() - start
        measure_chat_model(model, questions[:1], system_prompt=prompt,
                           max_tokens=8)  # warm-up: the system prompt enters the KV cache
        records = measure_chat_model(model, questions, system_prompt=prompt,
                                     max_tokens=config.llm.max_reply_tokens)
        out["models"][spec.id] = {
            "load_s": round(load_s, 2),
            "first_token_ms": summarize(r["first_token_ms"] for r in records),
            "tokens_per_s": summarize(r["tokens_per_s"] for r in records),
            "replies": records,
        }
        say(f"chat model {spec.id}: {out['models'][spec.id]['tokens_per_s']['p50']} tokens/s")
        del model
        gc.collect()
    if len(models) < 2:
        known = [m.id for m in store.registry.models if m.role == "llm"
                 and m.id not in {s.id for s in models}]
        out["skipped"].append(
            f"only {len(models)} chat model installed; not installed: {', '.join(known)}"
            if known else "only one chat model is known to the registry")
    return out

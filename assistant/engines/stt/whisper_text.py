"""Whisper's text as the recognizer cleans it: a sentence said twice kept once, a
decoding loop recognized (see `assistant.engines.stt.whisper`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any


def weighted_mean(values: list[float], weights: list[int]) -> float:
    return sum(v * w for v, w in zip(values, weights, strict=True)) / sum(weights)


def first_of_loop(text: str) -> str | None:
    """"Set the volume to 50%. Set the volume to 50%. Set the vol" -> the first sentence;
    None when the loop is not a repeated whole sentence (then the full window decodes)."""
    sentences = _sentences(text)
    if len(sentences) >= 2 and _words(sentences[0]) == _words(sentences[1]):
        return sentences[0].strip()
    return None


def _sentences(text: str) -> list[str]:
    return re.findall(r"[^.!?]+[.!?]*\s*", text)


def drop_repeated_sentences(text: str) -> str:
    """"Turn on the light. Turn on the light." -> "Turn on the light." (a decoding echo)."""
    sentences = _sentences(text)
    kept: list[str] = []
    for sentence in sentences:
        if kept and _words(kept[-1]) == _words(sentence):
            continue
        kept.append(sentence)
    return "".join(kept).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower())


def repeats(tokens: list[int], *, size: int = 4, times: int = 3) -> bool:
    """True when some run of `size` tokens occurs `times` times (a decoding loop)."""
    seen: dict[tuple[int, ...], int] = {}
    for i in range(len(tokens) - size + 1):
        gram = tuple(tokens[i : i + size])
        seen[gram] = seen.get(gram, 0) + 1
        if seen[gram] >= times:
            return True
    return False


def suppressed_tokens(tokenizer: Any) -> list[int]:
    """The token set faster-whisper suppresses by default (non-speech symbols, specials)."""
    from faster_whisper.transcribe import get_suppressed_tokens

    return list(get_suppressed_tokens(tokenizer, [-1]))


_CUT = re.compile(r"[.!?。！？；;,，、:：]+")


def echoes(text: str, prompt: Sequence[str]) -> bool:
    """True when `text` is, sentence by sentence, made of sentences of `prompt` (its
    hint: what Whisper writes when it copies its prompt instead of hearing)."""
    said = {" ".join(part.split()).lower() for chunk in prompt for part in _CUT.split(chunk)}
    parts = [" ".join(part.split()).lower() for part in _CUT.split(text)]
    parts = [part for part in parts if part]
    return bool(parts) and all(part in said for part in parts)

"""The language layer: everything that depends on the language, one module per language.

`language_pack("zh")` gives the recognizer to use and the prompt it needs, how a
transcript is normalized and matched to intents, the skills that answer (and so the
reply sentences, with their number, time and date wording), the home's names, the voice,
which chat models speak the language and what to say when none is installed, the
control phrases ("停") and how a reply is cut into sentences for the voice.
English is `en.py`, Mandarin the `zh/` package; a new language is one more of them
(and its `assistant/data/intents/<code>.yaml`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol

from assistant.config import LANGUAGES, ConfigError
from assistant.intents import IntentMatch, SlotValidator


class IntentMatcher(Protocol):
    """What the skills need of a language's intent recognizer."""

    @property
    def intent_names(self) -> list[str]: ...

    def recognize(self, text: str) -> IntentMatch | None: ...


@dataclass(frozen=True)
class SkillClasses:
    """The skill classes that answer in the language (same intents everywhere)."""

    time_date: type
    timers: type
    home: type
    math: type
    control: type


@dataclass(frozen=True)
class Wording:
    """Numbers, times, dates and durations as words of the language."""

    number: Callable[[float], str]
    time: Callable[[datetime], str]
    date: Callable[[datetime], str]
    duration: Callable[[float], str]


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    """The language's English name ("Mandarin"), for messages."""
    recognizer_model: str
    """The speech recognizer model id to use when stt.model is not set ("" = the first
    installed one for the language)."""
    recognizer_prompt: str
    """Whisper's initial prompt: the script and style to write ("" = the skills' hint)."""
    voice: str
    """The Piper voice id used when tts.voice is left at the English default."""
    chat_models: tuple[str, ...]
    """Chat models that speak the language (() = any)."""
    home_file: str
    """The built-in home, with room and device names in the language ("" = English)."""
    no_chat_reply: str
    """Said to an open question when no chat model that speaks the language is installed."""
    barge_in_hint: str
    """What the recognizer expects right after a barge-in ("" = the listener's English)."""
    sorry: Callable[..., str]
    """`sorry(what, refusal="")`: the skills' apology, `what` one of too_late (a
    confirmation answered after it expired; `refusal` is what was not done), unknown,
    failed."""
    not_caught: str
    """Said to a turn the recognizer heard too unclearly to answer."""
    not_sure: str
    """Said instead of a chat-model reply that failed the reply guard."""
    is_control: Callable[[str], bool]
    """True for a phrase that stops a reply ("stop", "停")."""
    skills: SkillClasses
    load_intents: Callable[[Mapping[str, Sequence[tuple[str, Any]]],
                            Mapping[str, SlotValidator]], IntentMatcher]
    normalize: Callable[[str], str]
    hint: Callable[[Any], str]
    """Words the recognizer should expect for a home (a `HomeConfig`): commands and
    device names, given to Whisper after `recognizer_prompt`."""
    written_in: Callable[[str], bool]
    """True for text in the language's own script, which another language's voice
    cannot read (always False for English)."""
    system_prompt: str
    """The chat model's system prompt in the language ("" = llm.system_prompt)."""
    split_sentences: Callable[[str], list[str]]
    wording: Wording


def language_pack(code: str) -> Language:
    """The language `code` ("en", "zh"); a ConfigError naming the known ones otherwise."""
    if code not in LANGUAGES:
        raise ConfigError(f"language must be one of {', '.join(LANGUAGES)}, got {code!r}")
    return _load(code)


@cache
def _load(code: str) -> Language:
    pack: Language = importlib.import_module(f"assistant.language.{code}").LANGUAGE
    return pack

"""Mandarin intents: the pack's intents/ matched on characters first, then on pinyin.

The recognizer hears homophones ("卧室" as "握式", "灯" as "登"): a sentence that does
not match on its characters is matched again with every character spelled in toneless,
fuzzy pinyin (see `text.pinyin_key`), against the same templates spelled the same way.
A number heard as homophones ("十七" as "时器") is not a number in either, so a third
pass writes such runs as numerals first (`text.numerals_by_sound`). Every pass is a
whole-sentence hassil match, never a guess; slot values are the home's canonical names,
numbers stay digits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hassil import SlotList

from assistant.intents import (
    HOME_LISTS,
    IntentMatch,
    IntentRecognizer,
    SlotValidator,
    build_intents,
    read_templates,
    text_list,
)
from assistant.language.zh.text import (
    is_han,
    join_tokens,
    normalize,
    numerals_by_sound,
    pinyin_key,
    space_han,
)

log = logging.getLogger(__name__)


def _pinyin_form(text: str) -> str:
    return pinyin_key(normalize(text))


def _numbers_form(text: str) -> str:
    return normalize(numerals_by_sound(text))


def _template(text: str, spell: Callable[[str], str]) -> str:
    """A template string with its Chinese characters spaced (or spelled in pinyin)."""
    return " ".join(spell(space_han(text)).split())


def _convert(node: Any, spell: Callable[[str], str]) -> Any:
    """Every template string of a parsed zh.yaml through `spell`, keys kept."""
    if isinstance(node, dict):
        return {key: _convert(value, spell) if key not in ("out", "slots", "language",
                                                           "range") else value
                for key, value in node.items()}
    if isinstance(node, list):
        return [_convert(item, spell) for item in node]
    if isinstance(node, str):
        return _template(node, spell)
    return node


def _identity(text: str) -> str:
    return text


class MandarinIntentRecognizer:
    """The same interface as `IntentRecognizer`, three passes: characters, pinyin, and
    characters with numbers heard as homophones written as numbers."""

    def __init__(self, chars: IntentRecognizer, pinyin: IntentRecognizer,
                 numbers: IntentRecognizer) -> None:
        self._passes = (chars, pinyin, numbers)

    @classmethod
    def load(cls, *, path: str | Path,
             lists: Mapping[str, Sequence[tuple[str, Any]]] | None = None,
             validators: Mapping[str, SlotValidator] | None = None
             ) -> MandarinIntentRecognizer:
        file = Path(path)
        data = read_templates(file)
        checked = {name: _joined(check) for name, check in (validators or {}).items()}
        passes = []
        for spell, form in ((_identity, normalize), (pinyin_key, _pinyin_form),
                            (_identity, _numbers_form)):
            intents = build_intents(_convert(data, spell), file)
            slot_lists: dict[str, SlotList] = {
                name: text_list(name, (lists or {}).get(name, []), form=form)
                for name in HOME_LISTS}
            passes.append(IntentRecognizer(intents, lists=slot_lists, validators=checked,
                                           normalizer=form))
        return cls(*passes)

    @property
    def characters_only(self) -> IntentRecognizer:
        """The first pass alone (the benchmark compares it with both)."""
        return self._passes[0]

    @property
    def intent_names(self) -> list[str]:
        return self._passes[0].intent_names

    def recognize(self, text: str) -> IntentMatch | None:
        """The first pass that matches the whole sentence, or None (not a command)."""
        for index, recognizer in enumerate(self._passes):
            match = recognizer.recognize(text)
            if match is not None and index == 1:  # wildcards come back spelled in pinyin
                slots = {key: _said(value, text) if isinstance(value, str) else value
                         for key, value in match.slots.items()}
                return IntentMatch(match.intent, slots, match.text)
            if match is not None:
                return match
        return None


def _said(value: str, text: str) -> str:
    """A slot the pinyin pass matched ("niunai"), in the characters that were said
    ("牛奶"): the run of the transcript's tokens spelled that way (else as it is)."""
    if not value.isascii() or not is_han(text):
        return value
    tokens = normalize(text).split()
    spelled = [pinyin_key(token).replace(" ", "") for token in tokens]
    wanted = value.replace(" ", "")
    for start in range(len(tokens)):
        joined = ""
        for end in range(start, len(tokens)):
            joined += spelled[end]
            if joined == wanted:
                return join_tokens(" ".join(tokens[start:end + 1])).replace(" ", "")
            if not wanted.startswith(joined):
                break
    return value


def _joined(validator: SlotValidator) -> SlotValidator:
    """Wildcard slots come back spaced ("1 7"): join them before the skill's check."""
    def check(slots: dict[str, Any]) -> dict[str, Any] | None:
        joined = {key: join_tokens(value).replace(" ", "") if isinstance(value, str) else value
                  for key, value in slots.items()}
        return validator(joined)

    return check

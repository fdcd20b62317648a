"""The longest sentence an intent recognizer's templates accept, measured on the parsed
templates: alternatives take their longest branch, lists their longest value, a range its
largest number and a wildcard one word. The bound on command length
(`assistant.intents.MAX_COMMAND_WORDS`) is checked against it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hassil import Intents
from hassil.expression import (
    Alternative,
    Expression,
    Group,
    ListReference,
    RuleReference,
    TextChunk,
)
from hassil.intents import RangeSlotList, SlotList, TextSlotList

from assistant.intents import IntentRecognizer


@dataclass(frozen=True)
class Longest:
    words: int
    intent: str
    template: str


def longest_command(recognizer: IntentRecognizer) -> Longest:
    """The template sentence with the most words (ties: the first found)."""
    intents, lists = recognizer.templates, recognizer.slot_lists
    best = Longest(0, "", "")
    for intent in intents.intents.values():
        for data in intent.data:
            for sentence in data.sentences:
                words = _words(sentence.expression, intents, lists)
                if words > best.words:
                    best = Longest(words, intent.name, sentence.text or "")
    return best


def _words(expression: Expression, intents: Intents, lists: Mapping[str, SlotList]) -> int:
    if isinstance(expression, TextChunk):
        return len(expression.text.split())
    if isinstance(expression, Alternative):
        return max((_words(item, intents, lists) for item in expression.items), default=0)
    if isinstance(expression, Group):  # a sequence or a permutation: every item
        return sum(_words(item, intents, lists) for item in expression.items)
    if isinstance(expression, RuleReference):
        return _words(intents.expansion_rules[expression.rule_name].expression, intents,
                      lists)
    if isinstance(expression, ListReference):
        slot = lists.get(expression.list_name) or intents.slot_lists.get(expression.list_name)
        if isinstance(slot, TextSlotList):
            return max((_value_words(value.text_in, intents, lists) for value in slot.values),
                       default=0)
        if isinstance(slot, RangeSlotList):
            return 1
        return 1  # a wildcard: one word here; real names are what the margin is for
    raise TypeError(f"unknown template expression {type(expression).__name__}")


def _value_words(text_in: object, intents: Intents, lists: Mapping[str, SlotList]) -> int:
    if isinstance(text_in, str):
        return len(text_in.split())
    assert isinstance(text_in, Expression)
    return _words(text_in, intents, lists)

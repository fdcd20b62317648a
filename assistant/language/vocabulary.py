"""What a recognizer should expect to hear, derived from a pack's own intents and home.

The recognizer's hint (Whisper's initial prompt) biases it towards the words the skills
understand. It is made from the pack's data, never chosen on a test set: the words and
phrases its templates spell out (every alternative, every list value such as units and
operators, the expansion rules), most used first, and the names of the home's devices
and rooms. Nothing here knows a language: the pack's phrasebook entry `RecognizerHint`
arranges these in its own script (`phrases`, `devices`, `areas`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from hassil import Intents
from hassil.expression import (
    Expression,
    Group,
    ListReference,
    RuleReference,
    Sentence,
    TextChunk,
)
from hassil.intents import SlotList, TextSlotList


@dataclass(frozen=True)
class Vocabulary:
    """The phrases of a pack's templates, most used first, and the home's names."""

    phrases: tuple[str, ...]
    devices: tuple[str, ...]
    areas: tuple[str, ...]


def template_phrases(intents: Intents, *, split_words: bool) -> list[str]:
    """Every literal phrase of the templates (and of the lists they use), ordered by how
    many sentences use it, then by first use. `split_words`: a phrase is cut at spaces
    (a language written with spaces: single words; without: whole chunks)."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    skip = {" ".join(word.split()) for word in intents.skip_words}
    for intent in intents.intents.values():
        for data in intent.data:
            rules = {**intents.expansion_rules, **data.expansion_rules}
            lists = {**intents.slot_lists, **data.slot_lists}
            for sentence in data.sentences:
                seen = set(_phrases(sentence.expression, rules, lists, split_words))
                for phrase in seen - skip:
                    counts[phrase] += 1
                    first.setdefault(phrase, len(first))
    return sorted(counts, key=lambda phrase: (-counts[phrase], first[phrase]))


def _phrases(expression: Expression, rules: Mapping[str, Sentence],
             lists: Mapping[str, SlotList],
             split_words: bool, depth: int = 0) -> Iterator[str]:
    if depth > 50:
        return
    if isinstance(expression, TextChunk):
        text = expression.text.strip()
        parts: Iterable[str] = text.split() if split_words else [text]
        yield from (part for part in parts if _useful(part))
    elif isinstance(expression, Group):
        for item in expression.items:
            yield from _phrases(item, rules, lists, split_words, depth + 1)
    elif isinstance(expression, RuleReference):
        rule = rules.get(expression.rule_name)
        if rule is not None:
            yield from _phrases(rule.expression, rules, lists, split_words, depth + 1)
    elif isinstance(expression, ListReference):
        slot_list = lists.get(expression.list_name)
        if isinstance(slot_list, TextSlotList):
            for value in slot_list.values:
                yield from _phrases(value.text_in, rules, lists, split_words, depth + 1)


def _useful(phrase: str) -> bool:
    """Not digits, not a single letter of a spaced language."""
    return bool(phrase) and not phrase.replace(".", "").isdigit() and (
        len(phrase) > 1 or not phrase.isascii())

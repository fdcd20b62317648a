"""What a recognizer should expect to hear, derived from a pack's own intents and home.

The recognizer's hint (Whisper's initial prompt) biases it towards the words the skills
understand. It is made from the pack's data, never chosen on a test set: the words and
phrases its templates spell out (every alternative, every list value such as units and
operators, the expansion rules), most used first, and the names of the home's devices
and rooms. Nothing here knows a language: the pack's phrasebook entry `RecognizerHint`
arranges these in its own script (`phrases`, `devices`, `areas`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hassil import Intents
from hassil.expression import (
    Alternative,
    Expression,
    Group,
    ListReference,
    RuleReference,
    Sentence,
    TextChunk,
)
from hassil.intents import RangeSlotList, SlotList, TextSlotList

from assistant.intents import build_intents, read_templates, text_list
from assistant.language import Language


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


def recognizer_hint(language: Language, names: Mapping[str, Sequence[str]]) -> str:
    """The pack's `RecognizerHint` with `examples` (a command per intent, generated from
    its templates over the home's names), `devices`, `areas`, `switchable` and `locks`
    (a pack may name a few commands of its own instead of the generated ones: Whisper keeps
    only the last 223 tokens of its prompt, and English's generated list is longer).
    `names` maps the home lists ("area", "device", "light", ...) to canonical names, most
    important first."""
    path = language.intents_path
    intents = build_intents(_hint_templates(path, language.recognizer_hint_areas), path)
    lists = {name: text_list(name, [(value, value) for value in values], form=str)
             for name, values in names.items()}
    own_script = any(language.text.written_in(phrase)
                     for phrase in template_phrases(intents, split_words=True)[:20])
    examples = example_sentences(intents, lists, say_number=language.phrasebook.filters[
        "number"], latin=not own_script)
    return language.render("RecognizerHint", examples=examples,
                           devices=list(names.get("device", [])),
                           areas=list(names.get("area", [])),
                           switchable=list(names.get("switchable", [])),
                           locks=list(names.get("lock", [])))


def _hint_templates(path: Path, areas: Sequence[str]) -> dict[str, Any]:
    """The templates of a folder's files `areas`, in that order, with the rules and lists
    of all (() = every file)."""
    data = read_templates(path)
    if not areas:
        return data
    names = []
    for area in areas:
        own = read_templates(path / f"{area}.yaml")
        names += list(own["intents"])
    return {**data, "intents": {name: data["intents"][name] for name in names}}


def example_sentences(intents: Intents, lists: Mapping[str, SlotList], *,
                      say_number: Callable[[float], str], latin: bool = True) -> list[str]:
    """One sentence per intent, in the pack's order: the first template of the intent
    without a free-text (wildcard) slot, each choice its first alternative, optional parts
    left out, a list its first value, a number range 5 (or its nearest value) said by
    `say_number`. Without `latin` (a language with its own script) a template with Latin
    words (a form only normalizing makes, such as "percent") is passed over. Chunks are
    joined with spaces; the pack's tidy hook removes those its script does not want."""
    joiner = " " if latin else ""
    examples = []
    for intent in intents.intents.values():
        for data in intent.data:
            rules = {**intents.expansion_rules, **data.expansion_rules}
            every = {**lists, **intents.slot_lists, **data.slot_lists}
            expansions = (_first(s.expression, rules, every, say_number, joiner)
                          for s in data.sentences)
            example = next((text for text in expansions if text is not None), None)
            if example is not None:
                examples.append(example)
                break
    return [" ".join(example.split()) for example in examples if example.strip()]


def _first(expression: Expression, rules: Mapping[str, Sentence],
           lists: Mapping[str, SlotList], say_number: Callable[[float], str],
           joiner: str, depth: int = 0) -> str | None:
    """The first expansion of `expression`; None when it needs a wildcard."""
    if depth > 50:
        return None
    if isinstance(expression, TextChunk):
        text = re.sub(r"\d+", lambda m: say_number(int(m.group())), expression.text.strip())
        latin_in_hanzi = not joiner and text.isascii() and text.isalpha()
        return None if latin_in_hanzi else text  # "percent", a form only normalizing makes
    if isinstance(expression, Alternative):
        if expression.is_optional:
            return ""
        items = expression.items[:1]
    elif isinstance(expression, Group):
        items = expression.items
    elif isinstance(expression, RuleReference):
        rule = rules.get(expression.rule_name)
        return None if rule is None else _first(rule.expression, rules, lists, say_number,
                                                joiner, depth + 1)
    elif isinstance(expression, ListReference):
        slot_list = lists.get(expression.list_name)
        if isinstance(slot_list, TextSlotList) and slot_list.values:
            return _first(slot_list.values[0].text_in, rules, lists, say_number, joiner,
                          depth + 1)
        if isinstance(slot_list, RangeSlotList):
            return say_number(max(slot_list.start, min(5, slot_list.stop)))
        return None
    else:
        return None
    parts = [_first(item, rules, lists, say_number, joiner, depth + 1) for item in items]
    if any(part is None for part in parts):
        return None
    return joiner.join(part for part in parts if part)

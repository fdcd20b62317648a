"""Deterministic intent recognition: normalized text -> hassil templates -> IntentMatch.

Templates live in each language pack (`assistant/language/<code>/intents/`). Lists
that depend on the home (rooms, devices) are passed in at load time, so the templates
never name a room. Every speech recognizer's output is first brought to one form by the
language's normalizer: in English "Set a timer for 10 minutes." and "set a timer for ten
minutes" both become "set a timer for 10 minutes".

A match is a whole-sentence match of one template, never a guess; anything else is
None and goes to the chat model. Skills can veto a match through a slot validator
(for example a "number" that is really a word), and the next-best match is tried.

A text longer than any command (`MAX_COMMAND_CHARS`, `MAX_COMMAND_WORDS`) is not one and
never reaches hassil, whose matching time and memory grow with the square of the length
(a 900 KB text once grew a server to 22 GB).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hassil import Intents, RecognizeResult, SlotList, TextSlotList, recognize_ranked

from assistant.errors import AssistantError
from assistant.home.model import KINDS
from assistant.logs import SAID
from assistant.yaml_file import read_yaml_tree

log = logging.getLogger(__name__)

#: Checks and normalizes the slots of one intent; None rejects the match.
SlotValidator = Callable[[dict[str, Any]], "dict[str, Any] | None"]

#: Lists the templates expect the caller to provide (filled from the home: see
#: `Home.spoken_lists`): places, every device, what switches on and off, and one list per
#: device kind (light, switch, climate, cover, lock, scene, script, sensor, ...).
HOME_LISTS = ("area", "device", "switchable", *KINDS)

_DURATION_PARTS = {"hours": 3600, "minutes": 60, "seconds": 1}

MAX_COMMAND_WORDS = 96
"""No command is longer (normalized words; a Chinese character counts as one). The
longest sentence the shipped templates accept is 31 words in English (an alarm with
every optional part at its longest) and fewer characters in Mandarin, with the default
home's names and a one-word wildcard (`tests/intent_lengths.py` measures it): room for
long device, timer and alarm names."""
MAX_COMMAND_CHARS = 768
"""The same bound on the text as heard, before normalization (numbers still spelled
out: "one hour twenty three minutes" is 5 words, 29 characters)."""


class IntentTemplateError(AssistantError):
    """The sentence template file is missing or cannot be parsed."""


@dataclass(frozen=True)
class IntentMatch:
    """A recognized command: the intent, its normalized slots and the original text."""

    intent: str
    slots: dict[str, Any]
    text: str
    doubtful: tuple[str, ...] = ()
    """Slots whose words were not heard as the template says them (a language that
    matches by sound): the skills ask before acting on them."""
    heard_as: str = ""
    """The command as the template says it, when it was matched by sound (what a
    question about it repeats)."""


def text_list(name: str, values: Iterable[tuple[str, Any]], *,
              form: Callable[[str], str]) -> TextSlotList:
    """A hassil list from (spoken form, slot value) pairs; spoken forms go through `form`
    (the language's normalization)."""
    seen: dict[str, Any] = {}
    for spoken, value in values:
        key = form(spoken)
        if key and key not in seen:
            seen[key] = value
    # Longest first, so "living room light" is tried before "living room".
    pairs = sorted(seen.items(), key=lambda item: -len(item[0]))
    return TextSlotList.from_tuples(pairs, allow_template=False, name=name)


class IntentRecognizer:
    """Loads one language's templates and recognizes commands in transcripts."""

    def __init__(self, intents: Intents, *, normalizer: Callable[[str], str],
                 lists: Mapping[str, SlotList] | None = None,
                 validators: Mapping[str, SlotValidator] | None = None) -> None:
        """`normalizer`: the language's one form of a transcript."""
        self._intents = intents
        self._normalize = normalizer
        self._lists = dict(lists or {})
        self._validators = dict(validators or {})

    @classmethod
    def load(cls, *, path: str | Path, normalizer: Callable[[str], str],
             lists: Mapping[str, Sequence[tuple[str, Any]]] | None = None,
             validators: Mapping[str, SlotValidator] | None = None) -> IntentRecognizer:
        """Read the templates of `path`, a language's intents/ folder (or one file).

        `lists` maps list names (see HOME_LISTS) to (spoken form, value) pairs.
        """
        file = Path(path)
        intents = build_intents(read_templates(file), file)
        slot_lists: dict[str, SlotList] = {
            name: text_list(name, (lists or {}).get(name, []), form=normalizer)
            for name in {*HOME_LISTS, *(lists or {})}}
        return cls(intents, normalizer=normalizer, lists=slot_lists, validators=validators)

    @property
    def intent_names(self) -> list[str]:
        return sorted(self._intents.intents)

    @property
    def templates(self) -> Intents:
        """The parsed templates (read-only: the tests measure the longest command)."""
        return self._intents

    @property
    def slot_lists(self) -> Mapping[str, SlotList]:
        return self._lists

    def recognize(self, text: str) -> IntentMatch | None:
        """The best whole-sentence match for `text`, or None if it is not a command
        (a text longer than any command is not matched at all)."""
        if len(text) > MAX_COMMAND_CHARS:
            return None
        normalized = self._normalize(text)
        if not normalized or len(normalized.split()) > MAX_COMMAND_WORDS:
            return None
        try:
            results = recognize_ranked(
                normalized, self._intents, slot_lists=self._lists, best_slot_name="name",
                language=self._intents.language,
            )
        except RecursionError:  # pathological input; treat as not a command
            log.warning("intent matching gave up on an overly long input")
            return None
        for result in results:
            slots = _slots(result)
            validator = self._validators.get(result.intent.name)
            if validator is not None:
                checked = validator(dict(slots))
                if checked is None:
                    continue
                slots = checked
            log.debug("%r -> %s %s", normalized, result.intent.name, slots, extra=SAID)
            return IntentMatch(intent=result.intent.name, slots=slots, text=text)
        log.debug("%r -> no intent", normalized, extra=SAID)
        return None


def read_templates(path: Path) -> dict[str, Any]:
    """A language's templates: one file, or a folder of files (a file per area) merged
    (raises IntentTemplateError)."""
    if not path.exists():
        raise IntentTemplateError(f"no sentence templates: {path} is missing")
    data = read_yaml_tree(path, error=IntentTemplateError)
    if "intents" not in data:
        raise IntentTemplateError(f"{path}: bad template file (no intents)")
    return data


def build_intents(data: dict[str, Any], file: Path) -> Intents:
    """hassil's intents from a template file's data (raises IntentTemplateError)."""
    try:
        return Intents.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise IntentTemplateError(f"{file}: bad template file ({error!r})") from None


def _slots(result: RecognizeResult) -> dict[str, Any]:
    return slot_values((entity.name, entity.value, entity.is_wildcard)
                       for entity in result.entities_list)


def slot_values(entities: Iterable[tuple[str, Any, bool]]) -> dict[str, Any]:
    """Slot values from (name, value, is wildcard) entities: plain Python values, wildcards
    stripped, duration parts summed into seconds."""
    slots: dict[str, Any] = {}
    duration = 0.0
    has_duration = False
    for name, value, is_wildcard in entities:
        if name in _DURATION_PARTS:
            duration += float(value) * _DURATION_PARTS[name]
            has_duration = True
            continue
        if is_wildcard and isinstance(value, str):
            value = value.strip()
        slots[name] = _plain_number(value)
    if has_duration:
        slots["duration"] = _plain_number(duration)
    return slots


def _plain_number(value: Any) -> Any:
    """22.0 -> 22, so slot values read (and compare) the way they were said."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value

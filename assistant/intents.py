"""Deterministic intent recognition: normalized text -> hassil templates -> IntentMatch.

Templates live in `assistant/data/intents/<language>.yaml`. Lists that depend on the
home (rooms, devices) are passed in at load time, so the templates never name a room.
Every speech recognizer's output is first brought to one form by `normalize`:
"Set a timer for 10 minutes." and "set a timer for ten minutes" both become
"set a timer for 10 minutes".

A match is a whole-sentence match of one template, never a guess; anything else is
None and goes to the chat model. Skills can veto a match through a slot validator
(for example a "number" that is really a word), and the next-best match is tried.

A text longer than any command (`MAX_COMMAND_CHARS`, `MAX_COMMAND_WORDS`) is not one and
never reaches hassil, whose matching time and memory grow with the square of the length
(a 900 KB text once grew a server to 22 GB).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from hassil import Intents, RecognizeResult, SlotList, TextSlotList, recognize_ranked

from assistant.errors import AssistantError
from assistant.logs import SAID
from assistant.numbers import rewrite_amount_idioms, words_to_digits

log = logging.getLogger(__name__)

#: Checks and normalizes the slots of one intent; None rejects the match.
SlotValidator = Callable[[dict[str, Any]], "dict[str, Any] | None"]

#: Lists the templates expect the caller to provide (filled from the home config).
HOME_LISTS = ("area", "device", "light", "plug", "switchable", "thermostat", "blinds", "lock")

_DURATION_PARTS = {"hours": 3600, "minutes": 60, "seconds": 1}

MAX_COMMAND_WORDS = 64
"""No command is longer (normalized words; a Chinese character counts as one). The
longest sentence the shipped templates accept is 16 words in English and 19 characters
in Mandarin, with the default home's names and a one-word wildcard (`tests/
intent_lengths.py` measures it): room for long device and timer names."""
MAX_COMMAND_CHARS = 512
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


_REPLACEMENTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(?<=\d),(?=\d{3}\b)", ""),  # 1,000 -> 1000
        (r"°\s*c\b", " degrees celsius "),
        (r"°\s*f\b", " degrees fahrenheit "),
        (r"°", " degrees "),
        (r"%", " percent "),
        (r"\b([ap])\.\s?m\b\.?", r"\1m"),  # p.m. -> pm
        (r"(?<=\d)\s*[x×*]\s*(?=-?\d)", " times "),
        (r"(?<=\d)\s*[÷/]\s*(?=-?\d)", " divided by "),
        (r"(?<=\d)\s*\+\s*(?=-?\d)", " plus "),
        (r"(?<=\d)\s+[-−]\s+(?=\d)", " minus "),
        (r"\s*=\s*\??$", ""),
        (r"(?<=[^\W\d_])-(?=[^\W\d_])", " "),  # twenty-two, living-room
        (r"(?<=\d)-(?=[^\W\d_])", " "),  # 10-minute
        (r"(?<=\d)(?=(?!st\b|nd\b|rd\b|th\b)[^\W\d_])", " "),  # 5km -> 5 km
        (r"[^\w\s'.\-]", " "),  # remaining punctuation and symbols
        (r"(?<!\d)\.|\.(?!\d)", " "),  # full stops, keeping 1.5
        (r"-(?!\d)", " "),  # dashes, keeping -5
        (r"(?<!\w)'|'(?!\w)", " "),  # quotes, keeping what's
        (r"_", " "),
    )
)


_LEADING_FILLER = re.compile(r"^(?:(?:and|so|okay|ok|um|uh|erm|well|also|then)\b\s*)+")


def normalize(text: str) -> str:
    """One canonical form for every recognizer's output: lowercase, no punctuation,
    numbers as digits, spoken amounts of time as number + unit."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("`", "'")
    for pattern, replacement in _REPLACEMENTS:
        text = pattern.sub(replacement, text)
    text = " ".join(text.split())
    text = _LEADING_FILLER.sub("", text)  # "and what is ten plus five" (a follow-up)
    return " ".join(rewrite_amount_idioms(words_to_digits(text)).split())


def template_path(language: str) -> Path:
    """The shipped template file for `language`."""
    return Path(str(resources.files("assistant").joinpath(f"data/intents/{language}.yaml")))


def text_list(name: str, values: Iterable[tuple[str, Any]], *,
              form: Callable[[str], str] = normalize) -> TextSlotList:
    """A hassil list from (spoken form, slot value) pairs; spoken forms go through `form`
    (the English normalization; another language passes its own)."""
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

    def __init__(self, intents: Intents, *, lists: Mapping[str, SlotList] | None = None,
                 validators: Mapping[str, SlotValidator] | None = None,
                 normalizer: Callable[[str], str] = normalize) -> None:
        """`normalizer`: the language's one form of a transcript (default: English)."""
        self._intents = intents
        self._normalize = normalizer
        self._lists = dict(lists or {})
        self._validators = dict(validators or {})

    @classmethod
    def load(cls, *, language: str = "en", path: str | Path | None = None,
             lists: Mapping[str, Sequence[tuple[str, Any]]] | None = None,
             validators: Mapping[str, SlotValidator] | None = None) -> IntentRecognizer:
        """Read the templates (default: the shipped file for `language`).

        `lists` maps list names (see HOME_LISTS) to (spoken form, value) pairs.
        """
        file = Path(path) if path else template_path(language)
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IntentTemplateError(
                f"no sentence templates for language {language!r} ({file} is missing)"
            ) from None
        except (OSError, yaml.YAMLError) as error:
            raise IntentTemplateError(f"{file}: cannot read templates ({error})") from None
        try:
            intents = Intents.from_dict(data)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise IntentTemplateError(f"{file}: bad template file ({error!r})") from None
        slot_lists: dict[str, SlotList] = {name: text_list(name, []) for name in HOME_LISTS}
        for name, values in (lists or {}).items():
            slot_lists[name] = text_list(name, values)
        return cls(intents, lists=slot_lists, validators=validators)

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


def _slots(result: RecognizeResult) -> dict[str, Any]:
    """Entity values as plain Python values; duration parts summed into seconds."""
    slots: dict[str, Any] = {}
    duration = 0.0
    has_duration = False
    for entity in result.entities_list:
        value = entity.value
        if entity.name in _DURATION_PARTS:
            duration += float(value) * _DURATION_PARTS[entity.name]
            has_duration = True
            continue
        if entity.is_wildcard and isinstance(value, str):
            value = value.strip()
        slots[entity.name] = _plain_number(value)
    if has_duration:
        slots["duration"] = _plain_number(duration)
    return slots


def _plain_number(value: Any) -> Any:
    """22.0 -> 22, so slot values read (and compare) the way they were said."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value

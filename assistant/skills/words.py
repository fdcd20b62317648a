"""What the skills need of a language: its intent recognizer (`IntentMatcher`), the words
their slots are checked with (`SkillWords`), and the slot checks themselves
(`slot_validators`), handed to the language's recognizer when it loads its intents."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from assistant.intents import IntentMatch, SlotValidator
from assistant.skills.control import validate_volume_slots
from assistant.skills.lists import ListWords, list_slot_validator
from assistant.skills.math_units import math_slot_validator
from assistant.skills.timers import NameRules, timer_slot_validator


class IntentMatcher(Protocol):
    """What the skills need of a language's intent recognizer."""

    @property
    def intent_names(self) -> list[str]: ...

    def recognize(self, text: str) -> IntentMatch | None: ...


@dataclass(frozen=True)
class SkillWords:
    """What the skills must know of a language's words to check the slots it matched."""

    parse_number: Callable[[str], float | None]
    """"22", "-1.5", and the language's number words -> a number (None: not one)."""
    timer_names: NameRules = NameRules()
    vague_devices: frozenset[str] = frozenset()
    """First words that make "turn on X" no device at all ("it", "everything")."""
    lists: ListWords = ListWords()
    """How several list items are said ("milk and eggs")."""
    country: str = ""
    """Whose holidays count when place.country and the system's locale say nothing."""
    holidays_language: str | None = None
    """The holidays library's language for the names ("en_US", "zh_CN")."""
    holiday_aliases: tuple[tuple[str, str], ...] = ()
    """More spoken names of holidays -> the library's name ("xmas" -> "Christmas Day")."""
    place_aliases: tuple[tuple[str, str], ...] = ()
    """More spoken names of countries -> ISO code ("britain" -> "GB")."""
    fold: Callable[[str], str] = str
    """One spelling of a place or holiday name (Mandarin: Simplified characters)."""
    country_names: Callable[[], Mapping[str, Sequence[str]]] | None = None
    """The countries' names in the language, by ISO code (None: English names only)."""


def slot_validators(words: SkillWords) -> dict[str, SlotValidator]:
    """The skills' slot checks, with the language's number reading and timer-name rules."""
    timer = timer_slot_validator(words.timer_names)

    def unknown_device(slots: dict[str, Any]) -> dict[str, Any] | None:
        """"turn on the tv" is a command about a device we lack; a long tail is not."""
        if "unknown" not in slots:
            return slots
        found = str(slots["unknown"]).split()
        if not found or len(found) > 4 or found[0] in words.vague_devices:
            return None
        return slots

    def timer_set(slots: dict[str, Any]) -> dict[str, Any] | None:
        checked = timer(slots)
        return checked if checked is not None and "duration" in checked else None

    def words_said(slots: dict[str, Any]) -> dict[str, Any] | None:
        """A wildcard (a task, a label, a place): as said, and not empty."""
        for key in ("task", "label", "place", "holiday", "topic", "business", "team"):
            if key in slots:
                slots[key] = " ".join(str(slots[key]).split())
                if not slots[key] or len(slots[key].split()) > 16:
                    return None
        return slots

    numbers = math_slot_validator(words.parse_number)
    lists = list_slot_validator(words.lists)
    return {
        "TimerSet": timer_set, "TimerCancel": timer, "TimerStatus": timer,
        "MathCalculate": numbers, "UnitConvert": numbers,
        "VolumeSet": validate_volume_slots,
        "HomeTurnOn": unknown_device, "HomeTurnOff": unknown_device,
        **{intent: words_said for intent in ("AlarmSet", "AlarmCancel", "ReminderSet",
                                             "ReminderCancel", "TimeInPlace", "SunTimes",
                                             "DaysUntil", "WeekdayOfDate", "PriceGet",
                                             "OpeningHoursGet", "SportsGet")},
        **{intent: lists for intent in ("ListAdd", "ListRemove", "ListRead", "ListCount",
                                        "ListCheck", "ListClear", "ListCreate",
                                        "ListDelete")},
    }

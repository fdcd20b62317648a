"""Timers: several at once, named or not, on the pipeline's monotonic clock.

Every method takes `now` (seconds on a clock the caller owns, virtual in test mode);
nothing here reads the system time. Finished timers are collected by `due`, which the
pipeline polls so it can announce them even while idle.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass
from typing import Any

from assistant.intents import IntentMatch
from assistant.skills.base import SkillReply, reply
from assistant.speech_format import (
    amount_of_time_words,
    duration_words,
    join_words,
    number_words,
)

MAX_TIMER_S = 24 * 3600
MAX_TIMERS = 20
_NOT_NAMES = frozenset({
    "all", "every", "each", "any", "the", "my", "a", "an", "new", "this", "that", "it",
    "timer", "timers", "one", "other", "current", "last", "next", "first",
})
_LEADING = re.compile(r"^(?:(?:the|my|a|an|our|your|new)\s+)+")
_TRAILING = re.compile(r"(?:\s+(?:please|timer|timers|now|thanks))+$")


def clean_timer_name(raw: Any) -> str | None:
    """A timer name as it will be spoken ("My Pasta" -> "pasta"), or None if it is
    not a plausible name (empty, a number, "all", or longer than three words)."""
    if not isinstance(raw, str):
        return None
    name = " ".join(raw.lower().split())
    name = _TRAILING.sub("", _LEADING.sub("", name)).strip()
    words = name.split()
    if not words or len(words) > 3 or any(ch.isdigit() for ch in name):
        return None
    if name in _NOT_NAMES or any(w in ("timer", "timers", "for", "called") for w in words):
        return None
    return name


def validate_timer_slots(slots: dict[str, Any]) -> dict[str, Any] | None:
    """Slot validator for timer intents: clean the name, reject implausible ones."""
    if "name" in slots:
        name = clean_timer_name(slots["name"])
        if name is None:
            return None
        slots["name"] = name
    return slots


def length_label(seconds: float) -> str:
    """"ten minute timer", or "timer for one hour and five minutes"."""
    length = amount_of_time_words(seconds)
    if " and " in length or "," in length:
        return f"timer for {length}"
    amount, _, unit = length.rpartition(" ")
    return f"{amount} {unit.removesuffix('s')} timer"


def with_article(phrase: str) -> str:
    """"a pasta timer", "an eight minute timer", "a one minute timer"."""
    vowel = phrase[:1] in ("a", "e", "i", "o") and not phrase.startswith("one")
    return f"{'an' if vowel else 'a'} {phrase}"


@dataclass(frozen=True)
class Timer:
    id: int
    name: str
    """"" for an unnamed timer."""
    duration_s: float
    ends_at: float

    @property
    def label(self) -> str:
        """"pasta timer" or "ten minute timer"."""
        return f"{self.name} timer" if self.name else length_label(self.duration_s)


class TimerSkill:
    """Keeps the running timers and answers the timer intents."""

    intents = frozenset({"TimerSet", "TimerCancel", "TimerCancelAll", "TimerStatus",
                         "TimerList"})

    def __init__(self) -> None:
        self._timers: list[Timer] = []
        self._ids = itertools.count(1)
        # `due` runs on the session's clock thread, commands on the answering thread
        self._lock = threading.RLock()

    def running(self, now: float) -> list[Timer]:
        """Timers still running at `now`, soonest first."""
        return sorted((t for t in self._timers if t.ends_at > now), key=lambda t: t.ends_at)

    def next_due(self) -> float | None:
        """When the next timer ends (on the `now` clock), None when none runs."""
        with self._lock:
            return min((t.ends_at for t in self._timers), default=None)

    def due(self, now: float) -> list[str]:
        """Announcements for timers that finished by `now`; they are removed."""
        with self._lock:
            finished = sorted((t for t in self._timers if t.ends_at <= now),
                              key=lambda t: t.ends_at)
            self._timers = [t for t in self._timers if t.ends_at > now]
        return [f"Your {t.label} is done." for t in finished]

    def handle(self, match: IntentMatch, *, now: float) -> SkillReply:
        with self._lock:
            return self._handle(match, now=now)

    def _handle(self, match: IntentMatch, *, now: float) -> SkillReply:
        slots = match.slots
        if match.intent == "TimerSet":
            text = self._set(slots, now)
        elif match.intent == "TimerCancelAll":
            text = self._cancel_all(now)
        elif match.intent == "TimerList":
            text = self._list(now)
        elif match.intent == "TimerCancel":
            text = self._cancel(slots, now)
        else:
            text = self._status(slots, now)
        return reply(match, text)

    def _set(self, slots: dict[str, Any], now: float) -> str:
        seconds = float(slots.get("duration", 0))
        name = str(slots.get("name", ""))
        if seconds < 1:
            return "How long should the timer run? For example, say set a timer for ten minutes."
        if seconds > MAX_TIMER_S:
            return "I can only set timers for up to twenty-four hours."
        replaced = [t for t in self.running(now) if name and t.name == name]
        if not replaced and len(self.running(now)) >= MAX_TIMERS:
            return "You already have twenty timers. Cancel one first."
        self._timers = [t for t in self._timers if t not in replaced]
        timer = Timer(id=next(self._ids), name=name, duration_s=seconds, ends_at=now + seconds)
        self._timers.append(timer)
        length = amount_of_time_words(seconds)
        if replaced:
            return f"Okay, I restarted your {timer.label} for {length}."
        if name:
            return f"Okay, {name} timer set for {length}."
        return f"Okay, timer set for {length}."

    def _select(self, slots: dict[str, Any], now: float) -> list[Timer]:
        timers = self.running(now)
        if "name" in slots:
            wanted = str(slots["name"])
            return [t for t in timers if t.name and _same_name(t.name, wanted)]
        if "duration" in slots:
            return [t for t in timers if abs(t.duration_s - float(slots["duration"])) < 0.5]
        return timers

    def _missing(self, slots: dict[str, Any], now: float) -> str:
        if not self.running(now):
            return "You don't have any timers."
        if "name" in slots:
            what = with_article(f"{slots['name']} timer")
        else:
            what = with_article(length_label(float(slots["duration"])))
        return f"You don't have {what}. You have {self._names(now)}."

    def _names(self, now: float) -> str:
        labels = [f"the {t.label}" for t in self.running(now)]
        return f"{_count(len(labels))}: {_first_few(labels)}"

    def _cancel(self, slots: dict[str, Any], now: float) -> str:
        chosen = self._select(slots, now)
        if not chosen:
            return self._missing(slots, now)
        if len(chosen) > 1 and "name" not in slots and "duration" not in slots:
            return f"You have {self._names(now)}. Which one should I cancel?"
        timer = chosen[0]
        self._timers.remove(timer)
        return f"Okay, I cancelled your {timer.label}."

    def _cancel_all(self, now: float) -> str:
        count = len(self.running(now))
        self._timers = [t for t in self._timers if t.ends_at <= now]  # still to announce
        if count == 0:
            return "You don't have any timers."
        if count == 1:
            return "Okay, I cancelled your timer."
        return f"Okay, I cancelled all {_count(count)}."

    def _status(self, slots: dict[str, Any], now: float) -> str:
        chosen = self._select(slots, now)
        if not chosen:
            return self._missing(slots, now)
        parts = [f"your {t.label} has {_left(t, now)} left" for t in chosen]
        text = _first_few(parts)
        return text[0].upper() + text[1:] + "."

    def _list(self, now: float) -> str:
        timers = self.running(now)
        if not timers:
            return "You don't have any timers."
        parts = [f"the {t.label} with {_left(t, now)} left" for t in timers]
        return f"You have {_count(len(parts))}: {_first_few(parts)}."


def _first_few(items: list[str], *, limit: int = 4) -> str:
    """Up to `limit` items read out, the rest counted: nobody listens to twenty."""
    if len(items) <= limit:
        return join_words(items)
    return join_words([*items[:limit], f"{number_words(len(items) - limit)} more"])


def _left(timer: Timer, now: float) -> str:
    return duration_words(max(1.0, timer.ends_at - now), precise=False)


def _count(count: int) -> str:
    return "one timer" if count == 1 else f"{number_words(count)} timers"


def _same_name(have: str, wanted: str) -> bool:
    """"egg" and "eggs", "pasta" and "the pasta" name the same timer."""
    return have.rstrip("s") == wanted.rstrip("s")

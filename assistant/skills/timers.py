"""Timers: several at once, named or not, on the pipeline's monotonic clock.

Every method takes `now` (seconds on a clock the caller owns, virtual in test mode);
nothing here reads the system time. Finished timers are collected by `due`, which the
pipeline polls so it can announce them even while idle. A conversation without a
speaker (`Capabilities.speaker`) starts no timer: it could never ring.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Any

from assistant.intents import IntentMatch, SlotValidator
from assistant.skills.base import Capabilities, Outcome, SkillResult, result

MAX_TIMER_S = 24 * 3600
MAX_TIMERS = 20


@dataclass(frozen=True)
class NameRules:
    """How a language cleans a timer name caught by a wildcard ("my pasta timer please"
    -> "pasta"): words dropped at either end, and names that are not names at all."""

    strip_leading: frozenset[str] = frozenset()
    strip_trailing: frozenset[str] = frozenset()
    not_names: frozenset[str] = frozenset()
    """Whole names that are not names ("all", "timer")."""
    not_in_names: frozenset[str] = frozenset()
    """Words that a name never contains ("for", "called": the template matched wrong)."""
    max_words: int = 3

    def clean(self, raw: Any) -> str | None:
        """The name as it will be spoken, or None if it is not a plausible name (empty,
        a number, too long, or one of the language's non-names)."""
        if not isinstance(raw, str):
            return None
        words = raw.lower().split()
        while words and words[0] in self.strip_leading:
            words.pop(0)
        while words and words[-1] in self.strip_trailing:
            words.pop()
        name = " ".join(words)
        if not words or len(words) > self.max_words or any(ch.isdigit() for ch in name):
            return None
        if name in self.not_names or any(word in self.not_in_names for word in words):
            return None
        return name


def timer_slot_validator(rules: NameRules) -> SlotValidator:
    """A slot validator for the timer intents: clean the name, reject implausible ones."""
    def validate(slots: dict[str, Any]) -> dict[str, Any] | None:
        if "name" in slots:
            name = rules.clean(slots["name"])
            if name is None:
                return None
            slots["name"] = name
        return slots

    return validate


@dataclass(frozen=True)
class Timer:
    id: int
    name: str
    """"" for an unnamed timer."""
    duration_s: float
    ends_at: float


@dataclass(frozen=True)
class TimerLeft:
    """A running timer and the seconds left on it when asked."""

    timer: Timer
    left_s: float


@dataclass(frozen=True)
class TimerSet(Outcome):
    timer: Timer
    restarted: bool
    """A timer of the same name was running and was replaced."""


@dataclass(frozen=True)
class TimerNeedsDuration(Outcome):
    """"Set a timer" without a length: ask for one."""


@dataclass(frozen=True)
class TimerTooLong(Outcome):
    limit_s: float


@dataclass(frozen=True)
class TooManyTimers(Outcome):
    limit: int


@dataclass(frozen=True)
class TimersNeedARoom(Outcome):
    """Asked in a conversation without a speaker (a text agent): no timer was set."""


@dataclass(frozen=True)
class NoTimers(Outcome):
    pass


@dataclass(frozen=True)
class TimerNotFound(Outcome):
    """No running timer has the name or length asked for."""

    name: str | None
    duration_s: float | None
    running: tuple[Timer, ...]


@dataclass(frozen=True)
class WhichTimer(Outcome):
    """Several run and the request did not say which one to cancel."""

    running: tuple[Timer, ...]


@dataclass(frozen=True)
class TimerCancelled(Outcome):
    timer: Timer


@dataclass(frozen=True)
class TimersCancelled(Outcome):
    count: int


@dataclass(frozen=True)
class TimersLeft(Outcome):
    """How long the asked-for timers have left."""

    timers: tuple[TimerLeft, ...]


@dataclass(frozen=True)
class TimerListing(Outcome):
    """Every running timer and what it has left."""

    timers: tuple[TimerLeft, ...]


@dataclass(frozen=True)
class TimerDone(Outcome):
    """Announced when a timer finishes."""

    timer: Timer


class TimerSkill:
    """Keeps the running timers and answers the timer intents."""

    intents = frozenset({"TimerSet", "TimerCancel", "TimerCancelAll", "TimerStatus",
                         "TimerList"})

    def __init__(self, *, capabilities: Capabilities | None = None) -> None:
        self._capabilities = capabilities or Capabilities()
        self._timers: list[Timer] = []
        self._ids = itertools.count(1)
        # `due` runs on the session's clock thread, commands on the answering thread
        self._lock = threading.RLock()

    def running(self, now: float) -> list[Timer]:
        """Timers still running at `now`, soonest first."""
        with self._lock:
            return sorted((t for t in self._timers if t.ends_at > now),
                          key=lambda t: t.ends_at)

    def next_due(self) -> float | None:
        """When the next timer ends (on the `now` clock), None when none runs."""
        with self._lock:
            return min((t.ends_at for t in self._timers), default=None)

    def due(self, now: float) -> list[Outcome]:
        """Announcements for timers that finished by `now`; they are removed."""
        with self._lock:
            finished = sorted((t for t in self._timers if t.ends_at <= now),
                              key=lambda t: t.ends_at)
            self._timers = [t for t in self._timers if t.ends_at > now]
        return [TimerDone(t) for t in finished]

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        with self._lock:
            return result(match, self._handle(match, now=now))

    def _handle(self, match: IntentMatch, *, now: float) -> Outcome:
        slots = match.slots
        if match.intent == "TimerSet":
            return self._set(slots, now)
        if match.intent == "TimerCancelAll":
            return self._cancel_all(now)
        if match.intent == "TimerList":
            timers = self.running(now)
            return TimerListing(_left(timers, now)) if timers else NoTimers()
        if match.intent == "TimerCancel":
            return self._cancel(slots, now)
        return self._status(slots, now)

    def _set(self, slots: dict[str, Any], now: float) -> Outcome:
        if not self._capabilities.speaker:
            return TimersNeedARoom()
        seconds = float(slots.get("duration", 0))
        name = str(slots.get("name", ""))
        if seconds < 1:
            return TimerNeedsDuration()
        if seconds > MAX_TIMER_S:
            return TimerTooLong(MAX_TIMER_S)
        replaced = [t for t in self.running(now) if name and t.name == name]
        if not replaced and len(self.running(now)) >= MAX_TIMERS:
            return TooManyTimers(MAX_TIMERS)
        self._timers = [t for t in self._timers if t not in replaced]
        timer = Timer(id=next(self._ids), name=name, duration_s=seconds, ends_at=now + seconds)
        self._timers.append(timer)
        return TimerSet(timer, restarted=bool(replaced))

    def _select(self, slots: dict[str, Any], now: float) -> list[Timer]:
        timers = self.running(now)
        if "name" in slots:
            wanted = str(slots["name"])
            return [t for t in timers if t.name and _same_name(t.name, wanted)]
        if "duration" in slots:
            return [t for t in timers if abs(t.duration_s - float(slots["duration"])) < 0.5]
        return timers

    def _missing(self, slots: dict[str, Any], now: float) -> Outcome:
        running = tuple(self.running(now))
        if not running:
            return NoTimers()
        duration = float(slots["duration"]) if "duration" in slots else None
        name = str(slots["name"]) if "name" in slots else None
        return TimerNotFound(name=name, duration_s=duration, running=running)

    def _cancel(self, slots: dict[str, Any], now: float) -> Outcome:
        chosen = self._select(slots, now)
        if not chosen:
            return self._missing(slots, now)
        if len(chosen) > 1 and "name" not in slots and "duration" not in slots:
            return WhichTimer(tuple(chosen))
        self._timers.remove(chosen[0])
        return TimerCancelled(chosen[0])

    def _cancel_all(self, now: float) -> Outcome:
        count = len(self.running(now))
        self._timers = [t for t in self._timers if t.ends_at <= now]  # still to announce
        return TimersCancelled(count) if count else NoTimers()

    def _status(self, slots: dict[str, Any], now: float) -> Outcome:
        chosen = self._select(slots, now)
        if not chosen:
            return self._missing(slots, now)
        return TimersLeft(_left(chosen, now))


def _left(timers: list[Timer], now: float) -> tuple[TimerLeft, ...]:
    return tuple(TimerLeft(t, max(1.0, t.ends_at - now)) for t in timers)


def _same_name(have: str, wanted: str) -> bool:
    """"egg" and "eggs", "pasta" and "the pasta" name the same timer."""
    return have.rstrip("s") == wanted.rstrip("s")

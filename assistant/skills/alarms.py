"""Alarms: at a time, in a while, tomorrow, on weekdays or every day, with a label; rung
in the room that set them until stopped, snoozed or the ring limit.

The alarms are the house's (`schedule.Book`, one saved file), due on the wall clock;
each session's `AlarmSkill` sets them for its own room and rings that room's. Ringing is
a state of the session's skill: while an alarm rings, "stop" turns it off and "snooze"
or "five more minutes" puts it off. The session plays the sound (assistant/loop).
"""

from __future__ import annotations

import contextlib
import difflib
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import assistant.skills.when as when
from assistant.intents import IntentMatch
from assistant.saved_json import SavedFileError
from assistant.skills.base import WANTS_TIME, Ask, Capabilities, Outcome, SkillResult, result
from assistant.skills.home_outcomes import NotSaved
from assistant.skills.schedule import Book, Codec, moment_of, text_of

MAX_ALARMS = 50
LABEL_ALIKE = 0.7
"""A label heard this much like an alarm's (difflib's ratio) names that alarm."""
MAX_AHEAD = timedelta(days=7)
"""An alarm "in" more than this is refused (an alarm on a day is set by its day)."""


@dataclass(frozen=True)
class Alarm:
    id: int
    at: datetime
    """When it rings next (a snooze moves this, not the time of day)."""
    hour: int
    minute: int
    days: tuple[int, ...] = ()
    """Weekdays it repeats on (0 = Monday); () = once."""
    label: str = ""
    room: str = ""


def _load(item: dict[str, Any]) -> Alarm:
    days = tuple(int(d) for d in item.get("days", ()))
    alarm = Alarm(id=int(item["id"]), at=moment_of(item["at"]), hour=int(item["hour"]),
                  minute=int(item["minute"]), days=days, label=text_of(item.get("label", "")),
                  room=text_of(item.get("room", "")))
    if not (0 <= alarm.hour < 24 and 0 <= alarm.minute < 60 and set(days) <= set(range(7))):
        raise ValueError(f"alarm {alarm.id} has a time or day that does not exist")
    return alarm


def _dump(alarm: Alarm) -> dict[str, Any]:
    return {"id": alarm.id, "at": alarm.at.isoformat(), "hour": alarm.hour,
            "minute": alarm.minute, "days": list(alarm.days), "label": alarm.label,
            "room": alarm.room}


def _advance(alarm: Alarm, now: datetime) -> Alarm | None:
    if not alarm.days:
        return None
    return replace(alarm, at=when.next_on(alarm.days, alarm.hour, alarm.minute,
                                          max(now, alarm.at)))


ALARM_CODEC = Codec[Alarm](kind="alarms", dump=_dump, load=_load, advance=_advance)


@dataclass(frozen=True)
class AlarmSet(Outcome):
    alarm: Alarm
    days_ahead: int
    """0: later today, 1: tomorrow, ... (how the reply names the day)."""
    in_s: float
    """How long until it rings."""


@dataclass(frozen=True)
class AlarmNeedsTime(Outcome):
    """"Set an alarm" without a time: asks for one (the answer is listened for)."""


@dataclass(frozen=True)
class AlarmsNeedARoom(Outcome):
    """Asked in a conversation without a speaker: no alarm was set."""


@dataclass(frozen=True)
class AlarmInThePast(Outcome):
    moment: datetime


@dataclass(frozen=True)
class AlarmTooFar(Outcome):
    limit_s: float


@dataclass(frozen=True)
class AlarmExists(Outcome):
    alarm: Alarm
    now: datetime


@dataclass(frozen=True)
class TooManyAlarms(Outcome):
    limit: int


@dataclass(frozen=True)
class NoAlarms(Outcome):
    pass


@dataclass(frozen=True)
class AlarmListing(Outcome):
    alarms: tuple[Alarm, ...]
    now: datetime


@dataclass(frozen=True)
class AlarmCancelled(Outcome):
    alarm: Alarm


@dataclass(frozen=True)
class AlarmsCancelled(Outcome):
    count: int


@dataclass(frozen=True)
class WhichAlarm(Outcome):
    """Several alarms and the request named none of them: asks which."""

    alarms: tuple[Alarm, ...]


@dataclass(frozen=True)
class AlarmNotFound(Outcome):
    """No alarm at the time asked for; `alarms` are the ones there are."""

    hour: int | None
    minute: int | None
    alarms: tuple[Alarm, ...]


@dataclass(frozen=True)
class AlarmRinging(Outcome):
    """Said (with the chime) when an alarm rings."""

    alarm: Alarm


@dataclass(frozen=True)
class AlarmStopped(Outcome):
    alarm: Alarm
    next_at: datetime | None
    """When a repeating alarm rings next."""


@dataclass(frozen=True)
class AlarmSnoozed(Outcome):
    until: datetime
    minutes: float


@dataclass(frozen=True)
class NothingRinging(Outcome):
    """"Snooze" with no alarm ringing."""


@dataclass(frozen=True)
class AlarmMissed(Outcome):
    """An alarm that was due while the assistant (or its room) was off: said once."""

    alarm: Alarm


def _labelled(alarms: list[Alarm], wanted: str) -> list[Alarm]:
    """The alarms called `wanted`, or the one called most like it ("yo-go" for "yoga")."""
    def key(text: str) -> str:
        return "".join(ch for ch in text.casefold() if ch.isalnum()).rstrip("s")

    exact = [a for a in alarms if a.label and key(a.label) == key(wanted)]
    if exact:
        return exact
    scored = [(difflib.SequenceMatcher(None, key(a.label), key(wanted)).ratio(), a)
              for a in alarms if a.label]
    best = max(scored, default=(0.0, None), key=lambda pair: pair[0])
    return [best[1]] if best[1] is not None and best[0] >= LABEL_ALIKE else []


class AlarmSkill:
    """One session's alarms skill over the house's alarm book."""

    intents = frozenset({"AlarmSet", "AlarmCancel", "AlarmCancelAll", "AlarmList",
                         "AlarmStop", "AlarmSnooze"})

    def __init__(self, book: Book[Alarm], *, room: str, wallclock: Callable[[], datetime],
                 capabilities: Capabilities | None = None, snooze_s: float = 540.0) -> None:
        self.book = book
        self.room = room
        self._wallclock = wallclock
        self._capabilities = capabilities or Capabilities()
        self._snooze_s = snooze_s
        self._lock = threading.Lock()
        self._ringing: Alarm | None = None

    @property
    def ringing(self) -> Alarm | None:
        with self._lock:
            return self._ringing

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        wall = self._wallclock()
        intent, slots = match.intent, match.slots
        if intent == "AlarmSet":
            return self._set(match, wall)
        if intent == "AlarmSnooze":
            return result(match, self.snooze(wall, slots.get("duration")))
        if intent in ("AlarmStop", "AlarmCancel") and self.ringing is not None and not (
                when.has_time(slots) or "label" in slots or "day" in slots):
            return result(match, self.stop(wall))  # "turn off the alarm" while it rings
        if intent == "AlarmList":
            listed = tuple(self.book.entries())
            return result(match, AlarmListing(listed, wall) if listed else NoAlarms())
        if intent == "AlarmCancelAll":
            every = self.book.entries()
            self.book.remove(*(a.id for a in every))
            return result(match, AlarmsCancelled(len(every)) if every else NoAlarms())
        return self._cancel(match, wall)

    # -- setting -----------------------------------------------------------------------

    def _set(self, match: IntentMatch, wall: datetime) -> SkillResult:
        if not self._capabilities.speaker:
            return result(match, AlarmsNeedARoom())
        slots = match.slots
        if not when.has_time(slots):
            def resume(answer: IntentMatch) -> SkillResult:
                return self._set(IntentMatch("AlarmSet", {**slots, **answer.slots},
                                             answer.text), self._wallclock())
            return result(match, AlarmNeedsTime(), ask=Ask(WANTS_TIME, resume))
        found = self._moment(slots, wall)
        if isinstance(found, Outcome):
            return result(match, found)
        at, days = found
        label = str(slots.get("label", "")).strip()
        for alarm in self.book.entries():
            if alarm.at == at and alarm.days == days:
                return result(match, AlarmExists(alarm, wall))
        alarm = Alarm(id=self.book.new_id(), at=at, hour=at.hour, minute=at.minute, days=days,
                      label=label, room=self.room)
        try:
            if not self.book.add(alarm):
                return result(match, TooManyAlarms(self.book.limit))
        except SavedFileError:
            return result(match, AlarmSet(alarm, when.days_ahead(at, wall),
                                          (at - wall).total_seconds()), notes=(NotSaved(),))
        return result(match, AlarmSet(alarm, when.days_ahead(at, wall),
                                      (at - wall).total_seconds()))

    def _moment(self, slots: dict[str, Any],
                wall: datetime) -> tuple[datetime, tuple[int, ...]] | Outcome:
        days = when.repeat_days(slots)
        if days:
            said = when.clock_time(slots)
            if isinstance(said, when.BadTime):
                return when.failure_outcome(said)
            hour, minute, period = said
            fixed = when.moment({"hour": hour, "minute": minute, "period": period,
                                 "day": "tomorrow"}, wall, prefer=when.Prefer.MORNING)
            if not isinstance(fixed, datetime):
                return when.failure_outcome(fixed) if isinstance(
                    fixed, when.BadTime | when.BadDate) else AlarmNeedsTime()
            return when.next_on(days, fixed.hour, fixed.minute, wall), days
        at = when.moment(slots, wall, prefer=when.Prefer.MORNING)
        if isinstance(at, when.BadTime | when.BadDate):
            return when.failure_outcome(at)
        if isinstance(at, when.Past):
            return AlarmInThePast(at.moment)
        if isinstance(at, when.Missing):
            return AlarmNeedsTime()
        if at - wall > MAX_AHEAD:
            return AlarmTooFar(MAX_AHEAD.total_seconds())
        return at.replace(second=0, microsecond=0) if "duration" not in slots else at, ()

    # -- cancelling ----------------------------------------------------------------------

    def _cancel(self, match: IntentMatch, wall: datetime) -> SkillResult:
        alarms = self.book.entries()
        if not alarms:
            return result(match, NoAlarms())
        chosen = self._select(alarms, match.slots, wall)
        if not chosen:
            hour = when.number(match.slots, "hour")
            return result(match, AlarmNotFound(hour, when.number(match.slots, "minute"),
                                               tuple(alarms)))
        if len(chosen) > 1:
            def resume(answer: IntentMatch) -> SkillResult:
                return self._cancel(IntentMatch("AlarmCancel", answer.slots, answer.text),
                                    self._wallclock())
            return result(match, WhichAlarm(tuple(chosen)), ask=Ask(WANTS_TIME, resume))
        self.book.remove(chosen[0].id)
        return result(match, AlarmCancelled(chosen[0]))

    def _select(self, alarms: list[Alarm], slots: dict[str, Any], wall: datetime) -> list[Alarm]:
        if "label" in slots:
            alarms = _labelled(alarms, str(slots["label"]))
        if "hour" in slots or slots.get("period") in ("noon", "midnight"):
            said = when.clock_time(slots)
            if isinstance(said, when.BadTime):
                return []
            hour, minute, period = said
            fixed = when.hour_of_day(hour, period)
            hours = {fixed} if fixed is not None else {hour % 12, hour % 12 + 12}
            alarms = [a for a in alarms if a.hour in hours and a.minute == minute]
        day = when.start_day(slots, wall)
        if day is None or isinstance(day, when.BadDate):
            return alarms
        return [a for a in alarms if a.at.date() == day]

    # -- ringing ---------------------------------------------------------------------------

    def due(self, wall: datetime) -> list[Outcome]:
        """What rings or was missed in this room by `wall` (each is handed out once)."""
        due = self.book.take_due(self.room, wall)
        if due.ringing:
            with self._lock:
                self._ringing = due.ringing[-1]
        return [*(AlarmMissed(a) for a in due.missed), *(AlarmRinging(a) for a in due.ringing)]

    def stop(self, wall: datetime) -> Outcome:
        with self._lock:
            alarm, self._ringing = self._ringing, None
        if alarm is None:
            return NothingRinging()
        following = next((a for a in self.book.entries() if a.id == alarm.id), None)
        return AlarmStopped(alarm, following.at if following else None)

    def ring_over(self) -> None:
        """The ring limit was reached: the alarm stops by itself."""
        with self._lock:
            self._ringing = None

    def snooze(self, wall: datetime, seconds: Any = None) -> Outcome:
        with self._lock:
            alarm, self._ringing = self._ringing, None
        if alarm is None:
            return NothingRinging()
        span = float(seconds) if seconds else self._snooze_s
        until = (wall + timedelta(seconds=span)).replace(microsecond=0)
        with contextlib.suppress(SavedFileError):  # snoozed in memory all the same
            self.book.put_back(alarm, until)
        return AlarmSnoozed(until, span / 60)

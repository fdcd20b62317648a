"""Reminders: "remind me to call Mum at five p.m.", said with the task at that moment in
the room that asked; listed, cancelled, and kept in their own saved file.

Like alarms, the reminders are the house's (`schedule.Book`) and due on the wall clock.
A request without a time asks for one, and one without a task asks what to remind: the
next utterance answers, without the wake word.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import assistant.skills.when as when
from assistant.intents import IntentMatch
from assistant.saved_json import SavedFileError
from assistant.skills.base import (
    WANTS_TEXT,
    WANTS_TIME,
    Ask,
    Capabilities,
    Outcome,
    SkillResult,
    result,
)
from assistant.skills.home_outcomes import NotSaved
from assistant.skills.schedule import Book, Codec, moment_of, text_of

MAX_REMINDERS = 100
MAX_AHEAD = timedelta(days=366)
MAX_TASK_WORDS = 16


@dataclass(frozen=True)
class Reminder:
    id: int
    at: datetime
    task: str
    """What to remind of, as said ("call my mum"); the language turns "my" into "your"."""
    room: str = ""


def _load(item: dict[str, Any]) -> Reminder:
    task = text_of(item["task"])
    if not task.strip():
        raise ValueError("a reminder without a task")
    return Reminder(id=int(item["id"]), at=moment_of(item["at"]), task=task,
                    room=text_of(item.get("room", "")))


def _dump(reminder: Reminder) -> dict[str, Any]:
    return {"id": reminder.id, "at": reminder.at.isoformat(), "task": reminder.task,
            "room": reminder.room}


REMINDER_CODEC = Codec[Reminder](kind="reminders", dump=_dump, load=_load,
                                 advance=lambda reminder, now: None)


@dataclass(frozen=True)
class ReminderSet(Outcome):
    reminder: Reminder
    days_ahead: int
    in_s: float


@dataclass(frozen=True)
class ReminderNeedsTime(Outcome):
    """Asks when (the task is known)."""

    task: str


@dataclass(frozen=True)
class ReminderNeedsTask(Outcome):
    """Asks what to remind of (the time is known, or not yet)."""


@dataclass(frozen=True)
class RemindersNeedARoom(Outcome):
    pass


@dataclass(frozen=True)
class ReminderInThePast(Outcome):
    moment: datetime


@dataclass(frozen=True)
class ReminderTooFar(Outcome):
    limit_s: float


@dataclass(frozen=True)
class TooManyReminders(Outcome):
    limit: int


@dataclass(frozen=True)
class NoReminders(Outcome):
    pass


@dataclass(frozen=True)
class ReminderListing(Outcome):
    reminders: tuple[Reminder, ...]
    now: datetime


@dataclass(frozen=True)
class ReminderCancelled(Outcome):
    reminder: Reminder


@dataclass(frozen=True)
class RemindersCancelled(Outcome):
    count: int


@dataclass(frozen=True)
class ReminderNotFound(Outcome):
    task: str | None
    reminders: tuple[Reminder, ...]


@dataclass(frozen=True)
class WhichReminder(Outcome):
    reminders: tuple[Reminder, ...]


@dataclass(frozen=True)
class ReminderDue(Outcome):
    """Said (after a short chime) at the reminder's moment."""

    reminder: Reminder


@dataclass(frozen=True)
class ReminderMissed(Outcome):
    reminder: Reminder


class ReminderSkill:
    """One session's reminders skill over the house's reminder book."""

    intents = frozenset({"ReminderSet", "ReminderList", "ReminderCancel",
                         "ReminderCancelAll"})

    def __init__(self, book: Book[Reminder], *, room: str, wallclock: Callable[[], datetime],
                 capabilities: Capabilities | None = None) -> None:
        self.book = book
        self.room = room
        self._wallclock = wallclock
        self._capabilities = capabilities or Capabilities()

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        wall = self._wallclock()
        if match.intent == "ReminderSet":
            return self._set(match, wall)
        reminders = self.book.entries()
        if not reminders:
            return result(match, NoReminders())
        if match.intent == "ReminderList":
            return result(match, ReminderListing(tuple(reminders), wall))
        if match.intent == "ReminderCancelAll":
            self.book.remove(*(r.id for r in reminders))
            return result(match, RemindersCancelled(len(reminders)))
        return result(match, self._cancel(reminders, match.slots))

    def due(self, wall: datetime) -> list[Outcome]:
        """Reminders of this room due by `wall` (each handed out once)."""
        due = self.book.take_due(self.room, wall)
        return [*(ReminderMissed(r) for r in due.missed), *(ReminderDue(r) for r in due.ringing)]

    def _set(self, match: IntentMatch, wall: datetime) -> SkillResult:
        if not self._capabilities.speaker:
            return result(match, RemindersNeedARoom())
        slots = dict(match.slots)
        task = " ".join(str(slots.get("task", "")).split())
        if not task or len(task.split()) > MAX_TASK_WORDS:
            def resume_task(answer: IntentMatch) -> SkillResult:
                return self._set(IntentMatch("ReminderSet", {**slots, "task": answer.text},
                                             answer.text), self._wallclock())
            return result(match, ReminderNeedsTask(), ask=Ask(WANTS_TEXT, resume_task))
        if not when.has_time(slots):
            def resume_time(answer: IntentMatch) -> SkillResult:
                return self._set(IntentMatch("ReminderSet", {**slots, **answer.slots},
                                             answer.text), self._wallclock())
            return result(match, ReminderNeedsTime(task), ask=Ask(WANTS_TIME, resume_time))
        at = when.moment(slots, wall, prefer=when.Prefer.DAYTIME)
        if isinstance(at, when.BadTime | when.BadDate):
            return result(match, when.failure_outcome(at))
        if isinstance(at, when.Past):
            return result(match, ReminderInThePast(at.moment))
        if isinstance(at, when.Missing):
            return result(match, ReminderNeedsTime(task))
        if at - wall > MAX_AHEAD:
            return result(match, ReminderTooFar(MAX_AHEAD.total_seconds()))
        if "duration" not in slots:
            at = at.replace(second=0, microsecond=0)
        reminder = Reminder(id=self.book.new_id(), at=at, task=task, room=self.room)
        done = ReminderSet(reminder, when.days_ahead(at, wall), (at - wall).total_seconds())
        try:
            if not self.book.add(reminder):
                return result(match, TooManyReminders(self.book.limit))
        except SavedFileError:
            return result(match, done, notes=(NotSaved(),))
        return result(match, done)

    def _cancel(self, reminders: list[Reminder], slots: dict[str, Any]) -> Outcome:
        task = str(slots.get("task", "")).strip().lower()
        chosen = reminders
        if task:
            wanted = set(task.split())
            chosen = [r for r in reminders if wanted <= set(r.task.lower().split())
                      or task in r.task.lower()]
            if not chosen:
                return ReminderNotFound(task, tuple(reminders))
        if len(chosen) > 1:
            return WhichReminder(tuple(chosen))
        self.book.remove(chosen[0].id)
        return ReminderCancelled(chosen[0])

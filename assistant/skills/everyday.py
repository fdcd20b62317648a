"""The everyday skills together: alarms, reminders, lists, dates, the world clock, chance
and live facts, over what the whole house shares (`Everyday`: the alarm and reminder
books, the list store, the holidays, the city database, the place, the weather source),
made per conversation by `EverydaySkills`.

What is due on the wall clock (alarms, reminders) is the session's to say: `due` hands
out `Ring`s for the session's room, with the words already in the language.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from assistant.skills.alarms import Alarm, AlarmRinging, AlarmSkill
from assistant.skills.base import Capabilities, Confirmations, Outcome, Say, Skill
from assistant.skills.chance import ChanceSkill
from assistant.skills.dates import DatesSkill
from assistant.skills.holiday_calendar import HolidayCalendar
from assistant.skills.list_store import ListStore
from assistant.skills.lists import ListSkill, ListWords
from assistant.skills.live_facts import LiveFactsSkill, WeatherSource
from assistant.skills.reminders import Reminder, ReminderDue, ReminderSkill
from assistant.skills.schedule import Book
from assistant.skills.world_clock import Here, PlaceFinder, WorldClockSkill


@dataclass(frozen=True)
class AlarmSettings:
    ring_s: float = 600.0
    """An alarm rings this long unless stopped (then it stops by itself)."""
    snooze_s: float = 540.0
    ring_every_s: float = 6.0


@dataclass(frozen=True)
class SavedFileSetAside(Outcome):
    """A saved file (alarms, reminders, lists) could not be read: it was kept aside and
    the skill started empty. Said once, at the first request."""

    kind: str
    kept_as: str
    """Where the file is now ("" when it could not be moved)."""


@dataclass
class Everyday:
    """What every conversation's everyday skills share."""

    alarms: Book[Alarm]
    reminders: Book[Reminder]
    lists: ListStore
    holidays: HolidayCalendar | None = None
    places: PlaceFinder | None = None
    here: Here | None = None
    weather: WeatherSource | None = None
    list_words: ListWords = field(default_factory=ListWords)
    settings: AlarmSettings = field(default_factory=AlarmSettings)
    local_zone: tzinfo | None = None
    """The zone of the wall clock (None: the system's)."""
    rng: random.Random | None = None

    def problems(self) -> list[Outcome]:
        """Saved files that had to be set aside at start-up (said once)."""
        found: list[Outcome] = []
        for kind, holder in (("alarms", self.alarms), ("reminders", self.reminders),
                             ("lists", self.lists)):
            aside = getattr(holder, "problem", None)
            if aside is not None:
                found.append(SavedFileSetAside(kind, str(aside.kept_as or "")))
        return found


@dataclass(frozen=True)
class Ring:
    """Something due in the session's room, already in words."""

    text: str
    alarm: bool
    """Rings (repeated chime) until stopped; else one chime before the words."""
    chime: bool = True


class EverydaySkills:
    """One conversation's everyday skills (its room, its ringing alarm)."""

    def __init__(self, shared: Everyday, *, room: str, wallclock: Callable[[], datetime],
                 confirmations: Confirmations, capabilities: Capabilities | None) -> None:
        self.shared = shared
        self.alarms = AlarmSkill(shared.alarms, room=room, wallclock=wallclock,
                                 capabilities=capabilities,
                                 snooze_s=shared.settings.snooze_s)
        self.reminders = ReminderSkill(shared.reminders, room=room, wallclock=wallclock,
                                       capabilities=capabilities)
        self.skills: list[Skill] = [
            self.alarms, self.reminders,
            ListSkill(shared.lists, confirmations, shared.list_words),
            DatesSkill(wallclock=wallclock, holidays=shared.holidays),
            WorldClockSkill(wallclock=wallclock, places=shared.places, here=shared.here,
                            local_zone=shared.local_zone),
            ChanceSkill(rng=shared.rng),
            LiveFactsSkill(wallclock=wallclock, weather=shared.weather),
        ]
        self._room = room

    def next_due(self) -> datetime | None:
        """The next moment something is due in this room (wall clock)."""
        times = [t for t in (self.shared.alarms.next_at(self._room),
                             self.shared.reminders.next_at(self._room)) if t is not None]
        return min(times, default=None)

    def due(self, wall: datetime, say: Say) -> list[Ring]:
        rings = []
        for outcome in [*self.alarms.due(wall), *self.reminders.due(wall)]:
            rings.append(Ring(say(outcome), alarm=isinstance(outcome, AlarmRinging),
                              chime=isinstance(outcome, AlarmRinging | ReminderDue)))
        return rings

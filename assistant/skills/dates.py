"""Dates: days until a date or a holiday, the day of the week of a date, what date a day
is ("next Friday", "in ten days"), age from a year of birth, and leap years.

Holidays come from a `HolidayCalendar` for the configured country (`place.country`);
every date is checked (February 30 is no date) and computed from the wall clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import assistant.skills.when as when
from assistant.intents import IntentMatch
from assistant.skills.base import Outcome, SkillResult, result
from assistant.skills.holiday_calendar import HolidayCalendar

MAX_DAYS = 400 * 366
"""Dates further than this from today (about 400 years) are not counted in days."""


@dataclass(frozen=True)
class DaysUntil(Outcome):
    target: date
    days: int
    """Negative for a date that has passed."""
    holiday: str
    """The holiday's name ("" for a date)."""
    asked: str
    """The holiday as it was asked for ("" for a date)."""


@dataclass(frozen=True)
class UnknownHoliday(Outcome):
    asked: str
    country: str
    """ISO code of the country whose holidays were searched."""


@dataclass(frozen=True)
class WeekdayOf(Outcome):
    target: date
    today: date


@dataclass(frozen=True)
class DateOn(Outcome):
    """What date a day is ("next Friday", "in three weeks")."""

    target: date
    today: date


@dataclass(frozen=True)
class AgeFromYear(Outcome):
    year: int
    age: int
    """The age once this year's birthday has passed (one less before it)."""


@dataclass(frozen=True)
class NotBornYet(Outcome):
    year: int


@dataclass(frozen=True)
class LeapYear(Outcome):
    year: int
    leap: bool
    this_year: int


@dataclass(frozen=True)
class NextLeapYear(Outcome):
    year: int
    this_year: int


@dataclass(frozen=True)
class DateTooFar(Outcome):
    """A date too far from today to count the days."""


class DatesSkill:
    """Date questions; the day comes from `wallclock`, holidays from `holidays`."""

    intents = frozenset({"DaysUntil", "WeekdayOfDate", "DateOfDay", "AgeFromYear",
                         "LeapYear"})

    def __init__(self, *, wallclock: Callable[[], datetime],
                 holidays: HolidayCalendar | None) -> None:
        self._wallclock = wallclock
        self._holidays = holidays

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        today = self._wallclock().date()
        slots = match.slots
        handlers = {"DaysUntil": self._days_until, "WeekdayOfDate": self._weekday,
                    "DateOfDay": self._date_of, "AgeFromYear": self._age,
                    "LeapYear": self._leap}
        return result(match, handlers[match.intent](slots, today))

    def _days_until(self, slots: dict[str, Any], today: date) -> Outcome:
        if "holiday" in slots:
            asked = str(slots["holiday"]).strip()
            found = self._holidays.find(asked, after=today) if self._holidays else None
            if found is None:
                country = self._holidays.country if self._holidays else ""
                return UnknownHoliday(asked, country)
            return DaysUntil(found.day, (found.day - today).days, found.name, asked)
        target = when.calendar_date(slots, today)
        if isinstance(target, when.BadDate):
            return when.failure_outcome(target)
        days = (target - today).days
        if abs(days) > MAX_DAYS:
            return DateTooFar()
        return DaysUntil(target, days, "", "")

    def _weekday(self, slots: dict[str, Any], today: date) -> Outcome:
        if "holiday" in slots:
            found = self._days_until(slots, today)
            return WeekdayOf(found.target, today) if isinstance(found, DaysUntil) else found
        target = when.calendar_date(slots, today)
        if isinstance(target, when.BadDate):
            return when.failure_outcome(target)
        return WeekdayOf(target, today)

    def _date_of(self, slots: dict[str, Any], today: date) -> Outcome:
        days = when.number(slots, "days") or 0
        weeks = when.number(slots, "weeks") or 0
        if days or weeks:
            if days + 7 * weeks > MAX_DAYS:
                return DateTooFar()
            return DateOn(today + timedelta(days=days + 7 * weeks), today)
        if slots.get("day") == "tomorrow":
            return DateOn(today + timedelta(days=1), today)
        if slots.get("day") == "day_after_tomorrow":
            return DateOn(today + timedelta(days=2), today)
        if slots.get("day") == "yesterday":
            return DateOn(today - timedelta(days=1), today)
        weekday = when.number(slots, "weekday")
        if weekday is None:
            return DateOn(today, today)
        ahead = (weekday - today.weekday()) % 7 or 7  # "Friday" on a Friday: next week's
        return DateOn(today + timedelta(days=ahead), today)

    def _age(self, slots: dict[str, Any], today: date) -> Outcome:
        year = when.year_of(slots)
        if year is None or year < 1:
            return NotBornYet(year or 0)
        if year > today.year:
            return NotBornYet(year)
        return AgeFromYear(year, today.year - year)

    def _leap(self, slots: dict[str, Any], today: date) -> Outcome:
        if slots.get("which") == "next":
            year = today.year + 1
            while not calendar.isleap(year):
                year += 1
            return NextLeapYear(year, today.year)
        year = when.year_of(slots) or today.year
        return LeapYear(year, calendar.isleap(year), today.year)

"""When a request means: slots of a spoken time, day or date -> a moment on the wall clock.

The intent templates of every language fill the same slots: `hour`, `minute`, `before`
(minutes before the hour: "quarter to eight", "差十分八点"), `period` (am, pm, morning,
afternoon, evening, night, small_hours, noon, midnight), `day` (today, tonight,
tomorrow, day_after_tomorrow), `weekday` (0 = Monday), `repeat` (daily, weekdays,
weekends, weekly), `month`, `day_of_month`, `year` (or `century` and `year_in_century`:
"nineteen ninety"), and `duration` (seconds from now). This module turns them into
datetimes and says exactly what was wrong with a time that does not exist.

A clock hour said without a part of the day is ambiguous ("seven"): with no day named
it is the next seven o'clock to come; on another day an alarm takes the morning one
(seven a.m.), anything else the daytime one (seven a.m., but five p.m.).
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from assistant.skills.base import Outcome

WEEKDAYS = (0, 1, 2, 3, 4)
WEEKEND = (5, 6)
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
REPEATS = {"daily": EVERY_DAY, "weekdays": WEEKDAYS, "weekends": WEEKEND}


class Prefer(enum.Enum):
    """How an hour without a part of the day is read on a day other than today."""

    MORNING = "morning"
    """Alarms: 1 to 11 are a.m."""
    DAYTIME = "daytime"
    """Reminders: 7 to 11 are a.m., 1 to 6 are p.m."""


@dataclass(frozen=True)
class BadTime:
    """A clock time that does not exist ("twenty-five o'clock", "seven sixty", "13 a.m.")."""

    hour: int
    minute: int


@dataclass(frozen=True)
class BadDate:
    """A date that does not exist (February 30)."""

    month: int
    day: int
    year: int | None


@dataclass(frozen=True)
class Past:
    """A moment asked for that has already passed."""

    moment: datetime


@dataclass(frozen=True)
class Missing:
    """No time was said at all."""


Failure = BadTime | BadDate | Past | Missing


@dataclass(frozen=True)
class NoSuchTime(Outcome):
    """A clock time that does not exist was asked for."""

    hour: int
    minute: int


@dataclass(frozen=True)
class NoSuchDate(Outcome):
    """A date that does not exist was asked for (February 30)."""

    month: int
    day: int
    year: int | None


def failure_outcome(failure: BadTime | BadDate) -> Outcome:
    if isinstance(failure, BadTime):
        return NoSuchTime(failure.hour, failure.minute)
    return NoSuchDate(failure.month, failure.day, failure.year)


def number(slots: dict[str, Any], key: str) -> int | None:
    value = slots.get(key)
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def has_time(slots: dict[str, Any]) -> bool:
    """True when the slots name a clock time or a time from now."""
    return any(k in slots for k in ("hour", "duration")) or slots.get("period") in (
        "noon", "midnight")


def clock_time(slots: dict[str, Any]) -> tuple[int, int, str | None] | BadTime:
    """(hour, minute, period) as said, checked; the hour may still be 1-12 ambiguous."""
    period = slots.get("period")
    hour = number(slots, "hour")
    minute = number(slots, "minute") or 0
    if hour is None:
        hour = 0 if period == "midnight" else 12
    before = number(slots, "before")
    if before is not None:
        if not 0 < before < 60 or hour > 24:
            return BadTime(hour, 60 - before)
        hour, minute = (hour - 1) % 24, 60 - before
    if minute > 59 or hour > 24 or (hour == 24 and minute) or hour < 0:
        return BadTime(hour, minute)
    if period in ("am", "pm") and hour > 12 and not (period == "pm" and hour < 24):
        return BadTime(hour, minute)
    return hour % 24 if hour == 24 else hour, minute, period


def hour_of_day(hour: int, period: str | None) -> int | None:
    """The 24-hour clock hour for a period, or None when the period leaves it open."""
    if hour > 12 or period is None:
        return hour if hour > 12 or hour == 0 else None
    if period in ("am", "morning"):
        return 0 if hour == 12 else hour
    if period in ("pm", "afternoon"):
        return hour if hour == 12 else hour + 12
    if period in ("evening", "night"):
        if hour == 12:
            return 0
        return hour if period == "night" and hour < 5 else hour + 12
    if period == "small_hours":
        return hour % 12
    if period == "noon":
        return hour if hour == 12 else hour + 12
    return hour


def moment(slots: dict[str, Any], now: datetime, *,
           prefer: Prefer = Prefer.DAYTIME) -> datetime | Failure:
    """The one moment the slots name, after `now` (a repeat's first occurrence is the
    caller's: see `next_on`)."""
    if "duration" in slots:
        return now + timedelta(seconds=float(slots["duration"]))
    if not has_time(slots):
        return Missing()
    said = clock_time(slots)
    if isinstance(said, BadTime):
        return said
    hour, minute, period = said
    day = slots.get("day")
    period = period or ("night" if day == "tonight" else None)
    fixed = hour_of_day(hour, period)
    first_day = start_day(slots, now)
    if isinstance(first_day, BadDate):
        return first_day
    if first_day is None:  # no day named: the next time it comes round
        hours = [fixed] if fixed is not None else [hour % 12, hour % 12 + 12]
        candidates = [datetime.combine(now.date() + timedelta(days=extra), time(h, minute))
                      for extra in (0, 1) for h in hours]
        return min(c for c in candidates if c > now)
    if fixed is None:
        fixed = _preferred(hour, prefer)
    when = datetime.combine(first_day, time(fixed, minute))
    if when <= now:
        if "weekday" in slots and "month" not in slots:
            return when + timedelta(days=7)
        return Past(when)
    return when


def _preferred(hour: int, prefer: Prefer) -> int:
    if prefer is Prefer.MORNING or hour >= 7:
        return 0 if hour == 12 and prefer is Prefer.MORNING else hour
    return hour + 12


def start_day(slots: dict[str, Any], now: datetime) -> date | BadDate | None:
    """The day named (None: no day was named)."""
    today = now.date()
    day = slots.get("day")
    if day in ("today", "tonight"):
        return today
    if day == "tomorrow":
        return today + timedelta(days=1)
    if day == "day_after_tomorrow":
        return today + timedelta(days=2)
    if "month" in slots:
        return calendar_date(slots, today)
    weekday = number(slots, "weekday")
    if weekday is not None:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    return None


def year_of(slots: dict[str, Any]) -> int | None:
    """The year said: `year`, or `century` and `year_in_century` ("nineteen ninety")."""
    year = number(slots, "year")
    century = number(slots, "century")
    if year is None and century is not None:
        year = century * 100 + (number(slots, "year_in_century") or 0)
    return year


def calendar_date(slots: dict[str, Any], today: date) -> date | BadDate:
    """The date of `month`, `day_of_month` and maybe a year; without a year, the next
    one to come (today included; February 29: of the next leap year)."""
    month = number(slots, "month") or 0
    day = number(slots, "day_of_month") or 1
    year = year_of(slots)
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return BadDate(month, day, year)
    if year is not None:
        if not 1 <= year <= 9999 or day > calendar.monthrange(year, month)[1]:
            return BadDate(month, day, year)
        return date(year, month, day)
    if day > (29 if month == 2 else calendar.monthrange(2001, month)[1]):
        return BadDate(month, day, None)
    for candidate in range(today.year, today.year + 9):
        if day <= calendar.monthrange(candidate, month)[1] and \
                date(candidate, month, day) >= today:
            return date(candidate, month, day)
    return BadDate(month, day, None)  # not reached: a leap year comes within eight


def repeat_days(slots: dict[str, Any]) -> tuple[int, ...]:
    """The weekdays a repeating alarm rings on (() = once)."""
    repeat = slots.get("repeat")
    if repeat in REPEATS:
        return REPEATS[str(repeat)]
    if repeat == "weekly":
        days = {number(slots, key) for key in ("weekday", "weekday2", "weekday3")}
        return tuple(sorted(d for d in days if d is not None and 0 <= d <= 6))
    return ()


def next_on(days: tuple[int, ...], hour: int, minute: int, after: datetime) -> datetime:
    """The first moment after `after` at hour:minute on one of `days` (weekdays)."""
    for extra in range(8):
        day = after.date() + timedelta(days=extra)
        when = datetime.combine(day, time(hour, minute))
        if day.weekday() in days and when > after:
            return when
    raise ValueError(f"no weekday in {days!r}")


def days_ahead(moment_: datetime, now: datetime) -> int:
    """0 for later today, 1 for tomorrow, ... (how a reply names the day)."""
    return (moment_.date() - now.date()).days

"""English numbers, times, dates, durations and units as words a voice reads right.

Replies never contain digits: "22°C" is read differently by every voice, "twenty-two
degrees" is not. Number words come from `unicode-rbnf` (CLDR rules, offline; hassil
already depends on it), so "391" becomes "three hundred ninety-one".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from unicode_rbnf import FormatPurpose, RbnfEngine


@lru_cache(maxsize=4)
def _engine(language: str) -> RbnfEngine:
    return RbnfEngine.for_language(language)


def number_words(value: float, *, decimals: int = 2, language: str = "en") -> str:
    """`value` in words, rounded to `decimals` places: 1.5 -> "one point five"."""
    if isinstance(value, float) and not math.isfinite(value):
        return "infinity" if not math.isnan(value) else "not a number"
    rounded = round(float(value), decimals)
    if rounded == 0:
        rounded = 0.0  # no "minus zero"
    magnitude = abs(rounded)
    number: int | float = int(magnitude) if magnitude.is_integer() else magnitude
    words = _engine(language).format_number(number).text
    return f"minus {words}" if rounded < 0 else words


def ordinal_words(value: int, *, language: str = "en") -> str:
    """1 -> "first", 22 -> "twenty-second"."""
    return _engine(language).format_number(value, purpose=FormatPurpose.ORDINAL).text


def year_words(year: int, *, language: str = "en") -> str:
    """2026 -> "twenty twenty-six", 2005 -> "two thousand five"."""
    return _engine(language).format_number(year, purpose=FormatPurpose.YEAR).text


def plural(count: float, singular: str, plural_form: str | None = None) -> str:
    """The unit form that goes with `count`: 1 -> "degree", 2 or 1.5 -> "degrees"."""
    return singular if count == 1 else (plural_form or f"{singular}s")


def quantity_words(value: float, singular: str, plural_form: str | None = None, *,
                   decimals: int = 2) -> str:
    """21 -> "twenty-one degrees", 1 -> "one degree", 0.5 -> "zero point five degrees"."""
    rounded = round(value, decimals)
    return f"{number_words(rounded, decimals=decimals)} {plural(rounded, singular, plural_form)}"


def join_words(items: Sequence[str], *, conjunction: str = "and") -> str:
    """["a"] -> "a"; ["a", "b", "c"] -> "a, b and c"."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def time_words(moment: datetime) -> str:
    """A clock time as spoken: "seven forty-five p.m.", "seven oh five a.m.", "noon"."""
    hour, minute = moment.hour, moment.minute
    if minute == 0 and hour == 12:
        return "noon"
    if minute == 0 and hour == 0:
        return "midnight"
    suffix = "a.m." if hour < 12 else "p.m."
    hour12 = hour % 12 or 12
    if minute == 0:
        return f"{number_words(hour12)} o'clock {suffix}"
    minute_part = number_words(minute)
    if minute < 10:
        minute_part = f"oh {minute_part}"
    return f"{number_words(hour12)} {minute_part} {suffix}"


def date_words(moment: datetime, *, with_year: bool = True) -> str:
    """"Tuesday, March fifth, twenty twenty-six"."""
    text = f"{moment.strftime('%A')}, {moment.strftime('%B')} {ordinal_words(moment.day)}"
    return f"{text}, {year_words(moment.year)}" if with_year else text


def duration_words(seconds: float, *, precise: bool = True) -> str:
    """8 min 30 s -> "eight minutes and thirty seconds".

    With `precise=False`, durations of an hour or more drop the seconds and durations
    of ten minutes or more round to whole minutes ("about" is the caller's choice).
    """
    total = max(0, round(seconds))
    if not precise and total >= 600:
        total = round(total / 60) * 60
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        quantity_words(amount, unit)
        for amount, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"),
                             (secs, "second"))
        if amount
    ]
    return join_words(parts) if parts else "zero seconds"


def amount_of_time_words(seconds: float) -> str:
    """A duration as people name it: 5400 -> "one and a half hours", 900 -> "fifteen
    minutes", 90 -> "one minute and thirty seconds"."""
    if seconds >= 3600 and seconds % 3600 == 1800 and seconds < 86400:
        return f"{number_words(seconds // 3600)} and a half hours"
    return duration_words(seconds)



WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
_SECOND_PERSON = {"i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
                  "i'm": "you're", "i've": "you've", "i'll": "you'll", "i'd": "you'd",
                  "am": "are", "we": "you", "us": "you", "our": "your", "ours": "yours",
                  "ourselves": "yourselves", "we're": "you're"}


def second_person(text: str) -> str:
    """What the user said, said back to them: "call my mum" -> "call your mum"."""
    return " ".join(_SECOND_PERSON.get(word.lower(), word) for word in str(text).split())


def without_weekday(text: str) -> str:
    """"Tuesday, March fifth" -> "March fifth" (a date said with `date_words`)."""
    head, comma, rest = text.partition(", ")
    return rest if comma and head in WEEKDAY_NAMES else text

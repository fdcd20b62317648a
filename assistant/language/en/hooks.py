"""English: the code hooks of the pack (the data is in pack.yaml, intents/ and
responses/ next to this file).

The filters say numbers, times, dates, durations and the few grammar points templates
cannot: "is" or "are" after a device name, "a" or "an", how a timer is named.
"""

from __future__ import annotations

import calendar
import re
from typing import Any

from assistant.language.en.numbers import parse_number
from assistant.language.en.text import normalize, sounds_finished, unfinished, words_of
from assistant.language.en.wording import (
    MONTH_NAMES,
    WEEKDAY_NAMES,
    amount_of_time_words,
    date_words,
    duration_words,
    join_words,
    number_words,
    ordinal_words,
    quantity_words,
    second_person,
    time_words,
    without_weekday,
    year_words,
)
from assistant.language.packs import default_tidy
from assistant.skills.math_units import rounded

__all__ = ["FILTERS", "match_key", "normalize", "parse_number", "sounds_finished", "tidy",
           "unfinished"]

match_key = words_of


def approx(value: float) -> str:
    """"about four hundred fifty-three point five nine" when rounded, else exact words."""
    shown, approximate = rounded(value)
    decimals = 12 if shown and abs(shown) < 1 else 2
    words = number_words(shown, decimals=decimals)
    return f"about {words}" if approximate else words


def is_are(thing: Any) -> str:
    """"are" after a plural name ("the blinds are"), else "is"."""
    return "are" if str(getattr(thing, "name", thing)).endswith("s") else "is"


def article(phrase: str) -> str:
    """"a pasta timer", "an eight minute timer", "a one minute timer"."""
    vowel = phrase[:1] in ("a", "e", "i", "o") and not phrase.startswith("one")
    return f"{'an' if vowel else 'a'} {phrase}"


def length_label(seconds: float) -> str:
    """"ten minute timer", or "timer for one hour and five minutes"."""
    length = amount_of_time_words(seconds)
    if " and " in length or "," in length:
        return f"timer for {length}"
    amount, _, unit = length.rpartition(" ")
    return f"{amount} {unit.removesuffix('s')} timer"


def timer_label(timer: Any) -> str:
    """"pasta timer", "ten minute timer", or "timer for one hour and five minutes"."""
    return f"{timer.name} timer" if timer.name else length_label(timer.duration_s)


def shown(value: float) -> float:
    """The value as `approx` says it (rounded), for choosing "gram" or "grams"."""
    return rounded(value)[0]


def tidy(text: str) -> str:
    """Single spaces, none before punctuation, a capital first letter, and one full stop
    where a time ends the sentence ("p.m..")."""
    text = default_tidy(text)
    return re.sub(r"(?<!\.)\.\.(?!\.)", ".", text)


def first_few(items: list[str], limit: int = 4, conjunction: str = "and") -> str:
    """Up to `limit` items read out, the rest counted: nobody listens to twenty."""
    items = list(items)
    if len(items) <= limit:
        return join_words(items, conjunction=conjunction)
    return join_words([*items[:limit], f"{number_words(len(items) - limit)} more"],
                      conjunction=conjunction)


def level(volume: float) -> str:
    """Volume as said on a zero-to-ten scale: 0.5 -> "five"."""
    return number_words(round(volume * 10, 1), decimals=1)


_PLURAL_COUNTRIES = frozenset({"Netherlands", "Philippines", "Bahamas", "Gambia", "Maldives",
                               "Seychelles", "Comoros", "Vatican"})


def the_country(name: str) -> str:
    """"the United States", "the Netherlands", but "Japan"."""
    words = name.split()
    needs = (words[:1] == ["United"] or name in _PLURAL_COUNTRIES
             or any(w in ("Republic", "Kingdom", "Islands", "Emirates") for w in words))
    return f"the {name}" if needs else name


def capitalize_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def pinyin(syllables: str) -> str:
    """CC-CEDICT's "ping2 guo3" as the English voice can say it: "ping guo" (the tone
    numbers are not words)."""
    return " ".join(re.sub(r"[1-5]$", "", s).replace("u:", "u") for s in syllables.split())


def days_in_month(month: int, year: int | None = None) -> int:
    """Days in `month` of `year` (of a leap year when no year is said)."""
    return calendar.monthrange(year or 2023, month)[1]  # no year: a common one


def weekday(moment: Any) -> str:
    return WEEKDAY_NAMES[moment.weekday()]


FILTERS = {
    "number": number_words, "ordinal": ordinal_words, "year": year_words,
    "quantity": quantity_words, "listing": join_words, "first_few": first_few,
    "time": time_words, "date": date_words, "duration": duration_words,
    "amount_of_time": amount_of_time_words, "approx": approx, "is_are": is_are,
    "article": article, "timer_label": timer_label, "length_label": length_label,
    "level": level, "shown": shown, "weekday": weekday,
    "day_name": lambda day: WEEKDAY_NAMES[int(day)],
    "month_name": lambda month: MONTH_NAMES[int(month) - 1],
    "days_in_month": days_in_month, "second_person": second_person,
    "without_weekday": without_weekday, "the_country": the_country,
    "capitalize_first": capitalize_first, "pinyin": pinyin,
}

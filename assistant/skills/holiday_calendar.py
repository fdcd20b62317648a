"""Holidays of a country by their spoken names, from the `holidays` library (python-
holidays: public and other holidays of 200+ countries, kept up to date by its project).

A name is found among the country's holidays of every category the library has for it
(the United States' "unofficial" ones include Halloween and Mother's Day), in the
language spoken where the library has it, and in English; then among a few days that
are the same everywhere (Christmas, New Year, Easter Sunday, Valentine's Day,
Halloween), which are taken from the library's United States calendar. Names are
compared word by word, without "day", "the" and the like, so "Christmas" finds
"Christmas Day" and "new year" finds "New Year's Day".
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)

#: The same everywhere: looked up in the library's United States calendar.
EVERYWHERE = ("Christmas Eve", "Christmas Day", "New Year's Eve", "New Year's Day",
              "Valentine's Day", "Halloween", "Easter Sunday")
#: An entry with a date in it is no holiday's own name (a working day moved: "Day off
#: (substituted from 01/04/2026)"); observed days are not asked of the library at all.
_NOT_A_NAME = re.compile(r"\d")
NAME_ALIKE = 0.75
"""A name heard this much like a holiday's (difflib's ratio, its words sorted) names it."""
_FILLER = {"day", "the", "s", "of", "holiday", "festival", "节", "日"}


@dataclass(frozen=True)
class Holiday:
    name: str
    """As the library names it, in the language spoken where it can."""
    day: date


def _words(text: str, fold: Callable[[str], str]) -> frozenset[str]:
    text = fold(text).lower().replace("'s", " ").replace("’s", " ")
    words = re.findall(r"[\w]+", text)
    if len(words) == 1 and not words[0].isascii():
        return frozenset({words[0]})
    return frozenset(w for w in words if w not in _FILLER)


class HolidayCalendar:
    """The holidays of `country` (and `subdivision`), names in `language` ("en_US",
    "zh_CN"; the library's default where it has not got it). `aliases` maps more
    spoken names to a name the library uses ("xmas" -> "Christmas Day")."""

    def __init__(self, country: str, *, subdivision: str | None = None,
                 language: str | None = None, fold: Callable[[str], str] = str,
                 aliases: Mapping[str, str] | None = None) -> None:
        self.country = country
        self._subdivision = subdivision
        self._language = language
        self._fold = fold
        self._aliases = {self._key(k): v for k, v in (aliases or {}).items()}

    def _key(self, text: str) -> str:
        return " ".join(sorted(_words(text, self._fold)))

    def find(self, spoken: str, *, after: date) -> Holiday | None:
        """The next holiday called `spoken` on or after `after` (within a year), or None."""
        wanted = _words(self._aliases.get(self._key(spoken), spoken), self._fold)
        if not wanted:
            return None
        for holidays in (list(self._days(after)), _everywhere(after)):
            best = [h for h in holidays if wanted == _words(h.name, self._fold)] or \
                [h for h in holidays if wanted <= _words(h.name, self._fold)]
            if best:
                return min(best, key=lambda h: h.day)
        return self._alike(wanted, [*self._days(after), *_everywhere(after)])

    def _alike(self, wanted: frozenset[str], holidays: list[Holiday]) -> Holiday | None:
        """The holiday whose name is most like the one heard ("new year stay" for "New
        Year's Day"), when one is alike enough."""
        said = " ".join(sorted(wanted))
        scored = [(difflib.SequenceMatcher(None, said, " ".join(sorted(
            _words(h.name, self._fold)))).ratio(), h) for h in holidays]
        best = max(scored, default=(0.0, None), key=lambda pair: pair[0])
        return best[1] if best[1] is not None and best[0] >= NAME_ALIKE else None

    def names(self, year: int) -> list[str]:
        """The country's holiday names this year (for the recognizer's hint)."""
        return sorted({h.name for h in self._days(date(year, 1, 1))})

    def _days(self, after: date) -> Iterator[Holiday]:
        seen: set[tuple[date, str]] = set()
        for language in dict.fromkeys([self._language, "en_US", None]):
            for day, name in _calendar(self.country, self._subdivision, language,
                                       (after.year, after.year + 1)):
                for part in str(name).split("; "):
                    if day >= after and (day - after).days <= 366 and \
                            not _NOT_A_NAME.search(part) and (day, part) not in seen:
                        seen.add((day, part))
                        yield Holiday(part, day)


def _everywhere(after: date) -> list[Holiday]:
    return [Holiday(name, day) for day, name in
            _calendar("US", None, "en_US", (after.year, after.year + 1))
            if name in EVERYWHERE and day >= after]


@lru_cache(maxsize=16)
def _calendar(country: str, subdivision: str | None, language: str | None,
              years: tuple[int, int]) -> tuple[tuple[date, str], ...]:
    """(day, name) of every holiday of every category the library has for the country."""
    import holidays

    try:
        kind: Any = holidays.country_holidays(country)
        categories = getattr(kind, "supported_categories", None) or ("public",)
        languages = getattr(kind, "supported_languages", ()) or ()
        found = holidays.country_holidays(
            country, subdiv=subdivision, years=range(years[0], years[1] + 1),
            categories=categories, language=language if language in languages else None,
            observed=False)
    except (NotImplementedError, KeyError, ValueError) as error:
        log.warning("no holidays for %s (%s)", country, error)
        return ()
    return tuple(sorted(found.items()))


def known_country(country: str) -> bool:
    """True when the library has holidays for the ISO code `country`."""
    import holidays

    return country in holidays.list_supported_countries()

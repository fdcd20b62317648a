"""The time elsewhere and the sun here: "what time is it in Tokyo", "what time is it in
Japan", "when is sunset", "when does the sun rise tomorrow in Oslo".

Places come from the city database (`assistant.places`, handed in as a `PlaceFinder`;
None when its data is not installed: the answer says which model to fetch). The sun is
computed by astral for the configured place (`place.*` in assistant.toml: `Here`), or
for a city named in the question; with no place configured the answer says how to set
one.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol

from assistant.intents import IntentMatch
from assistant.places import City, Country
from assistant.skills.base import Outcome, SkillResult, result

PLACES_MODEL = "geonames-cities15000"
ONE_ZONE_SHARE = 0.9
"""A country with this share of its people on its capital's clock is said as one zone."""


class PlaceFinder(Protocol):
    def find(self, spoken: str) -> City | Country | None: ...


@dataclass(frozen=True)
class Here:
    """The configured place: where the sun is computed."""

    latitude: float
    longitude: float
    zone: tzinfo
    name: str = ""


@dataclass(frozen=True)
class TimeIn(Outcome):
    place: str
    """The city's name in the database (English)."""
    asked: str
    moment: datetime
    """The time there (naive: the clock on the wall there)."""
    day_offset: int
    """-1: it is yesterday there, 1: tomorrow, 0: the same day as here."""


@dataclass(frozen=True)
class TimeInCountry(Outcome):
    country: str
    asked: str
    city: str
    """The city whose clock is read (the capital)."""
    moment: datetime
    day_offset: int
    several_zones: bool


@dataclass(frozen=True)
class UnknownPlace(Outcome):
    asked: str


@dataclass(frozen=True)
class NoPlaceData(Outcome):
    """The city database is not installed."""

    model: str


@dataclass(frozen=True)
class SunTime(Outcome):
    event: str
    """"sunrise" or "sunset"."""
    moment: datetime
    """Naive, on the clock of the place."""
    days_ahead: int
    place: str
    """The city asked about, or the configured place's name ("" when it has none)."""
    asked: str = ""
    """The city as it was asked for ("" for the configured place)."""


@dataclass(frozen=True)
class NoSunEvent(Outcome):
    """The sun neither rises nor sets that day there (polar day or night)."""

    event: str
    always_up: bool
    place: str
    asked: str = ""


@dataclass(frozen=True)
class PlaceNotSet(Outcome):
    """Sunrise or sunset asked with no place configured."""


class WorldClockSkill:
    intents = frozenset({"TimeInPlace", "SunTimes"})

    def __init__(self, *, wallclock: Callable[[], datetime], places: PlaceFinder | None,
                 here: Here | None, local_zone: tzinfo | None = None) -> None:
        """`local_zone`: the zone of the wall clock (None: the system's)."""
        self._wallclock = wallclock
        self._places = places
        self._here = here
        self._local_zone = local_zone

    def _instant(self) -> datetime:
        wall = self._wallclock()
        if self._local_zone is not None:
            return wall.replace(tzinfo=self._local_zone)
        return wall.astimezone()

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        if match.intent == "TimeInPlace":
            return result(match, self._time_in(str(match.slots.get("place", ""))))
        return result(match, self._sun(match.slots))

    def _find(self, asked: str) -> City | Country | Outcome:
        if self._places is None:
            return NoPlaceData(PLACES_MODEL)
        found = self._places.find(asked)
        return found if found is not None else UnknownPlace(asked)

    def _time_in(self, asked: str) -> Outcome:
        found = self._find(asked)
        if isinstance(found, Outcome):
            return found
        instant = self._instant()
        if isinstance(found, Country):
            if found.capital is None:
                return UnknownPlace(asked)
            there = instant.astimezone(zoneinfo.ZoneInfo(found.capital.timezone))
            return TimeInCountry(found.name, asked, found.capital.name,
                                 there.replace(tzinfo=None), _offset(there, instant),
                                 _several_zones(found, instant))
        there = instant.astimezone(zoneinfo.ZoneInfo(found.timezone))
        return TimeIn(found.name, asked, there.replace(tzinfo=None), _offset(there, instant))

    def _sun(self, slots: dict[str, object]) -> Outcome:
        event = str(slots.get("event", "sunrise"))
        days = 1 if slots.get("day") == "tomorrow" else 0
        if "place" in slots:
            found = self._find(str(slots["place"]))
            if isinstance(found, Outcome):
                return found
            city = found.capital if isinstance(found, Country) else found
            if city is None:
                return UnknownPlace(str(slots["place"]))
            here = Here(city.latitude, city.longitude, zoneinfo.ZoneInfo(city.timezone),
                        city.name)
        elif self._here is None:
            return PlaceNotSet()
        else:
            here = self._here
        day = self._instant().astimezone(here.zone).date() + timedelta(days=days)
        return sun_event(here, event, day, days, asked=str(slots.get("place", "")))


def sun_event(here: Here, event: str, day: date, days_ahead: int, *,
              asked: str = "") -> Outcome:
    """Sunrise or sunset at `here` on `day` (astral), or why there is none."""
    from astral import Observer
    from astral.sun import elevation, sunrise, sunset

    observer = Observer(latitude=here.latitude, longitude=here.longitude)
    try:
        found = (sunrise if event == "sunrise" else sunset)(observer, day, tzinfo=here.zone)
    except ValueError:
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=here.zone)
        return NoSunEvent(event, elevation(observer, noon) > 0, here.name, asked)
    return SunTime(event, found.replace(tzinfo=None, microsecond=0), days_ahead, here.name,
                   asked)


def _offset(there: datetime, here: datetime) -> int:
    local = here.astimezone(here.tzinfo)
    return (there.date() - local.date()).days


def _several_zones(country: Country, instant: datetime) -> bool:
    people = sum(count for _, count in country.zones)
    if not people or country.capital is None:
        return False
    clock = instant.astimezone(zoneinfo.ZoneInfo(country.capital.timezone)).utcoffset()
    same = sum(count for zone, count in country.zones
               if instant.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset() == clock)
    return same / people < ONE_ZONE_SHARE

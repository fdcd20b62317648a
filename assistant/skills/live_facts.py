"""Live facts, and no invented answers: weather, news, sports, prices, opening hours.

The assistant has no source for news, scores, prices or shops' hours: asked, it says so
in one short sentence (`NoLiveSource`) instead of letting the chat model make something
up. The weather has a source when one is handed in (`WeatherSource`: a Home Assistant
weather entity, see assistant/home); without one it says so too.

`WeatherSource` is the contract a weather backend implements: `report()` returns the
weather now and the days ahead, with Home Assistant's condition names ("sunny",
"rainy", "partlycloudy", ... : `CONDITIONS`), or raises `WeatherUnavailable`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from assistant.errors import AssistantError
from assistant.intents import IntentMatch
from assistant.skills.base import Outcome, SkillResult, result

#: Home Assistant's weather conditions (the phrasebooks have a word for each).
CONDITIONS = ("clear-night", "cloudy", "exceptional", "fog", "hail", "lightning",
              "lightning-rainy", "partlycloudy", "pouring", "rainy", "snowy", "snowy-rainy",
              "sunny", "windy", "windy-variant")
WET = frozenset({"rainy", "pouring", "lightning-rainy", "snowy-rainy", "hail"})
RAIN_LIKELY_PCT = 50.0
TOPICS = ("weather", "news", "sports", "prices", "opening_hours", "traffic")


class WeatherUnavailable(AssistantError):
    """The weather source could not be read just now."""


class NoWeatherHere(WeatherUnavailable):
    """The source has no weather after all (a home without a weather entity)."""


@dataclass(frozen=True)
class DayForecast:
    day: date
    condition: str | None
    high: float | None
    low: float | None
    precipitation_pct: float | None = None


@dataclass(frozen=True)
class WeatherReport:
    condition: str | None
    """One of CONDITIONS (None: not known)."""
    temperature: float | None
    unit: str = "celsius"
    """"celsius" or "fahrenheit": the unit of every temperature in the report."""
    humidity_pct: float | None = None
    forecast: tuple[DayForecast, ...] = ()
    """Today first, when the source has a daily forecast."""


class WeatherSource(Protocol):
    """Where the weather comes from (None: there is no source)."""

    def report(self) -> WeatherReport:
        """The weather now and the days ahead (raises WeatherUnavailable)."""
        ...


@dataclass(frozen=True)
class NoLiveSource(Outcome):
    """Asked for something live the assistant has no source for: said in one sentence."""

    topic: str
    """One of TOPICS."""


@dataclass(frozen=True)
class WeatherNow(Outcome):
    report: WeatherReport
    today: DayForecast | None


@dataclass(frozen=True)
class WeatherOn(Outcome):
    forecast: DayForecast
    days_ahead: int
    unit: str


@dataclass(frozen=True)
class NoForecast(Outcome):
    days_ahead: int


@dataclass(frozen=True)
class RainCheck(Outcome):
    rain: bool
    days_ahead: int
    chance_pct: float | None


@dataclass(frozen=True)
class WeatherNotAvailable(Outcome):
    """The weather source did not answer just now."""


class LiveFactsSkill:
    """Answers live questions from the sources it has, and says which it has not."""

    intents = frozenset({"WeatherGet", "RainGet", "NewsGet", "SportsGet", "PriceGet",
                         "OpeningHoursGet", "TrafficGet"})
    _TOPIC = {"NewsGet": "news", "SportsGet": "sports", "PriceGet": "prices",
              "OpeningHoursGet": "opening_hours", "TrafficGet": "traffic"}

    def __init__(self, *, wallclock: Callable[[], datetime],
                 weather: WeatherSource | None = None) -> None:
        self._wallclock = wallclock
        self._weather = weather

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        topic = self._TOPIC.get(match.intent)
        if topic is not None:
            return result(match, NoLiveSource(topic))
        if self._weather is None:
            return result(match, NoLiveSource("weather"))
        try:
            report = self._weather.report()
        except NoWeatherHere:
            return result(match, NoLiveSource("weather"))
        except WeatherUnavailable:
            return result(match, WeatherNotAvailable())
        days_ahead = {"tomorrow": 1, "day_after_tomorrow": 2}.get(
            str(match.slots.get("day", "")), 0)
        today = self._wallclock().date()
        ahead = {f.day: f for f in report.forecast}
        wanted = ahead.get(date.fromordinal(today.toordinal() + days_ahead))
        if match.intent == "RainGet":
            return result(match, _rain(report, wanted, days_ahead))
        if days_ahead == 0:
            return result(match, WeatherNow(report, wanted))
        if wanted is None:
            return result(match, NoForecast(days_ahead))
        return result(match, WeatherOn(wanted, days_ahead, report.unit))


def _rain(report: WeatherReport, day: DayForecast | None, days_ahead: int) -> Outcome:
    if day is None and days_ahead:
        return NoForecast(days_ahead)
    chance = day.precipitation_pct if day is not None else None
    wet = (days_ahead == 0 and report.condition in WET) or (
        day is not None and (day.condition in WET or (chance or 0) >= RAIN_LIKELY_PCT))
    return RainCheck(wet, days_ahead, chance)

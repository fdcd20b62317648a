"""Weather: "what's the weather like?", "will it rain tomorrow?", "how cold is it outside?".

The answer comes from a `WeatherSource` the assembly hands in: the home's weather entity
when the home is Home Assistant and has one (`assistant.home.weather.HomeWeather`), else
None, and then the honest reply that there is no source: the assistant never makes up
the weather, and never reaches a weather service itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from assistant.home.backend import HomeError
from assistant.home.model import Forecast
from assistant.home.weather import WeatherNow
from assistant.intents import IntentMatch
from assistant.skills.base import Outcome, SkillResult, result
from assistant.skills.home_targets import failure


class WeatherSource(Protocol):
    """Where the weather comes from (raises HomeError when it cannot be reached)."""

    name: str
    """The source, for the replies about reaching it ("homeassistant")."""

    def now(self) -> WeatherNow | None:
        """The weather now; None when the source has none after all."""
        ...

    def daily(self) -> tuple[Forecast, ...]:
        """The daily forecast, first day first (empty: none)."""
        ...


@dataclass(frozen=True)
class NoWeatherSource(Outcome):
    """Nothing to read the weather from: said honestly, never guessed."""


@dataclass(frozen=True)
class WeatherReport(Outcome):
    """The weather now: HA's condition word, degrees Celsius, percent humidity."""

    condition: str | None
    temperature: float | None
    humidity: float | None


@dataclass(frozen=True)
class WeatherForecast(Outcome):
    """One day's forecast: `day` is "today" or "tomorrow"; temperatures in Celsius."""

    day: str
    condition: str | None
    high: float | None
    low: float | None
    rain: float | None
    """Chance of rain, percent."""


@dataclass(frozen=True)
class NoForecast(Outcome):
    day: str


class WeatherSkill:
    """Answers weather questions from its source, if it has one."""

    intents = frozenset({"GetWeather"})

    def __init__(self, source: WeatherSource | None, *,
                 wallclock: Callable[[], datetime] = datetime.now) -> None:
        self._source = source
        self._wallclock = wallclock

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        source = self._source
        if source is None:
            return result(match, NoWeatherSource())
        day = match.slots.get("day")
        try:
            if day in ("today", "tomorrow"):
                return result(match, self._forecast(source, str(day)))
            weather = source.now()
        except HomeError as error:
            return result(match, failure(error, home=source.name, device=None))
        if weather is None:
            return result(match, NoWeatherSource())
        return result(match, WeatherReport(condition=weather.condition,
                                           temperature=weather.temperature,
                                           humidity=weather.humidity))

    def _forecast(self, source: WeatherSource, day: str) -> Outcome:
        wanted = self._wallclock().date() + timedelta(days=1 if day == "tomorrow" else 0)
        for period in source.daily():
            if _day_of(period) == wanted:
                return WeatherForecast(day=day, condition=period.condition, high=period.high,
                                       low=period.low, rain=period.precipitation_probability)
        if source.now() is None:
            return NoWeatherSource()
        return NoForecast(day=day)


def _day_of(period: Forecast) -> date | None:
    """The local date a forecast period starts on."""
    try:
        start = datetime.fromisoformat(period.time)
    except ValueError:
        return None
    return (start.astimezone() if start.tzinfo else start).date()

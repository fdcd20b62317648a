"""The home's weather entity as the weather skill's source.

Live questions about the weather are answered by `LiveFactsSkill` (skills/live_facts.py)
from a `WeatherSource`; this is the one the assembly hands in when the home is Home
Assistant and has a weather entity (`assistant.home.weather.HomeWeather`): the weather
now and the daily forecast, read from the home (never from a weather service). Without a
weather entity the skill says, honestly, that it has no source.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from assistant.home.backend import HomeError
from assistant.home.model import Forecast
from assistant.home.weather import WeatherNow
from assistant.skills.live_facts import (
    DayForecast,
    NoWeatherHere,
    WeatherReport,
    WeatherUnavailable,
)


class HomeForecasts(Protocol):
    """What `HomeWeather` offers (raises HomeError when the home cannot be reached)."""

    def now(self) -> WeatherNow | None:
        """The weather now; None when the home has no weather entity."""
        ...

    def daily(self) -> tuple[Forecast, ...]:
        """The daily forecast, first day first (empty: none)."""
        ...


class HomeWeatherSource:
    """A `live_facts.WeatherSource` over the home's weather entity (degrees Celsius)."""

    def __init__(self, weather: HomeForecasts) -> None:
        self._weather = weather

    def report(self) -> WeatherReport:
        try:
            now = self._weather.now()
            if now is None:
                raise NoWeatherHere("the home has no weather entity")
            days = self._weather.daily()
        except HomeError as error:
            raise WeatherUnavailable(str(error)) from error
        forecast = tuple(DayForecast(day, period.condition, period.high, period.low,
                                     period.precipitation_probability)
                         for period in days if (day := _day_of(period)) is not None)
        return WeatherReport(condition=now.condition, temperature=now.temperature,
                             unit="celsius", humidity_pct=now.humidity, forecast=forecast)


def _day_of(period: Forecast) -> date | None:
    """The local date a forecast period starts on."""
    try:
        start = datetime.fromisoformat(period.time)
    except ValueError:
        return None
    return (start.astimezone() if start.tzinfo else start).date()

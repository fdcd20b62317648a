"""A home's weather entity (Home Assistant's: Met.no, OpenWeatherMap ... as the user set it
up in HA) as the assistant's source for "what's the weather like?".

The state HA pushes gives the weather now (condition, temperature, humidity); HA's
`weather.get_forecasts` service gives the daily forecast, asked for when a question
needs it. Temperatures are degrees Celsius (a Fahrenheit house is converted by the
backend). The assistant itself never reaches a weather service: only the home it is
configured to talk to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from assistant.home import model
from assistant.home.backend import DeviceBackend, HomeAuthError, HomeRefused
from assistant.home.model import Forecast


@dataclass(frozen=True)
class WeatherNow:
    """The weather now, as the home's weather entity reports it."""

    condition: str | None
    """Home Assistant's condition word: sunny, rainy, partlycloudy, clear-night, ..."""
    temperature: float | None
    """Degrees Celsius."""
    humidity: float | None
    """Percent."""


class Forecasts(Protocol):
    """A backend that forecasts (Home Assistant's `WeatherSource`)."""

    def forecast(self, device_id: str, *, kind: str = "daily") -> tuple[Forecast, ...]: ...


class HomeWeather:
    """The weather entity of a home backend (the first exposed one, or `entity`)."""

    def __init__(self, backend: DeviceBackend, forecasts: Forecasts, *,
                 entity: str | None = None) -> None:
        self.name = backend.name
        self._backend = backend
        self._forecasts = forecasts
        self._entity = entity

    def _device(self) -> str | None:
        weather = sorted(d.id for d in self._backend.home().devices if d.kind == model.WEATHER)
        if self._entity is not None:
            return self._entity if self._entity in weather else None
        return weather[0] if weather else None

    def available(self) -> bool:
        """Whether the home has a weather entity to ask (now)."""
        return self._device() is not None

    def now(self) -> WeatherNow | None:
        """The weather now (None: the home has no weather entity). Raises HomeError."""
        device = self._device()
        if device is None:
            return None
        state = self._backend.state(device)
        condition = state.value if isinstance(state.value, str) else None
        return WeatherNow(condition=condition, temperature=state.current_temperature,
                          humidity=state.humidity)

    def daily(self) -> tuple[Forecast, ...]:
        """The daily forecast, first day first (empty: none). Raises HomeError."""
        device = self._device()
        if device is None:
            return ()
        try:
            return self._forecasts.forecast(device, kind="daily")
        except HomeAuthError:
            raise
        except HomeRefused:  # an entity that only forecasts hourly, or not at all
            return ()

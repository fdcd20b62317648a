"""English words: definitions and synonyms from WordNet 3.0.

Data: Debian's `wordnet-base` (Princeton's WordNet 3.0 database, WordNet 3.0 licence),
read from /usr/share/wordnet: index.* give a word's senses, most frequent first, data.*
each sense's words and gloss, *.exc the irregular forms ("mice" -> "mouse"). A few
dozen lines of format reading (wndb(5WN)) instead of nltk, whose reader wants a file
Debian does not ship and pulls in five packages; the detachment rules of morphy(7WN)
find the base form of a regular inflection ("cats" -> "cat", "running" -> "run").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from assistant.knowledge.facts import Fact, Name, Source

DEFAULT_FOLDER = Path("/usr/share/wordnet")
DATASET = "WordNet 3.0 (Debian wordnet-base)"
LICENCE = "WordNet 3.0 licence (Princeton University)"
POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
SCHEMA = """
CREATE TABLE wn_synset (id TEXT PRIMARY KEY, words TEXT, gloss TEXT);
CREATE TABLE wn_lemma (lemma TEXT, pos TEXT, rank INTEGER, synset TEXT);
CREATE TABLE wn_exception (form TEXT, pos TEXT, lemma TEXT);
"""
INDEXES = """
CREATE INDEX wn_lemma_key ON wn_lemma (lemma, pos, rank);
CREATE INDEX wn_exception_form ON wn_exception (form);
"""
_DETACH = {
    "n": (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"),
          ("shes", "sh"), ("men", "man"), ("ies", "y")),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""),
          ("ing", "e"), ("ing", "")),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}
"""morphy(7WN)'s detachment rules: (ending, replacement) per part of speech."""


def available(folder: Path = DEFAULT_FOLDER) -> bool:
    return all((folder / f"{kind}.{name}").is_file()
               for name in POS_FILES.values() for kind in ("index", "data"))


def build(db: sqlite3.Connection, folder: Path = DEFAULT_FOLDER) -> None:
    """Fill the WordNet tables from the database files in `folder`."""
    db.executescript(SCHEMA)
    for pos, name in POS_FILES.items():
        db.executemany("INSERT OR IGNORE INTO wn_synset VALUES (?, ?, ?)",
                       _synsets(folder / f"data.{name}", pos))
        db.executemany("INSERT INTO wn_lemma VALUES (?, ?, ?, ?)",
                       _lemmas(folder / f"index.{name}", pos))
        exceptions = folder / f"{name}.exc"
        if exceptions.is_file():
            db.executemany("INSERT INTO wn_exception VALUES (?, ?, ?)",
                           ((form, pos, lemma) for form, *lemmas in _lines(exceptions)
                            for lemma in lemmas))
    db.executescript(INDEXES)


def _lines(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if not line.startswith("  "):  # the licence header
                yield line.split()


def _synsets(path: Path, pos: str) -> Iterator[tuple[str, str, str]]:
    """(id, words joined by "|", gloss) of every synset of a data file."""
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if line.startswith("  "):
                continue
            fields, _, gloss = line.partition(" | ")
            parts = fields.split()
            count = int(parts[3], 16)
            words = [parts[4 + 2 * i].replace("_", " ") for i in range(count)]
            # adjective markers like "(p)" on a word are not part of it
            words = [w.split("(")[0] for w in words]
            yield f"{parts[0]}{pos}", "|".join(words), gloss.strip()


def _lemmas(path: Path, pos: str) -> Iterator[tuple[str, str, int, str]]:
    """(lemma, pos, rank, synset id): a word's senses, most frequent first."""
    for parts in _lines(path):
        lemma, pointers = parts[0].replace("_", " "), int(parts[3])
        count = int(parts[2])
        offsets = parts[6 + pointers:6 + pointers + count]
        for rank, offset in enumerate(offsets):
            yield lemma, pos, rank, f"{offset}{pos}"


class WordNet:
    """Definitions and synonyms from the knowledge database (see `build`)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def base_forms(self, word: str) -> list[tuple[str, str]]:
        """(lemma, pos) pairs WordNet knows for `word` (itself, an irregular form's base,
        or a regular inflection's), in the order tried."""
        word = " ".join(word.lower().split())
        found = [(word, pos) for pos in POS_FILES]
        found += [(lemma, pos) for lemma, pos in self._db.execute(
            "SELECT lemma, pos FROM wn_exception WHERE form = ?", (word,))]
        found += [(word[:-len(end)] + new, pos) for pos, rules in _DETACH.items()
                  for end, new in rules if word.endswith(end) and len(word) > len(end) + 1]
        return [pair for pair in dict.fromkeys(found) if self._senses(*pair, limit=1)]

    def _senses(self, lemma: str, pos: str, *, limit: int) -> list[tuple[str, str]]:
        return self._db.execute(
            "SELECT s.words, s.gloss FROM wn_lemma l JOIN wn_synset s ON s.id = l.synset "
            "WHERE l.lemma = ? AND l.pos = ? ORDER BY l.rank LIMIT ?",
            (lemma, pos, limit)).fetchall()

    def definition(self, word: str) -> Fact | None:
        """The most frequent sense's definition (without its examples); None for a word
        WordNet does not have."""
        forms = self.base_forms(word)
        if not forms:
            return None
        lemma, pos = forms[0]
        (_words, gloss), = self._senses(lemma, pos, limit=1)
        definition = gloss.split('; "')[0].strip().rstrip(";")
        return Fact(Name(lemma), "definition", definition,
                    Source(DATASET, f"{lemma} ({POS_FILES[pos]}, sense 1)", LICENCE),
                    unit=POS_FILES[pos])

    def synonyms(self, word: str) -> Fact | None:
        """Other words for the most frequent senses (up to five, most frequent first)."""
        forms = self.base_forms(word)
        if not forms:
            return None
        lemma, pos = forms[0]
        words: list[str] = []
        for synset_words, _gloss in self._senses(lemma, pos, limit=3):
            words += [w for w in synset_words.split("|")
                      if w.lower() != lemma and w.lower() not in (x.lower() for x in words)]
        if not words:
            return None
        return Fact(Name(lemma), "synonyms", tuple(Name(w) for w in words[:5]),
                    Source(DATASET, f"{lemma} ({POS_FILES[pos]})", LICENCE),
                    unit=POS_FILES[pos])

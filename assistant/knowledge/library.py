"""The knowledge library: one object over the database that answers typed queries.

`Knowledge.open` builds (first time) or opens the database; `fact` answers a `Query`
(what the question layer understood) with a `Fact`, `context` gives the encyclopedia
passages for an open question. Sessions of several rooms share one `Knowledge`: SQLite
connections are not for concurrent use, so every read holds a lock (reads take well
under a millisecond to a few ms).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.knowledge.cities import Cities
from assistant.knowledge.countries import Countries
from assistant.knowledge.database import KnowledgeSources, default_cache_dir, open_database
from assistant.knowledge.dictionary import Dictionary
from assistant.knowledge.elements import Elements
from assistant.knowledge.encyclopedia import Encyclopedia
from assistant.knowledge.facts import Fact, Passage
from assistant.knowledge.wordnet import WordNet


@dataclass(frozen=True)
class Query:
    """What a question asks: an intent of the knowledge templates and its slots, the
    entities already resolved (see `questions.py`)."""

    intent: str
    slots: Mapping[str, Any] = field(default_factory=dict)


class Knowledge:
    """Facts and passages from the offline data sets."""

    def __init__(self, db: sqlite3.Connection, sources: KnowledgeSources) -> None:
        self._db = db
        self._lock = threading.Lock()
        self.countries = Countries(db, geonames_version=sources.geonames_version,
                                   countryinfo_version=sources.countryinfo_version)
        self.cities = Cities(db, geonames_version=sources.geonames_version)
        self.elements = Elements(db, version=sources.periodictable_version)
        self.dictionary = Dictionary(db, version=sources.cedict_version)
        self.words = WordNet(db) if sources.wordnet is not None else None
        self.encyclopedia = (Encyclopedia(db, version=sources.summaries_version)
                             if sources.summaries is not None else None)

    @classmethod
    def open(cls, sources: KnowledgeSources, *, cache_dir: Path | None = None) -> Knowledge:
        """Open (building it the first time) the database of `sources`."""
        return cls(open_database(sources, cache_dir or default_cache_dir()), sources)

    @property
    def lock(self) -> threading.Lock:
        """Held around every use of the database (the question layer takes it too)."""
        return self._lock

    def fact(self, query: Query) -> Fact | None:
        """The fact `query` asks for; None when the data has no value for it."""
        slots = query.slots
        with self._lock:
            if query.intent == "PlaceFact":
                if "country" in slots:
                    return self.countries.fact(slots["country"], slots["relation"])
                return self.cities.fact(slots["city"], slots["relation"])
            if query.intent == "CountryExtreme":
                return self.countries.extreme(slots["measure"],
                                              largest=slots["extreme"] == "largest")
            if query.intent == "ElementFact":
                return self.elements.fact(slots["element"], slots["relation"])
            if query.intent == "WordDefinition" and self.words is not None:
                return self.words.definition(slots["word"])
            if query.intent == "WordSynonyms" and self.words is not None:
                return self.words.synonyms(slots["word"])
            if query.intent == "WordInChinese":
                return self.dictionary.in_chinese(slots["word"])
            if query.intent == "WordMeaning":
                return self.dictionary.meaning(slots["word"])
        return None

    def context(self, question: str, *, limit: int = 2) -> list[Passage]:
        """The encyclopedia passages that match `question` best (none without the
        encyclopedia)."""
        if self.encyclopedia is None:
            return []
        with self._lock:
            return self.encyclopedia.search(question, limit=limit)

    def close(self) -> None:
        with self._lock:
            self._db.close()

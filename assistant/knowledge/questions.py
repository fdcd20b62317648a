"""Which questions the data answers: the knowledge templates, their wildcards resolved.

The templates (intents/<language>.yaml) are matched by the language's own intent
recognizer (hassil, whole sentences only, never a guess); a wildcard slot is resolved
in the data by the intent's validator: {place} to a country (ISO code) or a city
(GeoNames id), {element} to an atomic number, {word} to a word WordNet or CC-CEDICT has.
A slot naming nothing known rejects the match, and the question goes on to the chat
model as if the templates were not there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from assistant.knowledge.facts import Fact
from assistant.knowledge.library import Knowledge, Query

COUNTRY_RELATIONS = frozenset({"capital", "population", "area", "currency", "languages",
                               "continent", "where"})
CITY_RELATIONS = frozenset({"country", "population", "location", "timezone", "where"})
WHERE = {"country": "continent", "city": "country"}
"""What "where is X" asks of a country (its continent) and of a city (its country)."""
MAX_WORDS = 4
"""A word slot longer than this is a sentence, not a word."""
_HAN = re.compile(r"[\u3400-\u9fff]")

Validator = Callable[[dict[str, Any]], "dict[str, Any] | None"]


class Matcher(Protocol):
    """What the knowledge layer needs of a language's intent recognizer."""

    def recognize(self, text: str) -> Any:
        """An object with `intent` and `slots`, or None."""
        ...


LoadTemplates = Callable[[Path, Mapping[str, Validator]], Matcher]
"""Loads a template file with the language's recognizer (e.g. `IntentRecognizer.load`)."""


def template_file(language: str) -> Path:
    """The shipped knowledge templates of `language`."""
    folder = resources.files("assistant") / "knowledge" / "intents"
    return Path(str(folder / f"{language}.yaml"))


@dataclass(frozen=True)
class Answer:
    """A question the data answered: what was understood, and the fact."""

    query: Query
    fact: Fact


class KnowledgeQuestions:
    """Understands the knowledge questions of one language and answers them from data."""

    def __init__(self, knowledge: Knowledge, load: LoadTemplates, *, language: str,
                 templates: Path | None = None) -> None:
        self._knowledge = knowledge
        validators: dict[str, Validator] = {
            "PlaceFact": self._place, "ElementFact": self._element,
            "WordDefinition": self._english_word, "WordSynonyms": self._english_word,
            "WordInChinese": self._english_to_chinese, "WordMeaning": self._chinese_word}
        self._matcher = load(templates or template_file(language), validators)

    @property
    def knowledge(self) -> Knowledge:
        """The data the questions are answered from."""
        return self._knowledge

    @property
    def intents(self) -> list[str]:
        """The intents of the templates (the questions the data answers)."""
        return list(getattr(self._matcher, "intent_names", []))

    def understand(self, text: str) -> Query | None:
        """The knowledge query `text` asks, or None (not a question the data answers)."""
        # as written only: a language that also matches by sound (Mandarin) would take
        # "世界上最大的海洋" (ocean) for "世界上最大的国家" (country) and state a wrong fact
        written = getattr(self._matcher, "recognize_written", self._matcher.recognize)
        match = written(text)
        if match is None:
            return None
        return Query(match.intent, dict(match.slots))

    def answer(self, text: str) -> Answer | None:
        """The fact that answers `text`; None when it is not a knowledge question or the
        data has no value for what it asks."""
        query = self.understand(text)
        if query is None:
            return None
        fact = self._knowledge.fact(query)
        return Answer(query, fact) if fact is not None else None

    def _place(self, slots: dict[str, Any]) -> dict[str, Any] | None:
        place, relation = str(slots.get("place", "")), slots.get("relation", "")
        with self._knowledge.lock:
            if relation in COUNTRY_RELATIONS and (code := self._knowledge.countries.find(place)):
                return {"country": code, "relation": _where(relation, "country")}
            if relation in CITY_RELATIONS and (city := self._knowledge.cities.find(place)):
                return {"city": city, "relation": _where(relation, "city")}
        return None

    def _element(self, slots: dict[str, Any]) -> dict[str, Any] | None:
        spoken = str(slots.get("element", ""))
        relation = slots.get("relation", "")
        with self._knowledge.lock:
            number = (int(spoken) if spoken.isdigit() and relation == "name"
                      else self._knowledge.elements.find(spoken))
        if number is None or not 1 <= number <= 118:
            return None
        return {"element": number, "relation": relation}

    def _english_word(self, slots: dict[str, Any]) -> dict[str, Any] | None:
        word = _word(slots)
        words = self._knowledge.words
        if not word or words is None:
            return None
        with self._knowledge.lock:
            return {"word": word} if words.base_forms(word) else None

    def _english_to_chinese(self, slots: dict[str, Any]) -> dict[str, Any] | None:
        word = _word(slots)
        if not word or _HAN.search(word):
            return None
        with self._knowledge.lock:
            found = self._knowledge.dictionary.in_chinese(word)
        return {"word": word} if found is not None else None

    def _chinese_word(self, slots: dict[str, Any]) -> dict[str, Any] | None:
        word = _word(slots).replace(" ", "")
        if not word or not _HAN.search(word):
            return None
        with self._knowledge.lock:
            found = self._knowledge.dictionary.meaning(word)
        return {"word": word} if found is not None else None


def _where(relation: str, kind: str) -> str:
    return WHERE[kind] if relation == "where" else relation


def _word(slots: Mapping[str, Any]) -> str:
    """The word slot without quotes and articles ("a dog" -> "dog"); "" when too long."""
    word = " ".join(str(slots.get("word", "")).strip("\"' ").split())
    word = re.sub(r"^(?:a|an|the|to)\s+", "", word)
    return word if 0 < len(word.split()) <= MAX_WORDS else ""

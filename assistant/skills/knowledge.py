"""The knowledge skill: questions the offline data answers exactly (a country's capital,
population, currency, a city's country, a chemical element, an English word's meaning or
synonyms, a word in Chinese and back) are answered from it like a command, never by the
chat model, with the data set and entry as the answer's source.

The questions are understood by the knowledge templates (`assistant.knowledge.questions`):
`WithKnowledge` tries them after the language's own commands, and only when the data has
the value asked for, so anything else still goes on to the chat model. The data may still
be opening (its database is built on the first start): until `Shelf` holds it, the
skill is simply not there.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

from assistant.intents import IntentMatch
from assistant.knowledge import Fact, Query
from assistant.knowledge.questions import KnowledgeQuestions
from assistant.skills.base import Outcome, SkillResult, result
from assistant.skills.origin import DATA, Origin

KNOWLEDGE_INTENTS = frozenset({"PlaceFact", "CountryExtreme", "ElementFact", "WordDefinition",
                               "WordSynonyms", "WordInChinese", "WordMeaning"})
ROUND_ABOVE = 10_000
"""Counts and areas above this are said rounded to three significant digits."""


@dataclass(frozen=True)
class FactAnswer(Outcome):
    """A fact from the offline data: `fact.relation` of `fact.subject` is `fact.value`
    (in `fact.unit`). `amount`: a large number rounded for saying ("about 67 million"),
    None when the value is not one."""

    fact: Fact
    amount: float | None = None

    def origin_of(self, intent: str) -> Origin:
        source = self.fact.source
        return Origin(DATA, intent, dataset=source.dataset, entry=source.entry,
                      licence=source.licence)


@dataclass(frozen=True)
class FactMissing(Outcome):
    """The data no longer has the value the question asked for (it was understood, but
    the entry is empty)."""


def spoken_amount(value: Any) -> float | None:
    """A large count or area rounded to three significant digits (None: not one)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) < ROUND_ABOVE:
        return None
    digits = 3 - int(math.floor(math.log10(abs(value)))) - 1
    return float(round(value, digits))


class Shelf:
    """The knowledge questions of one language, once the data is open: set by whoever
    opens it (at start-up, or later from the thread that builds the database)."""

    def __init__(self, questions: KnowledgeQuestions | None = None, *,
                 closes: bool = True) -> None:
        """`closes=False`: the data is not this shelf's to close (the tests share it)."""
        self._questions = questions
        self._ready = threading.Event()
        self._closes = closes
        self._closed = False
        if questions is not None:
            self._ready.set()

    def put(self, questions: KnowledgeQuestions) -> None:
        self._questions = questions
        self._ready.set()
        if self._closed and self._closes:  # the program ended while the data was opening
            questions.knowledge.close()

    def close(self) -> None:
        """Close the data (shared by every language's shelf: closing twice is fine)."""
        self._closed = True
        if self._questions is not None and self._closes:
            self._questions.knowledge.close()

    def get(self) -> KnowledgeQuestions | None:
        """The questions, or None while the data is not open yet."""
        return self._questions

    def wait(self, timeout_s: float | None = None) -> bool:
        """Until the data is open (True) or `timeout_s` passed (False)."""
        return self._ready.wait(timeout_s)


class KnowledgeSkill:
    """Answers the knowledge intents from the data (see the module)."""

    intents = KNOWLEDGE_INTENTS

    def __init__(self, shelf: Shelf) -> None:
        self._shelf = shelf

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        questions = self._shelf.get()
        fact = (questions.knowledge.fact(Query(match.intent, dict(match.slots)))
                if questions is not None else None)
        if fact is None:
            return result(match, FactMissing())
        return result(match, FactAnswer(fact, spoken_amount(fact.value)))


class WithKnowledge:
    """The language's intent recognizer, then the knowledge questions: a command is
    matched as written first, then a question the data answers, then (a language that
    matches by sound) the command by sound."""

    def __init__(self, intents: Any, shelf: Shelf) -> None:
        self._intents = intents
        self._shelf = shelf

    @property
    def intent_names(self) -> list[str]:
        questions = self._shelf.get()
        extra = questions.intents if questions is not None else []
        return [*self._intents.intent_names, *extra]

    def recognize_written(self, text: str) -> IntentMatch | None:
        written = getattr(self._intents, "recognize_written", self._intents.recognize)
        return written(text) or self._question(text)

    def recognize(self, text: str) -> IntentMatch | None:
        return self.recognize_written(text) or self._intents.recognize(text)

    def _question(self, text: str) -> IntentMatch | None:
        questions = self._shelf.get()
        answer = questions.answer(text) if questions is not None else None
        if answer is None:
            return None
        return IntentMatch(answer.query.intent, dict(answer.query.slots), text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._intents, name)

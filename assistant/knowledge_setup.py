"""Part of the composition root: the offline knowledge from the configuration and the
model store, opened once for every language spoken.

The data is opened in a thread while the other engines load (reading the templates and
the packages' data takes about a second), and the assembly waits for it before
listening starts; the first start after the data was fetched or updated builds the
database (several seconds), and then listening does not wait: until it is ready, the
questions it would answer go to the chat model. Data that is not installed
(`geonames-cities15000` not fetched, the `knowledge` packages missing) leaves the
knowledge skill out, with one notice in the log; it never stops the assistant.
`skills.knowledge` turns the skill off, `llm.passages` the encyclopedia passages in the
chat model's prompt.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Config
from assistant.errors import AssistantError
from assistant.knowledge import Knowledge, Passage
from assistant.knowledge.database import (
    GEONAMES_ID,
    SUMMARIES_ID,
    KnowledgeSources,
    database_path,
    default_cache_dir,
)
from assistant.knowledge.grounding import Grounding, GroundingSettings
from assistant.knowledge.questions import KnowledgeQuestions
from assistant.language import Language
from assistant.models import ModelStore
from assistant.skills.knowledge import Shelf

log = logging.getLogger(__name__)

RETRIEVED = 3
"""Passages retrieved per open question before the subject check picks `llm.passages`."""


@dataclass
class KnowledgeParts:
    """What the knowledge gives each language: its shelf of questions (None: no skill)
    and the grounding of the chat model's open questions (None: no passages)."""

    shelves: dict[str, Shelf] = field(default_factory=dict)
    grounding: Grounding | None = None
    opening: threading.Thread | None = None
    """The thread opening the data (None: opened already, or nothing to open)."""
    building: bool = False
    """The database is being built (a first start with this data: several seconds)."""

    def settle(self) -> None:
        """Wait for the data to open, unless its database is being built (then its
        questions go to the chat model until it is ready)."""
        if self.opening is not None and not self.building:
            self.opening.join()


def knowledge_parts(config: Config, languages: Sequence[Language], store: ModelStore, *,
                    cache_dir: Path | None = None, background: bool = True) -> KnowledgeParts:
    """Open the knowledge for `languages` (see the module); empty parts when it is off or
    not installed. `background=False`: a database to build is built before returning (a
    one-off question must not miss it)."""
    passages = config.llm.passages
    if not config.skills.knowledge and passages == 0:
        return KnowledgeParts()
    try:
        sources = KnowledgeSources.from_store(store)
    except AssistantError as error:
        log.warning("no answers from offline data: %s (then: assistant models fetch %s)",
                    error, GEONAMES_ID)
        return KnowledgeParts()
    shelves = {language.code: Shelf() for language in languages}
    parts = KnowledgeParts(shelves=shelves if config.skills.knowledge else {})
    if passages > 0 and sources.summaries is not None:
        parts.grounding = Grounding(_retrieve(list(shelves.values())),
                                    settings=GroundingSettings(passages=passages))
    elif passages > 0:
        log.info("no encyclopedia passages for open questions: assistant models fetch %s",
                 SUMMARIES_ID)
    cache = cache_dir or default_cache_dir()

    def open_all() -> None:
        knowledge = _open(sources, cache)
        if knowledge is not None:
            for language in languages:
                shelves[language.code].put(questions_of(knowledge, language))

    parts.building = not database_path(sources, cache).is_file()
    if not background:
        open_all()
        return parts
    if parts.building:
        log.info("building the knowledge database (first start with this data)")
    parts.opening = threading.Thread(target=open_all, name="knowledge", daemon=True)
    parts.opening.start()
    return parts


def questions_of(knowledge: Knowledge, language: Language) -> KnowledgeQuestions:
    """The knowledge questions of `language`, matched the way it matches its commands."""
    return KnowledgeQuestions(knowledge, lambda path, checks: language.load_intents(
        path, {}, checks), language=language.code)


def _open(sources: KnowledgeSources, cache: Path) -> Knowledge | None:
    try:
        return Knowledge.open(sources, cache_dir=cache)
    except (AssistantError, OSError, sqlite3.Error, ValueError, KeyError) as error:
        log.warning("no answers from offline data: the knowledge database could not be "
                    "opened (%s); python -m assistant.knowledge rebuilds it", error)
        return None


def _retrieve(shelves: list[Shelf]) -> Callable[[str], list[Passage]]:
    """The passages for a question, once the data is open (none before)."""

    def retrieve(question: str) -> list[Passage]:
        questions = next((s.get() for s in shelves if s.get() is not None), None)
        if questions is None:
            return []
        return questions.knowledge.context(question, limit=RETRIEVED)

    return retrieve

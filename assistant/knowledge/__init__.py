"""Offline knowledge: answers from data before the chat model guesses.

Structured facts (countries, cities, chemical elements, English words, Mandarin-English
words) come from well-kept packages, read into one SQLite database (`database.py`);
`questions.py` understands which questions they answer and returns a typed `Fact` with
its source, never a sentence (a language pack words it). For open questions, the
encyclopedia's best-matching summaries (`Knowledge.context`) go into the chat model's
prompt so that it rephrases a source instead of its memory.
"""

from assistant.knowledge.facts import Fact, KnowledgeError, Name, Passage, Source
from assistant.knowledge.library import Knowledge, Query

__all__ = ["Fact", "Knowledge", "KnowledgeError", "Name", "Passage", "Query", "Source"]

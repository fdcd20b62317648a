"""Lists: shopping and to-do by default, and any list the user makes; add several items
at once ("milk and eggs"), remove, read, count, check, clear (after a yes), make and
delete lists.

The skill works on a `ListStore` it is handed (a saved file, or later a Home Assistant
to-do list). Items are compared without case and without a plural "s", so "eggs" is
already there when "egg" is; how a language joins several items ("and", "和") and
which leading words are no part of an item ("some", "a") come from its pack.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.intents import IntentMatch
from assistant.skills.base import WANTS_TEXT, Ask, Confirmations, Outcome, SkillResult, result
from assistant.skills.list_store import DEFAULT_LISTS, ListStore, ListStoreError

MAX_ITEMS = 500
"""A list holds at most this many items (a longer saved list is kept and read)."""
MAX_NEW_ITEMS = 20
MAX_NAME_CHARS = 24
"""A list's name is a few words (longer: the template matched a whole sentence)."""


@dataclass(frozen=True)
class ListWords:
    """How a language says several items and what is no part of one."""

    separators: tuple[str, ...] = (",", " and ", " & ")
    strip_leading: frozenset[str] = frozenset()
    strip_trailing: frozenset[str] = frozenset()
    max_words: int = 6
    """An item longer than this is not an item (the template matched something else)."""

    def split(self, text: str) -> list[str]:
        pattern = "|".join(re.escape(s) for s in sorted(self.separators, key=len, reverse=True))
        parts = re.split(pattern, f" {text} ") if pattern else [text]
        return [item for item in (self.clean(part) for part in parts) if item]

    def clean(self, text: str) -> str:
        words = text.split()
        while words and words[0].lower() in self.strip_leading:
            words.pop(0)
        while words and words[-1].lower() in self.strip_trailing:
            words.pop()
        return " ".join(words)


_LIST_MARKS = ",，、;；"


def as_said(slot: str, text: str) -> str:
    """The items as the transcript wrote them, commas included ("milk, eggs and bread",
    "牛奶、鸡蛋和面包"): the slot was matched on normalized text, which has none."""
    letters = [ch for ch in slot if not ch.isspace()]
    if not letters or not any(mark in text for mark in _LIST_MARKS):
        return slot
    pattern = f"[\\s{_LIST_MARKS}]*".join(re.escape(ch) for ch in letters)
    found = re.search(pattern, text.lower())
    return found.group(0) if found else slot


def _key(text: str) -> str:
    return " ".join(text.casefold().split()).removesuffix("es").removesuffix("s")


def same(one: str, other: str) -> bool:
    """"Eggs" and "egg", "Milk" and "milk" are the same item."""
    return _key(one) == _key(other)


CLOSE = 0.75
"""How alike (difflib's ratio) an item must be to one on the list to be taken for it when
none is the same: the recognizer heard "better" for "butter", or "red" for "bread"."""


def closest(item: str, items: Sequence[str]) -> str | None:
    """The item of `items` that `item` is (the same, else the one most alike above CLOSE)."""
    for have in items:
        if same(item, have):
            return have
    scored = [(difflib.SequenceMatcher(None, _key(item), _key(have)).ratio(), have)
              for have in items]
    best = max(scored, default=(0.0, ""))
    return best[1] if best[0] >= CLOSE else None


@dataclass(frozen=True)
class ItemsAdded(Outcome):
    list: str
    added: tuple[str, ...]
    already: tuple[str, ...] = ()
    """Items that were on the list already (not added twice)."""


@dataclass(frozen=True)
class ItemsAlreadyThere(Outcome):
    list: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class ItemsRemoved(Outcome):
    list: str
    removed: tuple[str, ...]
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemsNotThere(Outcome):
    list: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class ListContents(Outcome):
    list: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class ListEmpty(Outcome):
    list: str


@dataclass(frozen=True)
class ListCount(Outcome):
    list: str
    count: int


@dataclass(frozen=True)
class ItemCheck(Outcome):
    list: str
    item: str
    there: bool


@dataclass(frozen=True)
class ListNotFound(Outcome):
    list: str
    lists: tuple[str, ...]


@dataclass(frozen=True)
class CreateListQuestion(Outcome):
    """"Add tent to my camping list" with no camping list: asks to make it."""

    list: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class ListCreated(Outcome):
    list: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListExists(Outcome):
    list: str


@dataclass(frozen=True)
class ClearListQuestion(Outcome):
    list: str
    count: int


@dataclass(frozen=True)
class ListCleared(Outcome):
    list: str
    count: int


@dataclass(frozen=True)
class DeleteListQuestion(Outcome):
    list: str
    count: int


@dataclass(frozen=True)
class ListDeleted(Outcome):
    list: str


@dataclass(frozen=True)
class ListKept(Outcome):
    """The answer to a clear, delete or make question was no."""

    list: str


@dataclass(frozen=True)
class DefaultListStays(Outcome):
    list: str


@dataclass(frozen=True)
class ListFull(Outcome):
    list: str
    limit: int


@dataclass(frozen=True)
class ListNeedsItem(Outcome):
    """"Add to my shopping list" without an item: asks what."""

    list: str


@dataclass(frozen=True)
class ListsListing(Outcome):
    lists: tuple[str, ...]


@dataclass(frozen=True)
class ListsUnavailable(Outcome):
    """The store could not be read or changed."""


@dataclass
class ListSkill:
    """The lists intents over one store; yes/no questions through `confirmations`."""

    store: ListStore
    confirmations: Confirmations
    words: ListWords = field(default_factory=ListWords)
    intents: frozenset[str] = frozenset({
        "ListAdd", "ListRemove", "ListRead", "ListCount", "ListCheck", "ListClear",
        "ListCreate", "ListDelete", "ListShowAll"})

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        try:
            return self._handle(match, now)
        except ListStoreError:
            return result(match, ListsUnavailable())

    def _handle(self, match: IntentMatch, now: float) -> SkillResult:
        name = str(match.slots.get("list", DEFAULT_LISTS[0]))
        if match.intent == "ListShowAll":
            return result(match, ListsListing(tuple(self.store.names())))
        if match.intent == "ListCreate":
            if self.store.items(name) is not None:
                return result(match, ListExists(name))
            self.store.create(name)
            return result(match, ListCreated(name))
        items = self.store.items(name)
        wanted = self.words.split(as_said(str(match.slots.get("items", "")), match.text))
        if items is None:
            return self._missing(match, name, wanted, now)
        if match.intent == "ListAdd":
            return self._add(match, name, items, wanted)
        if match.intent in ("ListRemove", "ListCheck") and not wanted:
            return result(match, ListContents(name, tuple(items)) if items else ListEmpty(name))
        if match.intent == "ListRemove":
            return result(match, self._remove(name, items, wanted))
        if match.intent == "ListCheck":
            found = closest(wanted[0], items)
            return result(match, ItemCheck(name, found or wanted[0], found is not None))
        if match.intent == "ListCount":
            return result(match, ListCount(name, len(items)))
        if match.intent in ("ListClear", "ListDelete"):
            return self._clear_or_delete(match, name, items, now)
        return result(match, ListContents(name, tuple(items)) if items else ListEmpty(name))

    def _missing(self, match: IntentMatch, name: str, wanted: list[str],
                 now: float) -> SkillResult:
        lists = tuple(self.store.names())
        if match.intent != "ListAdd" or not wanted:
            return result(match, ListNotFound(name, lists))

        def create() -> list[Outcome]:
            self.store.create(name)
            self.store.add(name, wanted[:MAX_NEW_ITEMS])
            return [ListCreated(name, tuple(wanted[:MAX_NEW_ITEMS]))]
        return self.confirmations.ask(match, CreateListQuestion(name, tuple(wanted)),
                                      accept=create, refusal=ListKept(name), now=now)

    def _add(self, match: IntentMatch, name: str, items: list[str],
             wanted: list[str]) -> SkillResult:
        if not wanted:
            def resume(answer: IntentMatch) -> SkillResult:
                return self._handle(IntentMatch("ListAdd", {"list": name, "items": answer.text},
                                                answer.text), 0.0)
            return result(match, ListNeedsItem(name), ask=Ask(WANTS_TEXT, resume))
        new: list[str] = []
        for item in wanted[:MAX_NEW_ITEMS]:
            if not any(same(item, have) for have in [*items, *new]):
                new.append(item)
        already = tuple(i for i in wanted if i not in new)
        if not new:
            return result(match, ItemsAlreadyThere(name, already))
        if len(items) + len(new) > MAX_ITEMS:
            return result(match, ListFull(name, MAX_ITEMS))
        self.store.add(name, new)
        return result(match, ItemsAdded(name, tuple(new), already))

    def _remove(self, name: str, items: list[str], wanted: Sequence[str]) -> Outcome:
        chosen = {item: closest(item, items) for item in wanted}
        found = [have for have in items if have in chosen.values()]
        missing = tuple(item for item, have in chosen.items() if have is None)
        if not found:
            return ItemsNotThere(name, missing)
        self.store.remove(name, found)
        return ItemsRemoved(name, tuple(found), missing)

    def _clear_or_delete(self, match: IntentMatch, name: str, items: list[str],
                         now: float) -> SkillResult:
        count = len(items)
        if match.intent == "ListDelete":
            if name in DEFAULT_LISTS:
                return result(match, DefaultListStays(name))

            def delete() -> list[Outcome]:
                self.store.delete(name)
                return [ListDeleted(name)]
            return self.confirmations.ask(match, DeleteListQuestion(name, count),
                                          accept=delete, refusal=ListKept(name), now=now)
        if not items:
            return result(match, ListEmpty(name))

        def clear() -> list[Outcome]:
            self.store.clear(name)
            return [ListCleared(name, count)]
        return self.confirmations.ask(match, ClearListQuestion(name, count), accept=clear,
                                      refusal=ListKept(name), now=now)


def list_slot_validator(words: ListWords) -> Any:
    """Cleans a wildcard list name ("my camping" -> "camping"); rejects one that is too
    long to be a name (the template matched something else)."""
    def validate(slots: dict[str, Any]) -> dict[str, Any] | None:
        if "list" in slots:
            name = words.clean(str(slots["list"])).lower()
            if not name or len(name.split()) > 3 or len(name) > MAX_NAME_CHARS:
                return None
            slots["list"] = name
        if "items" in slots:
            items = words.split(str(slots["items"]))
            if not items or any(len(i.split()) > words.max_words for i in items):
                return None
        return slots

    return validate

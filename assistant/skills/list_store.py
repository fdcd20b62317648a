"""Where the lists are kept: `ListStore`, the few things the lists skill asks of a store,
and `SavedLists`, the store of a saved file. A Home Assistant to-do list can back the
lists through the same Protocol (the skill is handed a store; the assembly picks it).

List names are keys ("shopping", "todo", "packing"); items are kept as said, in the
order they were added. The two default lists always exist.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from assistant import saved_json
from assistant.errors import AssistantError
from assistant.saved_json import SetAside

log = logging.getLogger(__name__)

DEFAULT_LISTS = ("shopping", "todo")
VERSION = 1
MAX_LISTS = 50
MAX_ITEM_CHARS = 100


class ListStoreError(AssistantError):
    """A list could not be read or changed (the store is unreachable, or cannot save)."""


class ListStore(Protocol):
    """The lists of the house. Every method may raise ListStoreError."""

    def names(self) -> list[str]:
        """Every list's name, the default lists first."""
        ...

    def items(self, name: str) -> list[str] | None:
        """The items of list `name`, in order; None when there is no such list."""
        ...

    def create(self, name: str) -> None: ...

    def delete(self, name: str) -> None: ...

    def add(self, name: str, items: Sequence[str]) -> None:
        """Append `items` to list `name` (which exists)."""
        ...

    def remove(self, name: str, items: Sequence[str]) -> None:
        """Take `items` (as `items` spells them) off list `name`."""
        ...

    def clear(self, name: str) -> None: ...


class SavedLists:
    """The lists in a saved JSON file (`path=None`: in memory), saved after each change."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._lists: dict[str, list[str]] = {name: [] for name in DEFAULT_LISTS}
        self.problem: SetAside | None = None
        if path is not None:
            loaded = saved_json.load(path, versions=range(VERSION, VERSION + 1),
                                     parse=_parse)
            self.problem = loaded.set_aside
            if loaded.set_aside is not None and loaded.set_aside.kept_as is None:
                self._path = None  # never write over a file that could not be moved aside
            self._lists.update(loaded.value or {})

    def names(self) -> list[str]:
        with self._lock:
            return list(self._lists)

    def items(self, name: str) -> list[str] | None:
        with self._lock:
            found = self._lists.get(name)
            return list(found) if found is not None else None

    def create(self, name: str) -> None:
        with self._lock:
            if len(self._lists) >= MAX_LISTS:
                raise ListStoreError(f"there are {MAX_LISTS} lists already")
            self._lists.setdefault(name, [])
            self._save()

    def delete(self, name: str) -> None:
        with self._lock:
            self._lists.pop(name, None)
            self._save()

    def add(self, name: str, items: Sequence[str]) -> None:
        with self._lock:
            self._lists[name].extend(item[:MAX_ITEM_CHARS] for item in items)
            self._save()

    def remove(self, name: str, items: Sequence[str]) -> None:
        with self._lock:
            gone = set(items)
            self._lists[name] = [item for item in self._lists[name] if item not in gone]
            self._save()

    def clear(self, name: str) -> None:
        with self._lock:
            self._lists[name] = []
            self._save()

    def _save(self) -> None:
        if self._path is None:
            return
        try:
            saved_json.save(self._path, {"lists": self._lists}, version=VERSION)
        except saved_json.SavedFileError as error:
            raise ListStoreError(str(error)) from None


def _parse(data: dict[str, Any], version: int) -> dict[str, list[str]]:
    lists = data["lists"]
    if not isinstance(lists, dict):
        raise ValueError("'lists' is not an object")
    parsed: dict[str, list[str]] = {}
    for name, items in lists.items():
        if not isinstance(name, str) or not name.strip() or not isinstance(items, list) \
                or not all(isinstance(item, str) for item in items):
            raise ValueError(f"list {name!r} is not a list of texts")
        parsed[name] = list(items)
    return parsed

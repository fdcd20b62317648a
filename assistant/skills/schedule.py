"""The house's alarms and reminders: entries due at a moment on the wall clock, each
remembering the room (session) that set it, kept in one saved file per kind.

One `Book` per kind is shared by every session; a session asks for what is due in its
own room. The file is rewritten (atomically, owner-only, with a version) after every
change; one that cannot be read is set aside and reported, and the book starts empty.
An entry found more than `late_s` past its moment (the assistant was off, or its room
was not connected) is *missed*: it is taken out of the book (a repeating alarm moves
on to its next day) and handed back once, so the room hears about it once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from assistant import saved_json
from assistant.saved_json import SavedFileError, SetAside

log = logging.getLogger(__name__)

VERSION = 1


class Entry(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def at(self) -> datetime: ...

    @property
    def room(self) -> str: ...


E = TypeVar("E", bound=Entry)


@dataclass(frozen=True)
class Codec(Generic[E]):
    """How one kind of entry is written to and read from its file."""

    kind: str
    """"alarms", "reminders": the file's key for the entries."""
    dump: Callable[[E], dict[str, Any]]
    load: Callable[[dict[str, Any]], E]
    """Raises ValueError, TypeError or KeyError for an entry that is not right."""
    advance: Callable[[E, datetime], E | None]
    """The entry after it rang at its moment (a repeating alarm's next day), or None."""


@dataclass(frozen=True)
class Due(Generic[E]):
    """What a room has to say now: entries due, and entries it missed."""

    ringing: tuple[E, ...]
    missed: tuple[E, ...]


class Book(Generic[E]):
    """Entries of one kind for the whole house; thread-safe. `path=None`: in memory."""

    def __init__(self, path: Path | None, *, codec: Codec[E], late_s: float,
                 limit: int) -> None:
        self.codec = codec
        self.late_s = late_s
        self.limit = limit
        self._lock = threading.Lock()
        self._entries: dict[int, E] = {}
        self._next_id = 1
        self.problem: SetAside | None = None
        self._path = path
        if path is not None:
            self._read(path)

    def _read(self, path: Path) -> None:
        loaded = saved_json.load(path, versions=range(VERSION, VERSION + 1),
                                 parse=self._parse)
        self.problem = loaded.set_aside
        if loaded.set_aside is not None and loaded.set_aside.kept_as is None:
            self._path = None  # never write over a file that could not be moved aside
        for entry in loaded.value or []:
            self._entries[entry.id] = entry
        self._next_id = max(self._entries, default=0) + 1

    def _parse(self, data: dict[str, Any], version: int) -> list[E]:
        raw = data[self.codec.kind]
        if not isinstance(raw, list):
            raise ValueError(f"'{self.codec.kind}' is not a list")
        entries = [self.codec.load(item) for item in raw]
        if len({e.id for e in entries}) != len(entries):
            raise ValueError("two entries have the same id")
        return entries

    def entries(self) -> list[E]:
        """Every entry, soonest first."""
        with self._lock:
            return sorted(self._entries.values(), key=lambda e: (e.at, e.id))

    def new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id - 1

    def add(self, entry: E) -> bool:
        """Keep `entry` and save (False: the book is full). Raises SavedFileError."""
        with self._lock:
            if len(self._entries) >= self.limit and entry.id not in self._entries:
                return False
            self._entries[entry.id] = entry
            self._save()
            return True

    def remove(self, *ids: int) -> None:
        with self._lock:
            for entry_id in ids:
                self._entries.pop(entry_id, None)
            self._save()

    def next_at(self, room: str) -> datetime | None:
        """The soonest moment of an entry of `room`."""
        with self._lock:
            return min((e.at for e in self._entries.values() if e.room == room), default=None)

    def take_due(self, room: str, now: datetime) -> Due[E]:
        """Entries of `room` due by `now`: each is advanced (or removed) and saved first,
        so it is handed out once even if the assistant stops right after."""
        with self._lock:
            due = sorted((e for e in self._entries.values() if e.room == room and e.at <= now),
                         key=lambda e: e.at)
            if not due:
                return Due((), ())
            for entry in due:
                following = self.codec.advance(entry, now)
                if following is None:
                    del self._entries[entry.id]
                else:
                    self._entries[entry.id] = following
            try:
                self._save()
            except SavedFileError as error:
                log.warning("%s", error)
            ringing = tuple(e for e in due if (now - e.at).total_seconds() <= self.late_s)
            missed = tuple(e for e in due if e not in ringing)
            return Due(ringing, missed)

    def put_back(self, entry: E, at: datetime) -> None:
        """`entry` again at `at` (a snoozed alarm), under its own id."""
        with self._lock:
            self._entries[entry.id] = replace(entry, at=at)  # type: ignore[type-var]
            self._save()

    def _save(self) -> None:
        if self._path is None:
            return
        payload = {self.codec.kind: [self.codec.dump(e) for e in
                                     sorted(self._entries.values(), key=lambda e: e.id)]}
        saved_json.save(self._path, payload, version=VERSION)


def moment_of(value: Any) -> datetime:
    """A saved moment ("2026-03-05T07:30:00"; raises ValueError or TypeError)."""
    if not isinstance(value, str):
        raise TypeError(f"not a moment: {value!r}")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        raise ValueError(f"a moment with a time zone: {value!r}")
    return moment


def text_of(value: Any, *, limit: int = 200) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise TypeError(f"not a short text: {value!r}")
    return value

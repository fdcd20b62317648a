"""Who gets a connection, and problems logged once per burst rather than once per client.

`Admission` caps connections overall and per peer address. At a cap, the connection that
has been quiet longest and has no request in progress (an idle or slowloris client) is
closed to make room, else the quietest whose client has already closed its side (its
answer has no reader); when every one is busy with a client still there the newcomer is
refused. A client that talks therefore always gets in past idle and abandoned ones.

`FloodLog` logs the first problem of a kind at once and counts the rest, then logs one
line with the count after `interval_s`: 2,000 idle sockets are two log lines, not 38,868
lines of tracebacks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol


class Member(Protocol):
    """A connection as admission sees it."""

    peer: str

    @property
    def busy(self) -> bool: ...

    @property
    def last_active(self) -> float: ...

    @property
    def gone(self) -> bool:
        """The client closed its side (a request may still be in progress)."""
        ...

    def evict(self) -> None:
        """Close it (its own task then ends and calls `Admission.leave`)."""
        ...


Schedule = Callable[[float, Callable[[], None]], Any]
"""`loop.call_later`: run a function after some seconds."""


class FloodLog:
    """A problem's first occurrence logged at once; repeats of the same `kind` counted and
    reported in one line `interval_s` later."""

    def __init__(self, logger: logging.Logger, *, schedule: Schedule,
                 interval_s: float = 60.0) -> None:
        self._log = logger
        self._schedule = schedule
        self._interval_s = interval_s
        self._seen: dict[str, int] = {}
        self._last: dict[str, str] = {}

    def note(self, kind: str, message: str, *args: object,
             level: int = logging.WARNING) -> None:
        """`message % args` now if `kind` is new or its last report is `interval_s` old."""
        count = self._seen.get(kind)
        if count is None:
            self._seen[kind] = 0
            self._log.log(level, message, *args)
            self._schedule(self._interval_s, lambda: self._report(kind, level))
            return
        self._seen[kind] = count + 1
        self._last[kind] = message % args if args else message

    def _report(self, kind: str, level: int) -> None:
        count = self._seen.pop(kind, 0)
        last = self._last.pop(kind, "")
        if count:
            self._log.log(level, "%d more like this in %.0f s (the last: %s)", count,
                          self._interval_s, last)


class Admission:
    """The connections being served, capped at `max_total` and `max_per_peer`."""

    def __init__(self, *, max_total: int, max_per_peer: int, flood: FloodLog,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._max_total = max_total
        self._max_per_peer = max_per_peer
        self._flood = flood
        self._clock = clock
        self.members: set[Member] = set()

    def admit(self, new: Member, *, name: str) -> bool:
        """Make room for `new` (closing the quietest idle member at a cap) and count it;
        False: every member in its way is busy, refuse it."""
        same_peer = [m for m in self.members if m.peer == new.peer]
        if len(same_peer) >= self._max_per_peer and not self._evict(same_peer, name):
            self._flood.note(f"peer-full:{new.peer}", "%s: refused: %s already has %d "
                             "connections, all busy (serve.max_connections_per_peer)",
                             name, new.peer, self._max_per_peer)
            return False
        if len(self.members) >= self._max_total and not self._evict(self.members, name):
            self._flood.note("full", "%s: refused: %d connections, all busy "
                             "(serve.max_connections)", name, self._max_total)
            return False
        self.members.add(new)
        return True

    def leave(self, member: Member) -> None:
        self.members.discard(member)

    def _evict(self, candidates: Iterable[Member], name: str) -> bool:
        members = list(candidates)
        idle = [m for m in members if not m.busy] or [m for m in members if m.gone]
        if not idle:
            return False
        quietest = min(idle, key=lambda m: m.last_active)
        self.members.discard(quietest)
        quietest.evict()
        self._flood.note("evicted", "%s: closed a connection %s for %.0f s to make room "
                         "(serve.max_connections, serve.max_connections_per_peer)", name,
                         "abandoned" if quietest.busy else "idle",
                         self._clock() - quietest.last_active)
        return True

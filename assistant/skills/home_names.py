"""The home while the assistant runs: its backend started and stopped with the engines,
and the names the intents know kept in step with it.

At `start()` the backend connects and the names are built from its home before the first
command is heard. When the backend reports that devices, areas or names changed
(`HomeChanged`: a light added or exposed in Home Assistant, a device announced on the
broker), the names are rebuilt on this object's own thread, and the new recognizer
replaces the old one between two commands: no restart. A home that cannot be reached at
start (Home Assistant still booting) does not stop the assistant: it starts with no
devices, says "I can't reach ..." to home commands, and keeps trying in the background
with doubling waits. Refused credentials do stop it, with one clear line.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from assistant.home.backend import (
    Change,
    ConnectionChanged,
    DeviceBackend,
    HomeChanged,
    HomeUnreachable,
)
from assistant.home.model import Home

log = logging.getLogger(__name__)

FIRST_RETRY_S = 1.0


def home_lists(home: Home) -> dict[str, list[tuple[str, str]]]:
    """The intents' lists of a home (see `Home.spoken_lists`), with the plural of every
    device name ("kill the kitchen lights"; not of a name several devices share: "the
    lamps" is every light, not "which lamp?")."""
    lists = home.spoken_lists()
    names = {d.name for d in home.devices}
    for name, pairs in lists.items():
        if name != "area":
            pairs += [(f"{form}s", value) for form, value in pairs
                      if not form.endswith("s") and (form != value or form in names)]
    return lists


class LiveHome:
    """A backend with a lifecycle, and `on_home` called with every new home it reports
    (once at start, then from this object's thread)."""

    def __init__(self, backend: DeviceBackend, *, on_home: Callable[[Home], None],
                 retry_max_s: float = 30.0) -> None:
        self.backend = backend
        self.name = backend.name
        self._on_home = on_home
        self._retry_max_s = retry_max_s
        self._connected = True  # until a start or the backend says otherwise
        self._pending: Home | None = None
        self._shown: Home | None = None
        self._changed_home = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def reachable(self) -> bool:
        """Whether the backend is connected now (the simulated home always is)."""
        return self._connected

    def start(self) -> None:
        """Connect (raises HomeAuthError, with one clear line, for refused credentials)
        and build the names; an unreachable home is retried in the background."""
        if self._thread is not None:
            return
        self._stopping = False
        self._unsubscribe = self.backend.subscribe(self._changed)
        retry = False
        try:
            self.backend.start()
            self._connected = True
        except HomeUnreachable as error:
            log.warning("%s; home commands will say so until it answers (trying again "
                        "in the background)", error)
            self._connected = False
            retry = True
        except BaseException:
            self._unsubscribe()
            raise
        self.publish(self.backend.home())
        self._thread = threading.Thread(target=self._run, args=(retry,), name="home-names",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop rebuilding, unsubscribe and disconnect the backend (idempotent)."""
        with self._changed_home:
            self._stopping = True
            self._changed_home.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.backend.stop()

    def publish(self, home: Home) -> None:
        """Build the names for `home` unless they were built for it already."""
        if home != self._shown:
            self._shown = home
            self._on_home(home)
            log.info("the home has %d devices in %d areas", len(home.devices),
                     len(home.areas))

    def _changed(self, change: Change) -> None:
        """The backend's listener (its own thread): note what changed, return at once."""
        if isinstance(change, ConnectionChanged):
            self._connected = change.connected
        elif isinstance(change, HomeChanged):
            with self._changed_home:
                self._pending = change.home
                self._changed_home.notify_all()

    def _run(self, retry: bool) -> None:
        if retry and not self._connect_later():
            return
        while True:
            with self._changed_home:
                while self._pending is None and not self._stopping:
                    self._changed_home.wait()
                if self._stopping:
                    return
                home, self._pending = self._pending, None
            assert home is not None
            try:
                self.publish(home)
            except Exception:  # noqa: BLE001 - keep the old names rather than die
                log.exception("could not rebuild the home's names")

    def _connect_later(self) -> bool:
        """Retry `start()` with doubling waits; False when stopped first."""
        delay = FIRST_RETRY_S
        while True:
            with self._changed_home:
                self._changed_home.wait_for(lambda: self._stopping, timeout=delay)
                if self._stopping:
                    return False
            try:
                self.backend.start()
            except HomeUnreachable as error:
                log.info("%s; trying again in %.0f s", error, delay)
                delay = min(delay * 2, self._retry_max_s)
                continue
            except Exception:  # noqa: BLE001 - a refused token: said by every command
                log.exception("the home could not be started")
                delay = self._retry_max_s
                continue
            self._connected = True
            log.info("connected to the home (%s)", self.name)
            self.publish(self.backend.home())
            return True

"""`assistant run`: one session on the local microphone and speaker.

The microphone's blocks are fed to the session on this thread (the callback only
queued them). A device that fails or goes away is reopened with a growing pause, up to
`retries` times in a row; `stop()` (Ctrl-C, SIGTERM) ends the loop at the next block.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from assistant.errors import AudioDeviceError
from assistant.loop.session import Session
from assistant.sound.live import MicrophoneSource, SoundDeviceSink

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 5.0


class LocalDevices:
    """Feeds a session from the microphone until stopped; reopens failed devices."""

    def __init__(self, session: Session, mic: MicrophoneSource, speaker: SoundDeviceSink, *,
                 retries: int = 5,
                 on_ready: Callable[[int], None] = lambda failures: None,
                 on_problem: Callable[[str], None] = lambda message: None) -> None:
        """`on_ready(failures)` is called each time the devices are (re)opened,
        `on_problem(message)` when a device failed and is about to be retried."""
        self._session = session
        self._mic = mic
        self._speaker = speaker
        self._retries = retries
        self._on_ready = on_ready
        self._on_problem = on_problem
        self._stop = threading.Event()

    def stop(self) -> None:
        """End `run` (callable from a signal handler)."""
        self._stop.set()
        self._mic.stop()

    def run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._speaker.start()
                self._mic.start()
                if self._stop.is_set():
                    return
                self._on_ready(failures)
                for block in self._mic.blocks():
                    self._session.feed(block)
                    failures = 0
                    if not self._speaker.alive():
                        raise AudioDeviceError(f"speaker {self._speaker.info.name!r} stopped "
                                               "playing (unplugged?)")
            except AudioDeviceError as error:
                failures += 1
                if failures > self._retries:
                    raise AudioDeviceError(f"{error}; giving up after {self._retries} retries") \
                        from None
                self._on_problem(f"audio device problem: {error}; retrying "
                                 f"({failures}/{self._retries})")
                self._stop.wait(min(MAX_BACKOFF_S, 0.5 * 2**failures))
            finally:
                self._mic.stop()
                self._speaker.stop()


def ready_line(mic: MicrophoneSource, speaker: SoundDeviceSink, *, hint: str, started: float,
               failures: int) -> str:
    """The line `assistant run` prints when it listens (tests and users wait for it)."""
    when = (f"ready in {time.perf_counter() - started:.1f} s" if not failures
            else f"reopened after {failures} failure{'s' if failures > 1 else ''}")
    return f"listening on {mic.info.name!r} -> {speaker.info.name!r} ({hint}; {when})"

"""A session's reply audio, streamed to a satellite as it would leave a sound card.

`StreamSink` is the session's `BufferedSink`; every change to it (audio queued, taken,
dropped by a barge-in, a turn ending) wakes `AudioSender`, an asyncio task that takes
audio at the pace it plays, `LEAD_S` ahead of the satellite's speaker: enough that the
speaker never starves, little enough that "stop" silences the room within it.

A reply is one `audio-start`, `audio-chunk`s, and `audio-stop` once the session has
nothing more to say (the satellite then plays its "done" state); a pause while the chat
model writes the next sentence keeps the stream open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event

from assistant.loop.output import BufferedSink
from assistant.server.tts import SAMPLES_PER_CHUNK

log = logging.getLogger(__name__)

LEAD_S = 0.3
"""How far ahead of the satellite's playback audio is sent (also how much of a reply
still plays after a barge-in)."""


class _NotifyingCondition(threading.Condition):
    """The sink's condition: also calls `hook` whenever it is notified."""

    def __init__(self) -> None:
        super().__init__()
        self.hook: Callable[[], None] = lambda: None

    def notify_all(self) -> None:
        super().notify_all()
        self.hook()


class StreamSink(BufferedSink):
    """A BufferedSink whose changes wake the sender (`on_change` runs under its lock:
    it must only schedule work)."""

    def __init__(self, rate: int) -> None:
        super().__init__(rate)
        self.changed = _NotifyingCondition()

    def on_change(self, hook: Callable[[], None]) -> None:
        assert isinstance(self.changed, _NotifyingCondition)
        self.changed.hook = hook


class AudioSender:
    """Streams a StreamSink's audio as Wyoming audio events, in real time."""

    def __init__(self, sink: StreamSink, send: Callable[[Event], Awaitable[None]], *,
                 busy: Callable[[], bool], loop: asyncio.AbstractEventLoop) -> None:
        """`busy()`: the session still has something to say (keep the stream open)."""
        self._sink = sink
        self._send = send
        self._busy = busy
        self._loop = loop
        self._changed = asyncio.Event()
        self._streaming = False
        self._playout_end = 0.0
        self._chunk_bytes = 2 * SAMPLES_PER_CHUNK
        sink.on_change(self._wake)

    def _wake(self) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: the connection is gone
            self._loop.call_soon_threadsafe(self._changed.set)

    async def run(self) -> None:
        """Until cancelled or the connection fails (a satellite that stopped reading is
        dropped by the connection's write timeout; its reader then ends the session)."""
        try:
            while True:
                await self._changed.wait()
                self._changed.clear()
                await self._pump()
        except ConnectionError as error:
            log.info("reply audio stopped: %s", error)

    async def _pump(self) -> None:
        rate = self._sink.rate
        while True:
            ahead = self._playout_end - time.monotonic()
            if self._streaming and ahead > LEAD_S:
                await asyncio.sleep(ahead - LEAD_S)
                continue
            pcm = self._sink.take(self._chunk_bytes, pad=False)
            if pcm:
                now = time.monotonic()
                if not self._streaming:
                    self._streaming = True
                    self._playout_end = now
                    await self._send(AudioStart(rate=rate, width=2, channels=1).event())
                await self._send(AudioChunk(rate=rate, width=2, channels=1, audio=pcm).event())
                self._playout_end = max(self._playout_end, now) + len(pcm) / (2 * rate)
                continue
            if not self._streaming or self._busy():
                return
            if ahead > 0:  # let the satellite play what it has; more may come meanwhile
                await asyncio.sleep(ahead)
                continue
            self._streaming = False
            await self._send(AudioStop().event())
            return

"""A whole conversation on a satellite's audio: one `Session` per satellite.

What Home Assistant does for a wyoming-satellite, done by the assistant itself: after
`run-pipeline` the satellite's microphone audio goes into the session (wake word, end
of speech, recognition, skills or chat model, the voice), and the satellite gets back
what it expects: `detection` when the wake word is heard, `voice-started` and
`voice-stopped`, the `transcript`, the reply audio (`audio-start`, chunks, `audio-stop`)
and the reply's text as `synthesize`. A timer set from this satellite rings here, and
"Hey Jarvis, stop" said here interrupts only this satellite's reply.

Audio is fed to the session on a thread of its own (the event loop never runs the
models), through a queue that holds at most `FEED_QUEUE_S` of audio; when the models
fall that far behind, the oldest block is dropped, with a warning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Awaitable, Callable

from wyoming.asr import Transcript
from wyoming.event import Event
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.tts import Synthesize
from wyoming.vad import VoiceStarted, VoiceStopped
from wyoming.wake import Detection

from assistant.audio import Audio
from assistant.loop.clock import Clock
from assistant.loop.events import (
    Event as SessionEvent,
)
from assistant.loop.events import (
    SpeechStarted,
    TurnFinished,
    UserTurn,
    UtteranceEnded,
    WakeDetected,
)
from assistant.loop.session import Session, SessionSettings
from assistant.loop.shared import Engines
from assistant.server.sender import AudioSender, StreamSink

log = logging.getLogger(__name__)

FEED_QUEUE_S = 5.0
"""Audio waiting for the session's models at most (seconds); older blocks are dropped."""


class SatellitePipeline:
    """A session on one Wyoming connection; `start`, `run_pipeline`, `audio`, `close`."""

    def __init__(self, engines: Engines, settings: SessionSettings, *, name: str,
                 clock: Clock, send: Callable[[Event], Awaitable[None]]) -> None:
        self.name = name
        self._wake_name = engines.wake.name if engines.wake is not None else None
        self._send = send
        self._loop = asyncio.get_running_loop()
        self.sink = StreamSink(engines.voice.rate)
        self.session = Session(engines, sink=self.sink, settings=settings, clock=clock,
                               name=name)
        self.session.observe(self._observed)
        self._sender = AudioSender(self.sink, send, busy=self.session.responder.busy,
                                   loop=self._loop)
        self._blocks: queue.Queue[Audio | None] = queue.Queue()
        self._queued_s = 0.0
        self._lock = threading.Lock()
        self._dropped = 0
        self._feeder = threading.Thread(target=self._feed, name=f"feed-{name}", daemon=True)
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.session.start()
        self._feeder.start()
        self._tasks.append(self._loop.create_task(self._sender.run()))
        log.info("%s: session started", self.name)

    def run_pipeline(self, event: Event) -> None:
        """`run-pipeline`: starting at `asr` means the satellite heard the wake word."""
        try:
            stage = RunPipeline.from_event(event).start_stage
        except (KeyError, ValueError) as error:
            log.info("%s: ignored a run-pipeline event (%s)", self.name, error)
            return
        if stage is PipelineStage.ASR:
            self.session.wake()

    def audio(self, block: Audio) -> None:
        """Queue one block of the satellite's microphone (never blocks)."""
        with self._lock:
            self._queued_s += block.seconds
            too_much = self._queued_s > FEED_QUEUE_S
        if too_much:
            try:
                old = self._blocks.get_nowait()
            except queue.Empty:
                old = None
            if old is not None:
                with self._lock:
                    self._queued_s -= old.seconds
                self._dropped += 1
                if self._dropped == 1 or self._dropped % 100 == 0:
                    log.warning("%s: the models fell %.0f s behind; dropped %d audio blocks",
                                self.name, FEED_QUEUE_S, self._dropped)
        self._blocks.put(block)

    async def close(self) -> None:
        """Stop feeding (audio still queued is dropped), join the feeder, then close the
        session (its reply is cut) and stop the sender. In that order: the session's
        wake-word detector must not be closed while the feeder may still be using it
        (TFLite crashes the process on a closed interpreter)."""
        for task in self._tasks:
            task.cancel()
        with contextlib.suppress(queue.Empty):
            while True:
                self._blocks.get_nowait()
        self._blocks.put(None)
        await asyncio.to_thread(self._close_threads)
        log.info("%s: session closed", self.name)

    def _close_threads(self) -> None:
        if self._feeder.is_alive():
            self._feeder.join()
        self.session.close()

    def _feed(self) -> None:
        while (block := self._blocks.get()) is not None:
            with self._lock:
                self._queued_s -= block.seconds
            try:
                self.session.feed(block)
            except Exception:  # noqa: BLE001 - one bad block must not end the room
                log.exception("%s: audio block failed", self.name)

    def _observed(self, event: SessionEvent) -> None:
        """A session event (any thread) -> what the satellite expects, in order."""
        wyoming = _to_wyoming(event, self._wake_name)
        if wyoming is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is gone: shutting down
            self._loop.call_soon_threadsafe(self._write_soon, wyoming)

    def _write_soon(self, event: Event) -> None:
        task = self._loop.create_task(self._send_quietly(event))
        self._tasks.append(task)
        task.add_done_callback(self._tasks.remove)

    async def _send_quietly(self, event: Event) -> None:
        try:
            await self._send(event)
        except (ConnectionError, RuntimeError) as error:
            log.info("%s: could not send %s (%s)", self.name, event.type, error)


def _to_wyoming(event: SessionEvent, wake_name: str | None) -> Event | None:
    if isinstance(event, WakeDetected):
        return Detection(name=wake_name, timestamp=int(1000 * event.at_s)).event()
    if isinstance(event, SpeechStarted):
        return VoiceStarted(timestamp=int(1000 * event.at_s)).event()
    if isinstance(event, UtteranceEnded):
        return VoiceStopped(timestamp=int(1000 * event.speech_end_s)).event()
    if isinstance(event, UserTurn) and event.text.strip():
        return Transcript(text=event.text).event()
    if isinstance(event, TurnFinished) and event.result.reply:
        return Synthesize(text=event.result.reply).event()
    return None

"""One Wyoming connection: its events read with limits and dispatched to the services.

A connection may transcribe, synthesize (whole or streamed), detect, recognize and
handle, one request at a time, in any order; `run-pipeline` turns it into a satellite's
conversation (a session on its audio). Bad input never stops the server: a malformed or
oversized event, a client that sends nothing first within `serve.first_event_timeout_ms`
or nothing more for `serve.idle_timeout_ms`, or one that does not read what it is sent
within `serve.write_timeout_ms`, is disconnected with a log line; a request over a limit
(a text too long) is answered with an `error` event; an unknown event type, or audio in
another format than its `audio-start` announced, is ignored with a log line (once per
connection and kind).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from wyoming.error import Error
from wyoming.event import Event, async_write_event
from wyoming.ping import Pong
from wyoming.server import AsyncEventHandler

from assistant.audio import Audio
from assistant.loop.clock import Clock
from assistant.loop.events import Event as SessionEvent
from assistant.loop.session import SessionSettings
from assistant.loop.shared import Engines
from assistant.server import conversation, tts
from assistant.server.asr import TranscribeRequest, transcribe_request
from assistant.server.conversation import TextConversation
from assistant.server.deadline import within
from assistant.server.flood import FloodLog
from assistant.server.pipeline import SatellitePipeline
from assistant.server.tts import StreamingRequest
from assistant.server.wake import DetectRequest
from assistant.server.wire import AudioIn, WireError, WireLimits, read_event, text_field

log = logging.getLogger(__name__)

MAX_CONVERSATIONS = 32

#: Events a client may send that need no answer (a satellite's news, our own info echo).
QUIET_EVENTS = frozenset({"info", "pong", "satellite-connected", "satellite-disconnected",
                          "streaming-started", "streaming-stopped", "played",
                          "select-program", "run-satellite", "pause-satellite", "error"})


@dataclass
class ServerContext:
    """What every connection shares."""

    engines: Engines
    settings: SessionSettings
    info: Event
    limits: WireLimits
    clock: Clock
    observers: tuple[Callable[[SessionEvent], None], ...] = ()
    """Called with every satellite session's events (the opt-in transcript log)."""
    conversations: OrderedDict[str, TextConversation] = field(default_factory=OrderedDict)
    """Conversations by the client's `conversation_id` (Home Assistant opens a connection
    per request), the `MAX_CONVERSATIONS` most recent."""
    flood: FloodLog | None = None
    """Where connections closed for a problem are logged, once per burst (the server's)."""

    def note(self, kind: str, message: str, *args: object) -> None:
        """Log a connection's problem (once per burst of the same `kind`)."""
        if self.flood is not None:
            self.flood.note(kind, message, *args)
        else:
            log.warning(message, *args)

    def conversation(self, conversation_id: str) -> TextConversation:
        chat = self.conversations.pop(conversation_id, None) or TextConversation(
            self.engines, self.settings, owner=f"conversation {conversation_id[:12]}")
        self.conversations[conversation_id] = chat
        while len(self.conversations) > MAX_CONVERSATIONS:
            self.conversations.popitem(last=False)
        return chat


class Connection(AsyncEventHandler):
    """Reads one client's events and answers them; `run()` until it goes away."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *,
                 context: ServerContext, name: str, limits: WireLimits | None = None,
                 peer: str = "") -> None:
        """`peer`: the client's address (the server sets it; admission counts per peer, and
        its requests without a conversation id share one conversation: Home Assistant
        before 2025.7 sends none, and opens a connection per request)."""
        super().__init__(reader, writer)
        self.context = context
        self.name = name
        self.peer = peer
        self.limits = limits or context.limits
        self.closed = asyncio.Event()
        self.closed_callback: Callable[[], None] = lambda: None
        self.last_active = time.monotonic()
        """When the client last sent an event (or connected)."""
        self._working = 0
        self._audio = AudioIn(max_s=self.limits.max_audio_s)
        self._asr: TranscribeRequest | None = None
        self._detect: DetectRequest | None = None
        self._chat: TextConversation | None = None
        self._answering: TextConversation | None = None
        """The conversation writing a reply for this connection now."""
        self._speech: StreamingRequest | None = None
        self.pipeline: SatellitePipeline | None = None
        self._told: set[str] = set()
        self._handlers: dict[str, Callable[[Event], Awaitable[None]]] = {
            "describe": self._describe, "ping": self._ping, "transcribe": self._transcribe,
            "detect": self._start_detect, "audio-start": self._audio_start,
            "audio-chunk": self._audio_chunk, "audio-stop": self._audio_stop,
            "synthesize": self._synthesize, "synthesize-start": self._synthesize_start,
            "synthesize-chunk": self._synthesize_chunk,
            "synthesize-stop": self._synthesize_stop, "recognize": self._recognize,
            "transcript": self._handle, "run-pipeline": self._run_pipeline,
        }

    @property
    def engines(self) -> Engines:
        return self.context.engines

    @property
    def busy(self) -> bool:
        """A request is in progress (or a satellite's session runs): not an idle client."""
        return bool(self._working or self.pipeline or self._speech or self._detect
                    or self._asr)

    @property
    def gone(self) -> bool:
        """The client has closed its side, perhaps with events still unread: whatever it
        still waits for, nobody may read. (`at_eof` alone needs the events read, and a busy
        connection reads none; asyncio keeps the flag it sets at the end private.)"""
        return (self.reader.at_eof() or bool(getattr(self.reader, "_eof", False))
                or self.writer.transport.is_closing())

    def evict(self) -> None:
        """Close this connection to make room for another (see `flood.Admission`); a reply
        the chat model has not started yet is skipped."""
        if self._answering is not None:
            self._answering.stop()
        self.writer.close()

    async def run(self) -> None:
        """Answer events until the client leaves or breaks the protocol."""
        first = True
        try:
            while (event := await read_event(self.reader, self.limits, first=first)) \
                    is not None:
                first = False
                self.last_active = time.monotonic()
                await self.handle_event(event)
        except WireError as error:
            self.context.note(f"wire:{error}", "%s: closed: it sent %s", self.name, error)
        except (TimeoutError, asyncio.TimeoutError):
            self.context.note("silent", "%s: closed: nothing received for %.0f s", self.name,
                              (self.limits.first_event_timeout_s if first else None)
                              or self.limits.idle_timeout_s)
        except ConnectionError as error:
            log.info("%s: connection lost (%s)", self.name, error)
        except Exception:  # noqa: BLE001 - one connection's failure must not reach the others
            log.exception("%s: closed after an error", self.name)
        finally:
            await self.disconnect()
            self.writer.close()
            self.closed.set()
            self.closed_callback()

    async def handle_event(self, event: Event) -> bool:
        handler = self._handlers.get(event.type)
        if handler is None:
            if event.type not in QUIET_EVENTS:
                self._tell("type:" + event.type, "ignored an event of unknown type %r",
                           event.type)
            return True
        self._working += 1
        try:
            await handler(event)
        except WireError as error:  # a request over a limit: answered, the connection goes on
            self._tell("request:" + event.type, "refused %s", error)
            await self.write_event(Error(text=f"refused {error}", code="bad-request").event())
        finally:
            self._working -= 1
        return True

    async def write_event(self, event: Event) -> None:
        """Send one event; a client that does not take it within `write_timeout_s` is
        disconnected (its connection aborted: every pending write fails, the reader ends)."""
        try:
            await within(async_write_event(event, self.writer), self.limits.write_timeout_s)
        except (TimeoutError, asyncio.TimeoutError):
            self.context.note("slow-reader", "%s: closed: it read nothing for %.0f s",
                              self.name, self.limits.write_timeout_s)
            self.writer.transport.abort()
            raise ConnectionResetError("the client stopped reading") from None

    async def disconnect(self) -> None:
        if self._chat is not None:
            self._chat.stop()
        if self._speech is not None:
            await self._speech.cancel()
            self._speech = None
        if self._detect is not None:
            self._detect.finish()
            self._detect = None
        if self.pipeline is not None:
            await self.pipeline.close()
            self.pipeline = None

    def _tell(self, key: str, message: str, *args: object) -> None:
        """Log a problem once per connection and kind."""
        if key not in self._told:
            self._told.add(key)
            log.warning("%s: " + message, self.name, *args)

    # -- the services ----------------------------------------------------------------------

    async def _describe(self, event: Event) -> None:
        await self.write_event(self.context.info)

    async def _ping(self, event: Event) -> None:
        await self.write_event(Pong(text=event.data.get("text")).event())

    async def _transcribe(self, event: Event) -> None:
        self._asr = transcribe_request(self.engines, owner=self.name, event=event)

    async def _start_detect(self, event: Event) -> None:
        if self.engines.wake is None:
            self._tell("wake", "asked for wake-word detection, which is off (wake.enabled)")
            return
        if self._detect is not None:  # a second detect before audio-stop replaces the first
            self._detect.finish()
        self._detect = DetectRequest(self.engines.wake)
        self._audio = AudioIn(max_s=None)  # detection buffers nothing: it may listen for hours

    async def _audio_start(self, event: Event) -> None:
        try:
            self._audio.start(event)
        except (KeyError, TypeError, ValueError):
            self._tell("audio-start", "sent an audio-start without rate, width and channels")
            return
        if self.pipeline is None and self._detect is None and self._asr is None:
            self._asr = transcribe_request(self.engines, owner=self.name)

    async def _audio_chunk(self, event: Event) -> None:
        block = self._audio.chunk(event)
        if block is None:
            self._tell("audio:" + self._audio.problem, "ignored %s", self._audio.problem)
            return
        await self._audio_block(block)

    async def _audio_block(self, block: Audio) -> None:
        if self.pipeline is not None:
            self.pipeline.audio(block)
        elif self._detect is not None:
            detection = await self._detect.process(block)
            if detection is not None:
                await self.write_event(detection)
        elif self._asr is not None:
            self._asr.add(block)
        else:
            self._tell("audio-idle", "ignored audio sent without transcribe, detect or "
                       "run-pipeline")

    async def _audio_stop(self, event: Event) -> None:
        tail = self._audio.flush()
        if tail is not None and (self._detect is not None or self._asr is not None):
            await self._audio_block(tail)
        self._audio = AudioIn(max_s=self._audio_limit())
        if self._detect is not None:
            answer, self._detect = self._detect.finish(), None
            self._audio = AudioIn(max_s=self._audio_limit())
            if answer is not None:
                await self.write_event(answer)
        elif self._asr is not None:
            request, self._asr = self._asr, None
            self._audio = AudioIn(max_s=self._audio_limit())
            await self.write_event(await request.transcript())
        else:
            self._audio = AudioIn(max_s=self._audio_limit())

    async def _synthesize(self, event: Event) -> None:
        if self._speech is not None:
            return  # sent beside a stream for clients that do not stream: already spoken
        text = text_field(event, self.limits)
        await tts.synthesize(self.engines, text, owner=self.name, send=self.write_event)

    async def _synthesize_start(self, event: Event) -> None:
        if self._speech is not None:
            await self._speech.cancel()
        self._speech = StreamingRequest(self.engines, owner=self.name, send=self.write_event,
                                        max_chars=self.limits.max_text_chars)

    async def _synthesize_chunk(self, event: Event) -> None:
        if self._speech is None:
            self._tell("synthesize-chunk", "ignored a synthesize-chunk without "
                       "synthesize-start")
            return
        if not self._speech.add(text_field(event, self.limits)):
            speech, self._speech = self._speech, None
            await speech.cancel()
            raise WireError(f"a synthesis stream of more than {self.limits.max_text_chars} "
                            "characters")

    async def _synthesize_stop(self, event: Event) -> None:
        if self._speech is None:
            self._tell("synthesize-stop", "ignored a synthesize-stop without synthesize-start")
            return
        speech = self._speech
        try:
            await speech.finish()
        finally:
            self._speech = None

    async def _recognize(self, event: Event) -> None:
        text_field(event, self.limits)
        await self.write_event(await asyncio.to_thread(conversation.recognize,
                                                       self.engines, event))

    async def _handle(self, event: Event) -> None:
        text_field(event, self.limits)
        context = event.data.get("context")
        conversation_id = context.get("conversation_id") if isinstance(context, dict) else None
        if isinstance(conversation_id, str) and conversation_id:
            chat = self.context.conversation(conversation_id)
        elif self.peer:
            chat = self.context.conversation(f"client {self.peer}")
        else:
            if self._chat is None:
                self._chat = TextConversation(self.engines, self.context.settings,
                                              owner=self.name)
            chat = self._chat
        self._answering = chat
        try:
            await conversation.handle(chat, event, send=self.write_event)
        finally:
            self._answering = None

    async def _run_pipeline(self, event: Event) -> None:
        if self.pipeline is None:
            self.pipeline = SatellitePipeline(
                self.engines, self.context.settings, name=self.name,
                clock=self.context.clock, send=self.write_event)
            for observer in self.context.observers:
                self.pipeline.session.observe(observer)
            self.pipeline.start()
            self._audio = AudioIn(max_s=self._audio_limit())
        self.pipeline.run_pipeline(event)

    def _audio_limit(self) -> float | None:
        """A satellite streams for as long as it is connected, and wake-word detection
        (Home Assistant keeps one open while it listens) buffers nothing; a transcribe
        request is bounded."""
        if self.pipeline is not None or self._detect is not None:
            return None
        return self.limits.max_audio_s

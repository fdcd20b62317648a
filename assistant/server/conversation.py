"""The `intent` and `handle` services: text in, the assistant's skills and chat model out.

`recognize` -> `intent` (the command the skills would run, without running it) or
`not-recognized`. `transcript` (text to answer, as Home Assistant's conversation agent
sends it) -> `handled-start`, one `handled-chunk` per sentence as the chat model writes
it, `handled` with the whole reply (what clients that do not stream read), `handled-stop`;
`not-handled` when there was nothing to answer.

The reply is exactly what a session would say for the same words (the same router,
sentence splitting, reply guard and memory policy as `loop.responder`), only not
synthesized: the client asks for speech separately if it wants it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

from wyoming.asr import Transcript
from wyoming.event import Event
from wyoming.handle import Handled, HandledChunk, HandledStart, HandledStop, NotHandled
from wyoming.intent import Entity, Intent, NotRecognized, Recognize

from assistant.loop.controls import AssistantControls
from assistant.loop.events import Route
from assistant.loop.memory import remember_turn
from assistant.loop.reply_guard import ReplyGuard, guarded
from assistant.loop.router import Router
from assistant.sentences import SentenceSplitter, clean_for_speech
from assistant.loop.session import SessionSettings, conversation
from assistant.loop.shared import Engines

Send = Callable[[Event], Awaitable[None]]

FIRST_PAUSE_WORDS = 1
"""Where the first sentence may be cut, as the session's responder cuts it."""

NO_TIMERS = ("I can only set timers in a room, where I can ring them: ask a satellite or "
             "the assistant itself.")
"""A text conversation has no speaker to ring a timer on, so it does not start one."""


class TextConversation:
    """One connection's conversation: its memory and skills over the shared engines."""

    def __init__(self, engines: Engines, settings: SessionSettings, *, owner: str) -> None:
        self.controls = AssistantControls(volume=settings.volume)
        self.router: Router = conversation(engines.chat, engines.skills, settings,
                                           controls=self.controls, owner=owner)
        self._cancel = threading.Event()

    def stop(self) -> None:
        """Stop writing the reply in progress (the client went away)."""
        self._cancel.set()

    def sentences(self, text: str) -> TextReply:
        """Route `text`: the reply, whose sentences come as they are written."""
        self._cancel = threading.Event()
        skills = self.router.skills
        command = skills.recognize(text) if skills is not None else None
        if command is not None and getattr(command, "intent", "") == "TimerSet":
            return TextReply(Route.SKILL, sentences=iter([NO_TIMERS]), written=[NO_TIMERS])
        reply = self.router.respond(text, now=time.monotonic(), cancel=self._cancel)
        answer = TextReply(reply.route, guard=reply.guard)

        def written() -> Iterator[str]:
            splitter = SentenceSplitter(first_pause_words=FIRST_PAUSE_WORDS)
            for piece in reply.pieces:
                yield from splitter.push(piece)
            yield from splitter.flush()

        def stream() -> Iterator[str]:
            try:  # the guard checks each sentence; where it ends the reply, the model stops
                for sentence in guarded(written(), reply.guard):
                    answer.written.append(sentence)
                    yield sentence
            finally:
                reply.pieces.close()
        answer.sentences = stream()
        return answer

    def remember(self, question: str, reply: TextReply) -> None:
        answer = clean_for_speech(" ".join(reply.written))
        remember_turn(self.router.memory, route=reply.route, question=question,
                      answer=answer, interrupted=False,
                      guard_failed=reply.guard is not None and reply.guard.failed)
        if reply.route in (Route.SKILL, Route.LLM):
            self.controls.said(answer)


@dataclass
class TextReply:
    """One reply of a text conversation: its route, its sentences as they are written
    (each checked by the guard of a chat-model reply) and those written so far."""

    route: Route
    guard: ReplyGuard | None = None
    sentences: Iterator[str] = field(default_factory=lambda: iter(()))
    written: list[str] = field(default_factory=list)


async def handle(chat: TextConversation, event: Event, *, send: Send) -> None:
    """Answer a `transcript` event, streaming the reply sentence by sentence."""
    transcript = Transcript.from_event(event)
    text, context = transcript.text, transcript.context
    reply = await asyncio.to_thread(chat.sentences, text)
    sentences = reply.sentences
    if reply.route is Route.NONE:
        await send(NotHandled(text="Nothing was said.", context=context).event())
        return
    try:
        await send(HandledStart(context=context).event())
        while (sentence := await asyncio.to_thread(next, sentences, None)) is not None:
            await send(HandledChunk(text=sentence).event())
    except BaseException:
        chat.stop()  # the client went away mid-reply: the chat model stops writing
        await asyncio.to_thread(sentences.close)  # type: ignore[attr-defined]
        raise
    chat.remember(text, reply)
    await send(Handled(text=clean_for_speech(" ".join(reply.written)), context=context).event())
    await send(HandledStop().event())


def recognize(engines: Engines, event: Event) -> Event:
    """The command in a `recognize` event's text, without acting on it."""
    text = Recognize.from_event(event).text
    match = engines.skills.recognizer.recognize(text) if engines.skills is not None else None
    if match is None:
        return NotRecognized().event()
    return Intent(name=match.intent,
                  entities=[Entity(name=k, value=v) for k, v in match.slots.items()]).event()

"""The `intent` and `handle` services: text in, the assistant's skills and chat model out.

`recognize` -> `intent` (the command the skills would run, without running it) or
`not-recognized`. `transcript` (text to answer, as Home Assistant's conversation agent
sends it) -> `handled-start`, one `handled-chunk` per sentence as the chat model writes
it, `handled` with the whole reply (what clients that do not stream read), `handled-stop`;
`not-handled` when there was nothing to answer.

The reply is exactly what a session would say for the same words (the same router,
sentence splitting and memory policy as `loop.responder`), only not synthesized: the
client asks for speech separately if it wants it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator

from wyoming.asr import Transcript
from wyoming.event import Event
from wyoming.handle import Handled, HandledChunk, HandledStart, HandledStop, NotHandled
from wyoming.intent import Entity, Intent, NotRecognized, Recognize

from assistant.engines.loader import Engines
from assistant.loop.controls import AssistantControls
from assistant.loop.events import Route
from assistant.loop.memory import remember_turn
from assistant.loop.router import Router
from assistant.loop.sentences import SentenceSplitter, clean_for_speech
from assistant.loop.session import SessionSettings, conversation

Send = Callable[[Event], Awaitable[None]]

FIRST_PAUSE_WORDS = 1
"""Where the first sentence may be cut, as the session's responder cuts it."""


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

    def sentences(self, text: str) -> tuple[Route, Iterator[str], list[str]]:
        """Route `text`; the reply's sentences as they are written, and the list they
        are collected in."""
        self._cancel = threading.Event()
        reply = self.router.respond(text, now=time.monotonic(), cancel=self._cancel)
        written: list[str] = []

        def stream() -> Iterator[str]:
            splitter = SentenceSplitter(first_pause_words=FIRST_PAUSE_WORDS)
            try:
                for piece in reply.pieces:
                    for sentence in splitter.push(piece):
                        written.append(sentence)
                        yield sentence
                for sentence in splitter.flush():
                    written.append(sentence)
                    yield sentence
            finally:
                reply.pieces.close()
        return reply.route, stream(), written

    def remember(self, route: Route, question: str, answer: str) -> None:
        remember_turn(self.router.memory, route=route, question=question, answer=answer,
                      interrupted=False)
        if route in (Route.SKILL, Route.LLM):
            self.controls.said(answer)


async def handle(chat: TextConversation, event: Event, *, send: Send) -> None:
    """Answer a `transcript` event, streaming the reply sentence by sentence."""
    transcript = Transcript.from_event(event)
    text, context = transcript.text, transcript.context
    route, sentences, written = await asyncio.to_thread(chat.sentences, text)
    if route is Route.NONE:
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
    answer = clean_for_speech(" ".join(written))
    chat.remember(route, text, answer)
    await send(Handled(text=answer, context=context).event())
    await send(HandledStop().event())


def recognize(engines: Engines, event: Event) -> Event:
    """The command in a `recognize` event's text, without acting on it."""
    text = Recognize.from_event(event).text
    match = engines.skills.recognizer.recognize(text) if engines.skills is not None else None
    if match is None:
        return NotRecognized().event()
    return Intent(name=match.intent,
                  entities=[Entity(name=k, value=v) for k, v in match.slots.items()]).event()

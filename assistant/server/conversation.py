"""The `intent` and `handle` services: text in, the assistant's skills and chat model out.

`recognize` -> `intent` (the command the skills would run, without running it) or
`not-recognized`. `transcript` (text to answer, as Home Assistant's conversation agent
sends it) -> `handled-start`, one `handled-chunk` per sentence as the chat model writes
it, `handled` with the whole reply (what clients that do not stream read), `handled-stop`;
`not-handled` when there was nothing to answer.

The reply is exactly what a session would say for the same words (the same
`loop.conversation.Conversation`: router, sentence splitting, reply guard and memory
policy), only not synthesized: the client asks for speech separately if it wants it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

from wyoming.asr import Transcript
from wyoming.event import Event
from wyoming.handle import Handled, HandledChunk, HandledStart, HandledStop, NotHandled
from wyoming.intent import Entity, Intent, NotRecognized, Recognize

from assistant.loop.conversation import Answer
from assistant.loop.events import Route
from assistant.loop.router import Router
from assistant.loop.session import SessionSettings, conversation
from assistant.loop.shared import Engines
from assistant.skills.base import Capabilities, Outcome

Send = Callable[[Event], Awaitable[None]]


@dataclass(frozen=True)
class NothingSaid(Outcome):
    """A `transcript` with no words: Home Assistant is told nothing was handled."""


class TextConversation:
    """One connection's conversation: its memory and skills over the shared engines. It has
    no speaker, so the skills are told (no timer is started that could never ring)."""

    def __init__(self, engines: Engines, settings: SessionSettings, *, owner: str) -> None:
        self.conversation = conversation(
            language=engines.language, chat=engines.chat, skills_engine=engines.skills,
            settings=settings, owner=owner, capabilities=Capabilities(speaker=False),
            others=engines.others)
        self._cancel = threading.Event()

    @property
    def router(self) -> Router:
        return self.conversation.router

    def stop(self) -> None:
        """Stop writing the reply in progress (the client went away)."""
        self._cancel.set()

    def answer(self, text: str) -> tuple[Answer, Iterator[str]]:
        """Route `text`: the answer, and its sentences as they are written."""
        self._cancel = threading.Event()
        answer = self.conversation.answer(text, now=time.monotonic(), cancel=self._cancel)
        return answer, answer.sentences(cancel=self._cancel)


async def handle(chat: TextConversation, event: Event, *, send: Send) -> None:
    """Answer a `transcript` event, streaming the reply sentence by sentence."""
    transcript = Transcript.from_event(event)
    text, context = transcript.text, transcript.context
    answer, sentences = await asyncio.to_thread(chat.answer, text)
    if answer.route is Route.NONE:
        said = chat.conversation.language.say(NothingSaid())
        await send(NotHandled(text=said, context=context).event())
        return
    try:
        await send(HandledStart(context=context).event())
        while (sentence := await asyncio.to_thread(next, sentences, None)) is not None:
            await send(HandledChunk(text=sentence).event())
    except BaseException:
        chat.stop()  # the client went away mid-reply: the chat model stops writing
        await asyncio.to_thread(answer.close)
        raise
    answer.finish()
    await send(Handled(text=answer.text, context=context).event())
    await send(HandledStop().event())


def recognize(engines: Engines, event: Event) -> Event:
    """The command in a `recognize` event's text, without acting on it."""
    text = Recognize.from_event(event).text
    match = engines.skills.recognizer.recognize(text) if engines.skills is not None else None
    if match is None:
        return NotRecognized().event()
    return Intent(name=match.intent,
                  entities=[Entity(name=k, value=v) for k, v in match.slots.items()]).event()

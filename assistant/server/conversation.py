"""The `intent` and `handle` services: text in, the assistant's skills and chat model out.

`recognize` -> `intent` (the command the skills would run, without running it) or
`not-recognized`. `transcript` (text to answer, as Home Assistant's conversation agent
sends it) -> `handled-start`, one `handled-chunk` per sentence as the chat model writes
it, `handled` with the whole reply (what clients that do not stream read), `handled-stop`;
`not-handled` when there was nothing to answer. A device command is Home Assistant's to
carry out: it is answered with one of HA's intents (`intent`, our reply as its speech),
or `not-handled` when no HA intent says it (see `handover`).

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
from assistant.server.handover import (
    HandOver,
    LeftToHomeAssistant,
    ha_intent,
    leave_to_home_assistant,
    unknown_switch,
)
from assistant.skills.base import Capabilities, Outcome
from assistant.skills.home_access import HomeAccess

Send = Callable[[Event], Awaitable[None]]


@dataclass(frozen=True)
class NothingSaid(Outcome):
    """A `transcript` with no words: Home Assistant is told nothing was handled."""


class TextConversation:
    """One connection's conversation: its memory and skills over the shared engines. It has
    no speaker, so the skills are told (no timer is started that could never ring)."""

    def __init__(self, engines: Engines, settings: SessionSettings, *, owner: str) -> None:
        skills = engines.skills
        self.handover = HandOver(skills.home.backend) if skills is not None else None
        self.conversation = conversation(
            language=engines.language, chat=engines.chat, skills_engine=skills,
            settings=settings, owner=owner, capabilities=Capabilities(speaker=False),
            others=engines.others,
            home=HomeAccess(self.handover, reachable=skills.home.reachable)
            if skills is not None and self.handover is not None else None)
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

    def left_to_home_assistant(self, text: str) -> bool:
        """A question about device states only Home Assistant knows (the skills run
        over the simulated home)."""
        skills = self.router.skills
        match = skills.recognize(text) if skills is not None else None
        intent = getattr(match, "intent", None)
        return self.handover is not None and leave_to_home_assistant(self.handover, intent)

    def handed_over(self, answer: Answer, sentences: Iterator[str]) -> Event | None:
        """The answer as Home Assistant's intent when it is a device command (or
        `not-handled` when no HA intent says it); None when it is ours to say. Blocking:
        the skill's reply is read whole."""
        if self.handover is None or answer.route is not Route.SKILL:
            return None
        commands = self.handover.take()
        home = self.handover.home()
        named = unknown_switch(home, answer.intent, answer.slots)
        if not commands and named is None:
            return None
        text = " ".join(sentences) if commands or named is None else \
            self.conversation.language.say(named)
        answer.finish()
        intent = ha_intent(commands, home=home, intent=answer.intent, slots=answer.slots,
                           text=text)
        if intent is None:
            return NotHandled(text=self.conversation.language.say(
                LeftToHomeAssistant())).event()
        return intent.event()


async def handle(chat: TextConversation, event: Event, *, send: Send) -> None:
    """Answer a `transcript` event, streaming the reply sentence by sentence."""
    transcript = Transcript.from_event(event)
    text, context = transcript.text, transcript.context
    if await asyncio.to_thread(chat.left_to_home_assistant, text):
        said = chat.conversation.language.say(LeftToHomeAssistant())
        await send(NotHandled(text=said, context=context).event())
        return
    answer, sentences = await asyncio.to_thread(chat.answer, text)
    if answer.route is Route.NONE:
        said = chat.conversation.language.say(NothingSaid())
        await send(NotHandled(text=said, context=context).event())
        return
    handed = await asyncio.to_thread(chat.handed_over, answer, sentences)
    if handed is not None:
        if context is not None and handed.data is not None:
            handed.data["context"] = context
        await send(handed)
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

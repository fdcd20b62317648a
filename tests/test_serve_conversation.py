"""The `handle` service's text conversation with a fake chat model: the reply guard
applies as it does in a session (unit tests; the real server is in test_serve.py)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from wyoming.asr import Transcript
from wyoming.event import Event
from wyoming.handle import Handled, HandledChunk

from assistant.server.conversation import TextConversation, handle
from assistant.skills import SkillsEngine
from tests import building
from tests.fakes import FakeChat

NOT_SURE = "I'm not sure about that."
NO_TIMERS = ("I can only set timers in a room, where I can ring them: ask a satellite or the "
             "assistant itself.")


def answer(chat: FakeChat, question: str, *, max_sentences: int = 0,
           skills: SkillsEngine | None = None) -> tuple[TextConversation, list[str], str]:
    conversation = TextConversation(
        SimpleNamespace(chat=chat, skills=skills, others=(),  # type: ignore[arg-type]
                        language=building.language("en")),
        building.session_settings(max_sentences=max_sentences), owner="test")
    events: list[Event] = []

    async def send(event: Event) -> None:
        events.append(event)

    asyncio.run(handle(conversation, Transcript(text=question).event(), send=send))
    chunks = [HandledChunk.from_event(e).text for e in events if HandledChunk.is_type(e.type)]
    handled = next(Handled.from_event(e).text for e in events if Handled.is_type(e.type))
    return conversation, chunks, handled or ""


def test_a_reply_in_another_language_is_replaced_and_not_remembered() -> None:
    conversation, chunks, handled = answer(
        FakeChat("Il capo di Italy, il capital. La città è bella."),
        "What is the capital of Italy?")
    assert chunks == [NOT_SURE] and handled == NOT_SURE
    assert conversation.router.memory.questions() == []


def test_a_good_reply_is_streamed_whole_and_remembered() -> None:
    conversation, chunks, handled = answer(
        FakeChat("Rome is the capital of Italy. It is a very old city. It has many hills."),
        "What is the capital of Italy?", max_sentences=2)
    assert handled == "Rome is the capital of Italy. It is a very old city."  # the limit
    assert len(chunks) == 2
    assert conversation.router.memory.questions() == ["What is the capital of Italy?"]


def test_a_timer_is_not_started_where_it_could_not_ring() -> None:
    """A text conversation has no speaker: it says so instead of starting a silent timer;
    other commands run as in a session."""
    skills = building.skills_engine()
    conversation, chunks, handled = answer(FakeChat(), "Set a timer for five minutes.",
                                           skills=skills)
    assert " ".join(chunks) == NO_TIMERS and handled == NO_TIMERS
    _, _, sum_ = answer(FakeChat(), "What is seventeen times twenty three?", skills=skills)
    assert "391" in sum_ or "three hundred ninety" in sum_.lower()

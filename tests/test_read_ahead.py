"""Reading a question ahead: while the question's last silence runs out, the router has
the chat model read the prompt the reply will need (the listener's side is in
test_listener, the model's in test_chat)."""

from __future__ import annotations

from assistant.knowledge.facts import Passage, Source
from assistant.knowledge.grounding import Grounding
from assistant.loop.router import Router
from tests import building
from tests.fakes import FakeChat

JUPITER = Passage("Jupiter", "Jupiter is the fifth planet from the Sun and the largest.",
                  Source("Wikipedia summaries", "Jupiter", "CC BY-SA 3.0"), 9.0)


def grounded_router(chat: FakeChat) -> Router:
    router = building.router(chat=chat, read_ahead=True)
    router.grounding = Grounding(lambda question: [JUPITER])
    return router


def test_the_prompt_read_ahead_is_the_one_the_reply_is_written_from() -> None:
    chat = FakeChat()
    router = grounded_router(chat)
    question = "How big is Jupiter?"
    router.prepare(question)
    "".join(router.respond(question, now=0.0).pieces)
    assert chat.prepared == chat.prompts  # the same messages, passage and all
    assert "Jupiter is the fifth planet" in chat.prepared[0][-1].content


def test_a_later_question_is_read_with_the_conversation_so_far() -> None:
    chat = FakeChat()
    router = building.router(chat=chat, read_ahead=True)
    "".join(router.respond("Who wrote Hamlet?", now=0.0).pieces)
    router.memory.add("Who wrote Hamlet?", "Shakespeare.")
    router.prepare("When was he born?")
    assert [m.content for m in chat.prepared[0][-3:]] == [
        "Who wrote Hamlet?", "Shakespeare.", "When was he born?"]


def test_nothing_is_read_when_off_without_words_or_without_a_chat_model() -> None:
    chat = FakeChat()
    building.router(chat=chat).prepare("How big is Jupiter?")  # llm.read_ahead is off
    building.router(chat=chat, read_ahead=True).prepare("   ")
    assert chat.prepared == []
    building.router(chat=None, read_ahead=True).prepare("How big is Jupiter?")

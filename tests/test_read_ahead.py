"""Reading a question ahead: while the question's last silence runs out, the router has
the chat model read the prompt the reply will need (the listener's side is in
test_listener, the model's in test_chat)."""

from __future__ import annotations

from pathlib import Path

from assistant.knowledge.facts import Passage, Source
from assistant.knowledge.grounding import Grounding
from assistant.loop.clock import StreamClock
from assistant.loop.listener import ListenerSettings
from assistant.loop.router import ChatSettings, Router
from assistant.loop.session import Session, SessionSettings
from assistant.testmode.runner import CaptureSink, ScriptRunner
from assistant.testmode.script import parse_script
from tests import building
from tests.fakes import FakeChat, FakeWake
from tests.test_session import fake_engines

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


def test_a_question_after_the_wake_word_is_read_without_the_last_conversation(
        tmp_path: Path) -> None:
    """The session wires the listener to the router: the memory, still there while the
    question is heard, is gone when the wake word's new conversation answers it."""
    chat = FakeChat("Shakespeare wrote it.")
    engines = fake_engines(texts=["Who wrote Hamlet?", "Who painted the Mona Lisa?"],
                           chat=chat)
    listening = ListenerSettings(predecode_ms=100, early_cut_ms=150, question_cut_ms=300)
    settings = SessionSettings(chat=ChatSettings(system_prompt="Be brief.", read_ahead=True),
                               listener=listening, memory_tokens=500)
    sink, clock = CaptureSink(16000), StreamClock()
    session = Session(engines, sink=sink, clock=clock, settings=settings)
    script = parse_script({"turns": [{"say": "who wrote hamlet"},
                                     {"say": "who painted the mona lisa"}]},
                          path=tmp_path / "script.yaml")
    with engines, session:
        ScriptRunner(session, sink, clock, voices=lambda name: engines.voice,
                     out_dir=tmp_path, wake_phrase=FakeWake.phrase).run(script)
    assert [m[-1].content for m in chat.prepared] == ["Who wrote Hamlet?",
                                                       "Who painted the Mona Lisa?"]
    assert chat.prepared == chat.prompts  # read as replied: no Hamlet in the second
    assert [m.role for m in chat.prepared[1]] == ["system", "user"]

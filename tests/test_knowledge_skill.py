"""The knowledge in the live loop: a question the data answers goes to the knowledge
skill (never the chat model), an open question naming an encyclopedia subject gets its
passage in the chat model's turn, every answer records its source, and "where did you get
that?" says it. On the small test data sets (tests/knowledge_data.py) with a fake chat
model; tests/test_knowledge_real.py does the same on the real data."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from assistant.config import Config, LlmConfig, ModelsConfig, SkillsConfig
from assistant.knowledge_setup import KnowledgeParts, knowledge_parts, questions_of
from assistant.loop.clock import StreamClock
from assistant.loop.conversation import Answer, Conversation
from assistant.loop.events import Completeness, Route
from assistant.loop.router import ChatSettings
from assistant.loop.session import Session, SessionSettings
from assistant.loop.shared import Engines
from assistant.models import ModelStore
from assistant.skills.knowledge import Shelf, spoken_amount
from assistant.testmode.runner import CaptureSink, ScriptRunner
from assistant.testmode.script import parse_script
from tests import building
from tests.fakes import (
    FakeChat,
    FakeRecognizer,
    FakeVadModel,
    FakeVoice,
    FakeWake,
    FakeWakeModel,
    MemoryControls,
)


def talk(code: str = "en", chat: FakeChat | None = None) -> Conversation:
    engine = building.skills_engine(code, knowledge=True)
    return building.conversation(chat=chat, skills_engine=engine, code=code)


def said(conversation: Conversation, text: str) -> Answer:
    """Answer `text` as a session does: every sentence out, then the turn finished."""
    answer = conversation.answer(text, now=1.0)
    list(answer.sentences())
    answer.finish()
    return answer


def test_a_question_the_data_answers_never_reaches_the_chat_model() -> None:
    chat = FakeChat("Lyon.")
    conversation = talk(chat=chat)
    answer = said(conversation, "What is the capital of France?")
    assert (answer.route, answer.intent, answer.text) == (
        Route.SKILL, "PlaceFact", "The capital of France is Paris.")
    assert answer.source.startswith("skill PlaceFact: GeoNames countries")
    assert "entry FR" in answer.source
    assert chat.prompts == []


def test_where_did_you_get_that_names_the_data_set_and_entry() -> None:
    conversation = talk(chat=FakeChat())
    assert said(conversation, "where did you get that").text == (
        "I haven't answered anything yet.")
    said(conversation, "What is the chemical symbol for iron?")
    source = "From my offline data: periodictable test, the entry Fe."  # version "test"
    assert said(conversation, "Where did you get that?").text == source
    assert said(conversation, "where did you get that").text == source  # still that answer
    said(conversation, "repeat that")
    assert said(conversation, "what's your source").text == source


def test_an_open_question_is_answered_from_the_passage_that_names_its_subject() -> None:
    chat = FakeChat("Alexander Graham Bell invented it.")
    conversation = talk(chat=chat)
    answer = said(conversation, "Who invented the telephone?")
    assert (answer.route, answer.source) == (Route.LLM, "model with Telephone")
    assert answer.guard is not None  # the guard still checks every sentence
    question = chat.prompts[-1][-1].content
    assert question.startswith("Reference (Telephone, Wikipedia): A telephone is")
    assert question.endswith("Question: Who invented the telephone?")
    assert said(conversation, "where did you get that").text == (
        "My chat model answered from the offline Wikipedia summary of Telephone.")
    # memory keeps the question as asked, not the passage
    follow_up = said(conversation, "Tell me a joke.")
    assert follow_up.source == "model"
    remembered = [m.content for m in chat.prompts[-1] if m.role == "user"]
    assert "Who invented the telephone?" in remembered
    assert not any("Reference" in content for content in remembered)
    assert said(conversation, "How do you know that?").text.startswith(
        "From my chat model's own memory")


def test_a_command_says_it_came_from_a_skill() -> None:
    conversation = talk(chat=FakeChat())
    assert said(conversation, "set a timer for 5 minutes").source == "skill TimerSet"
    assert said(conversation, "where did you get that").text == (
        "I worked that out myself, with one of my built-in skills.")


def test_mandarin_facts_and_their_source() -> None:
    chat = FakeChat("不知道。")
    conversation = talk("zh", chat=chat)
    assert said(conversation, "日本的首都是哪里？").route is Route.LLM  # not in the test data
    assert said(conversation, "法国的首都是哪里？").text == "法国的首都是巴黎。"
    assert said(conversation, "你从哪里知道的？").text == (
        "来自我的离线资料：GeoNames countries，条目FR。")
    assert said(conversation, "俄罗斯有多大").text == "俄罗斯的面积约一千七百一十万平方公里。"


def test_while_the_data_opens_its_questions_go_to_the_chat_model() -> None:
    shelf = Shelf()
    engine = building.skills_engine("en", knowledge=KnowledgeParts(shelves={"en": shelf}))
    skills = engine.session(controls=MemoryControls())
    assert skills.respond("what is the capital of france", now=1.0) is None
    known = building.small_knowledge("en").shelves["en"].get()
    assert known is not None
    shelf.put(questions_of(known.knowledge, building.language("en")))
    reply = skills.respond("what is the capital of france", now=2.0)
    assert reply is not None and reply.text == "The capital of France is Paris."


def test_missing_data_leaves_the_skill_out_with_one_notice(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = ModelStore.from_config(ModelsConfig(dir=str(tmp_path)))
    with caplog.at_level(logging.WARNING):
        parts = knowledge_parts(Config(), [building.language("en")], store)
    assert parts.shelves == {} and parts.grounding is None
    notices = [r for r in caplog.records if r.name == "assistant.knowledge_setup"]
    assert len(notices) == 1 and "assistant models fetch geonames-cities15000" in (
        notices[0].getMessage())


def test_turned_off_it_is_not_even_looked_for(tmp_path: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    store = ModelStore.from_config(ModelsConfig(dir=str(tmp_path)))
    config = Config(skills=SkillsConfig(knowledge=False), llm=LlmConfig(passages=0))
    with caplog.at_level(logging.INFO):
        parts = knowledge_parts(config, [building.language("en")], store)
    assert parts.shelves == {} and parts.grounding is None and caplog.records == []


@pytest.mark.parametrize(("value", "said_as"), [
    (66987244, 67_000_000.0), (17_100_000.0, 17_100_000.0), (921, None), ("Paris", None),
    (-123456, -123000.0)])
def test_large_numbers_are_said_rounded(value: object, said_as: float | None) -> None:
    assert spoken_amount(value) == said_as


def test_the_test_mode_report_says_where_each_answer_came_from(tmp_path: Path) -> None:
    voice, chat = FakeVoice(), FakeChat("Bell did.")
    engines = Engines(language=building.language("en"), recognizer=FakeRecognizer(),
                      vad=FakeVadModel(), wake=FakeWakeModel(), voice=voice, chat=chat,
                      skills=building.skills_engine("en", knowledge=True))
    clock, sink = StreamClock(), CaptureSink(16000)
    session = Session(engines, sink=sink, clock=clock, name="kitchen",
                      settings=SessionSettings(chat=ChatSettings(system_prompt="Be brief.")))
    script = parse_script({"turns": [{"text": "what is the capital of france"},
                                     {"text": "who invented the telephone"},
                                     {"text": "where did you get that"}]},
                          path=tmp_path / "script.yaml")
    with engines, session:
        rows = ScriptRunner(session, sink, clock, voices=lambda name: voice,
                            out_dir=tmp_path / "out", wake_phrase=FakeWake.phrase).run(script)
    assert [row["route"] for row in rows] == ["skill", "llm", "skill"]
    assert rows[0]["source"].startswith("skill PlaceFact: GeoNames countries")
    assert rows[1]["source"] == "model with Telephone"
    assert rows[2]["reply"] == (
        "My chat model answered from the offline Wikipedia summary of Telephone.")


def test_a_question_the_data_answers_is_complete_as_soon_as_it_is_said() -> None:
    """The listener cuts a command's end-of-speech wait short: a fact question too."""
    router = talk(chat=FakeChat()).router
    assert router.is_complete("what is the capital of france") is Completeness.COMMAND
    assert router.is_complete("what is the capital of") is None

"""The typed question benchmark on a fake chat model: every question in a new
conversation, scored as the guard let it through, and the data answering first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.assembly import session_settings
from assistant.config import Config
from assistant.knowledge import Knowledge, Name
from assistant.loop.typed import answer_typed
from assistant_bench.qa_typed import fact_text, run_facts_then_model, run_typed_qa
from tests import building
from tests.fakes import FakeChat
from tests.knowledge_data import open_knowledge

QUESTIONS = """questions:
  - {ask: "What is the capital of France?", accept: [paris]}
  - {ask: "Who invented the telephone?", accept: [bell]}
"""


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Knowledge]:
    yield from open_knowledge(tmp_path_factory.mktemp("typed"))


def routers(chat: FakeChat):
    # the English defaults: its prompt and the examples the topic check compares with
    settings = session_settings(Config(), building.language("en"))
    created = []

    def new():
        created.append(building.conversation(chat=chat, settings=settings))
        return created[-1]
    return new, created


def test_each_question_is_asked_in_a_new_conversation_and_scored(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(QUESTIONS)
    chat = FakeChat("Paris is the capital of France.")
    new, created = routers(chat)
    result = run_typed_qa(new, sets=(str(path),))
    figures = result["sets"][str(path)]
    # the same answer to the telephone question takes up the examples' topic: replaced
    assert (figures["right"], figures["not_sure"], figures["questions"]) == (1, 1, 2)
    assert result["records"][1]["guard"] == "replaced"
    # two conversations; only the answer that passed the guard is remembered
    assert [len(conv.router.memory) for conv in created] == [1, 0]
    first = result["records"][0]
    assert first["route"] == "llm" and first["guard"] == "passed"
    assert first["reply"] == "Paris is the capital of France."


def test_the_data_answers_first_with_its_source(tmp_path: Path, knowledge) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(QUESTIONS)
    chat = FakeChat("Alexander Graham Bell did.")
    new, created = routers(chat)
    questions = building.knowledge_questions(knowledge, "en")
    result = run_facts_then_model(new, questions, sets=(str(path),), language="en")
    capital, telephone = result["records"]
    assert (capital["route"], capital["reply"], capital["outcome"]) == (
        "knowledge", "Paris", "right")
    assert "GeoNames" in capital["source"]
    assert (telephone["route"], telephone["source"], telephone["outcome"]) == (
        "llm", "model", "right")
    assert len(created) == 1 and result["sets"][str(path)]["from_data"] == 1


def test_fact_values_as_plain_words(knowledge) -> None:
    from assistant.knowledge import Query

    languages = knowledge.fact(Query("PlaceFact", {"country": "BR", "relation": "languages"}))
    assert fact_text(languages, "zh") == "葡萄牙语"
    area = knowledge.fact(Query("PlaceFact", {"country": "RU", "relation": "area"}))
    assert fact_text(area, "en") == "17100000"
    assert Name("Paris", {"zh": "巴黎"}).in_language("fr") == "Paris"


def test_a_typed_turn_keeps_what_the_guard_let_through() -> None:
    chat = FakeChat("Rome is the capital. Il capo di Italy, il capital.")
    new, _ = routers(chat)
    conv = new()
    printed: list[str] = []
    turn = answer_typed(conv, "What is the capital of Italy?", on_sentence=printed.append)
    assert printed == ["Rome is the capital."] == turn.sentences
    assert turn.guard is not None and turn.guard.verdict.value == "cut"
    assert len(conv.router.memory) == 0  # a reply that failed the guard is not remembered
    assert turn.first_piece_s is not None and turn.seconds >= turn.first_piece_s

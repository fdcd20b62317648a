"""The knowledge layer on the real data sets: the database built from the installed
packages and the fetched files, every question of the bundled sets the data answers
answered right, and the encyclopedia's passages for open questions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.knowledge import Knowledge, Name
from assistant.knowledge.database import GEONAMES_ID, SUMMARIES_ID, KnowledgeSources
from assistant.knowledge.questions import KnowledgeQuestions
from assistant.models import ModelStore
from assistant_bench.qa_score import Outcome, load_questions, score_reply
from assistant_bench.qa_typed import fact_text
from tests import building
from tests.conftest import require_models


@pytest.fixture(scope="module")
def knowledge() -> Iterator[Knowledge]:
    from assistant.config import ModelsConfig

    store = ModelStore.from_config(ModelsConfig())
    require_models(store, GEONAMES_ID, SUMMARIES_ID)
    # the database scripts/test.sh builds (python -m assistant.knowledge), else built here
    opened = Knowledge.open(KnowledgeSources.from_store(store))
    yield opened
    opened.close()


def questions(knowledge: Knowledge, language: str) -> KnowledgeQuestions:
    return building.knowledge_questions(knowledge, language)


def test_what_the_data_answers_of_the_question_sets_is_right(knowledge: Knowledge) -> None:
    answered = []
    for name in ("general", "heldout", "zh"):
        for question in load_questions(name):
            answer = questions(knowledge, question.language).answer(question.ask)
            if answer is not None:
                text = fact_text(answer.fact, question.language)
                answered.append((question.ask, text, answer.fact.source.dataset))
                assert score_reply(text, question.accept, language=question.language) \
                    is Outcome.RIGHT, (question.ask, text)
    assert len(answered) >= 20, answered  # capitals, languages, currencies, symbols


def test_real_facts_with_chinese_names(knowledge: Knowledge) -> None:
    english, mandarin = questions(knowledge, "en"), questions(knowledge, "zh")
    capital = english.answer("What is the capital of Australia?")
    assert capital is not None and capital.fact.value == Name("Canberra", {"zh": "堪培拉"})
    assert mandarin.answer("日本的首都是哪里？").fact.value.in_language("zh") == "东京"
    assert english.answer("What is the chemical symbol for iron?").fact.value == "Fe"
    assert english.answer("How do you say apple in Chinese?").fact.value.other["zh"] == "苹果"
    largest = english.answer("What is the largest country in the world?")
    assert largest.fact.value.en == "Russia"
    if knowledge.words is not None:  # Debian's wordnet-base
        definition = english.answer("What does serendipity mean?")
        assert "unexpected" in definition.fact.value
    assert english.answer("What is the capital of happiness?") is None


def test_open_questions_find_their_article(knowledge: Knowledge) -> None:
    for question, title in [("Who invented the telephone?", "Telephone"),
                            ("Who painted the Mona Lisa?", "Mona Lisa"),
                            ("Who discovered penicillin?", "Penicillin")]:
        titles = [p.title for p in knowledge.context(question, limit=3)]
        assert title in titles, (question, titles)


def test_the_live_loop_answers_from_the_real_data_with_its_source() -> None:
    """The knowledge as the assembly opens it (knowledge_setup), in a conversation whose
    chat model is a fake: facts come from the skill, open questions with their passage."""
    from assistant.config import Config, LlmConfig, ModelsConfig
    from assistant.knowledge_setup import knowledge_parts
    from tests.fakes import FakeChat

    store = ModelStore.from_config(ModelsConfig())
    require_models(store, GEONAMES_ID, SUMMARIES_ID)
    english, mandarin = building.language("en"), building.language("zh")
    parts = knowledge_parts(Config(llm=LlmConfig(passages=1)), [english, mandarin], store,
                            background=False)
    chat = FakeChat("Leonardo da Vinci painted it.")
    talk = building.conversation(
        chat=chat, skills_engine=building.skills_engine("en", knowledge=parts))

    def say(text: str) -> tuple[str, str]:
        answer = talk.answer(text, now=1.0)
        list(answer.sentences())
        answer.finish()
        return answer.text, answer.source

    text, source = say("What is the capital of Australia?")
    assert text == "The capital of Australia is Canberra." and "entry AU" in source
    assert say("where did you get that?")[0] == (
        "From my offline data: GeoNames countries, the entry AU.")
    assert say("Who painted the Mona Lisa?")[1] == "model with Mona Lisa"
    assert "Mona Lisa" in chat.prompts[-1][-1].content
    zh = building.conversation(chat=chat, code="zh",
                               skills_engine=building.skills_engine("zh", knowledge=parts))
    answer = zh.answer("日本的首都是哪里？", now=1.0)
    assert answer.text == "" and list(answer.sentences()) == ["日本的首都是东京。"]

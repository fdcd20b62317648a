"""Which questions the data answers, in English and Mandarin: the templates of
assistant/knowledge/intents matched by each language's recognizer, wildcards resolved in
the data, and everything else left to the chat model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from assistant.knowledge import Knowledge
from assistant.knowledge.questions import KnowledgeQuestions, template_file
from tests import building
from tests.knowledge_data import open_knowledge


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Knowledge]:
    yield from open_knowledge(tmp_path_factory.mktemp("questions"))


@pytest.fixture(scope="module")
def english(knowledge: Knowledge) -> KnowledgeQuestions:
    return building.knowledge_questions(knowledge, "en")


@pytest.fixture(scope="module")
def mandarin(knowledge: Knowledge) -> KnowledgeQuestions:
    return building.knowledge_questions(knowledge, "zh")


@pytest.mark.parametrize(("question", "relation", "value"), [
    ("What is the capital of France?", "capital", "Paris"),
    ("what's the capital of Australia", "capital", "Canberra"),
    ("Tell me, what is France's capital?", "capital", "Paris"),
    ("How many people live in China?", "population", 1411778724),
    ("What is the population of Moscow?", "population", 10381222),  # a city
    ("What is the population of Russia?", "population", 144478050),  # the country first
    ("How big is Russia?", "area", 17100000.0),
    ("What currency does France use?", "currency", "Euro"),
    ("What language is spoken in Brazil?", "languages", ("Portuguese",)),
    ("Which continent is Australia in?", "continent", "Oceania"),
    ("Where is Australia?", "continent", "Oceania"),
    ("Where is Paris?", "country", "France"),
    ("What time zone is New York in?", "timezone", "America/New_York"),
    ("What is the largest country in the world?", "largest_by_area", "Russia"),
    ("Which country has the most people?", "largest_by_population", "China"),
    ("What is the smallest country in the world?", "smallest_by_area", "Vatican"),
    ("What is the chemical symbol for gold?", "symbol", "Au"),
    ("What is the atomic number of oxygen?", "number", 8),
    ("Which element has the symbol Fe?", "name", "Iron"),
    ("Which element has atomic number twenty six?", "name", "Iron"),
    ("What is the atomic mass of gold?", "mass", 196.967),
    ("What does the word dog mean?", "definition", "a member of the genus Canis"),
    ("Define running.", "definition", "(American football) a play"),
    ("What's another word for happy?", "synonyms", ("felicitous", "glad")),
    ("How do you say apple in Chinese?", "in_chinese", "苹果"),
    ("What does 苹果 mean in English?", "meaning", ("apple",)),
])
def test_english_questions_the_data_answers(english, question, relation, value):
    answer = english.answer(question)
    assert answer is not None, question
    assert answer.fact.relation == relation
    # the Mandarin word's `en` is its pinyin (what an English reader can say)
    assert _plain(answer.fact.value, "zh" if relation == "in_chinese" else "en") == value


@pytest.mark.parametrize("question", [
    "What is the capital of happiness?",  # not a place
    "What is the meaning of life?",  # not a word definition
    "What is the chemical symbol for water?",  # a compound, the model knows it
    "What is the capital of Antarctica?",  # a place without one
    "Who invented the telephone?",  # open: the encyclopedia gives context instead
    "What is a banana?",
    "Define the purpose of a well written sentence that goes on and on.",  # no word
    "Turn on the kitchen light.",
])
def test_everything_else_is_left_to_the_chat_model(english, question):
    assert english.answer(question) is None


@pytest.mark.parametrize(("question", "relation", "value"), [
    ("法国的首都是哪里？", "capital", "巴黎"),
    ("澳大利亚的首都是什么", "capital", "堪培拉"),
    ("中国有多少人口？", "population", 1411778724),
    ("俄罗斯的面积是多少", "area", 17100000.0),
    ("法国用什么货币", "currency", "欧元"),
    ("巴西说什么语言？", "languages", ("葡萄牙语",)),
    ("澳大利亚在哪个洲", "continent", "大洋洲"),
    ("巴黎在哪里？", "country", "法国"),
    ("世界上最大的国家是哪个？", "largest_by_area", "俄罗斯"),
    ("世界上人口最多的国家是哪个", "largest_by_population", "中国"),
    ("氧的化学符号是什么？", "symbol", "O"),
    ("铁的原子序数是多少", "number", 26),
    ("二十六号元素是什么", "name", "铁"),
    ("apple用中文怎么说？", "in_chinese", "苹果"),
    ("苹果用英语怎么说？", "meaning", ("apple",)),
])
def test_mandarin_questions_the_data_answers(mandarin, question, relation, value):
    answer = mandarin.answer(question)
    assert answer is not None, question
    assert answer.fact.relation == relation
    assert _plain(answer.fact.value, "zh") == value


@pytest.mark.parametrize("question", ["幸福的首都是哪里？", "电话是谁发明的？", "打开厨房的灯"])
def test_mandarin_open_questions_are_left_to_the_chat_model(mandarin, question):
    assert mandarin.answer(question) is None


def test_both_languages_have_the_same_intents_and_slots():
    english, mandarin = (yaml.safe_load(template_file(code).read_text(encoding="utf-8"))
                         for code in ("en", "zh"))
    assert set(mandarin["intents"]) <= set(english["intents"])
    for intent, body in mandarin["intents"].items():
        relations = {str(d.get("slots")) for d in body["data"]}
        assert relations <= {str(d.get("slots")) for d in english["intents"][intent]["data"]}
    assert english["lists"] == mandarin["lists"]


def _plain(value: object, language: str = "en") -> object:
    """A fact's value as the test writes it: names in one language, tuples of them."""
    if isinstance(value, tuple):
        return tuple(_plain(item, language) for item in value)
    in_language = getattr(value, "in_language", None)
    return in_language(language) if in_language is not None else value


def test_template_files_ship_with_the_package():
    assert all(Path(template_file(code)).is_file() for code in ("en", "zh"))

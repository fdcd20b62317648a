"""The knowledge library on small copies of its data sets: typed facts with their sources,
English and Chinese names, the database built once and rebuilt only when a source
changes, and encyclopedia passages in the chat model's prompt."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator

import pytest

from assistant.engines.llm import ChatMessage
from assistant.knowledge import Knowledge, Name, Query
from assistant.knowledge.database import database_path, open_database
from assistant.knowledge.grounding import (
    GroundedChat,
    GroundingSettings,
    cut_passage,
    grounded_question,
    names_subject,
)
from tests.fakes import FakeChat
from tests.knowledge_data import open_knowledge, write_sources


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Knowledge]:
    yield from open_knowledge(tmp_path_factory.mktemp("knowledge"))


def fact(knowledge: Knowledge, intent: str, **slots: object):
    return knowledge.fact(Query(intent, slots))


def test_a_capital_with_its_chinese_name_and_source(knowledge):
    code = knowledge.countries.find("France")
    answer = fact(knowledge, "PlaceFact", country=code, relation="capital")
    assert answer.subject == Name("France", {"zh": "法国"})
    assert answer.value == Name("Paris", {"zh": "巴黎"})
    assert answer.source.entry == "FR" and "GeoNames" in answer.source.dataset
    assert "CC BY 4.0" in answer.source.licence


def test_countries_are_found_by_any_of_their_names(knowledge):
    assert knowledge.countries.find("the Russian Federation") == "RU"
    assert knowledge.countries.find("russia") == "RU"
    assert knowledge.countries.find("俄罗斯") == "RU"
    assert knowledge.countries.find("Vatican") == "VA"
    assert knowledge.countries.find("Holy See (Vatican City State)") == "VA"
    assert knowledge.countries.find("Korea, Republic of") is None  # not in this copy
    assert knowledge.countries.find("Atlantis") is None


def test_numbers_keep_their_units(knowledge):
    population = fact(knowledge, "PlaceFact", country="CN", relation="population")
    assert (population.value, population.unit) == (1411778724, "people")
    area = fact(knowledge, "PlaceFact", country="RU", relation="area")
    assert (area.value, area.unit) == (17100000.0, "km2")


def test_an_area_geonames_lacks_comes_from_countryinfo(knowledge):
    area = fact(knowledge, "PlaceFact", country="VA", relation="area")
    assert area.value == 0.49 and area.source.dataset.startswith("countryinfo")


def test_main_languages_only_and_currency_and_continent(knowledge):
    languages = fact(knowledge, "PlaceFact", country="BR", relation="languages")
    assert languages.value == (Name("Portuguese", {"zh": "葡萄牙语"}),)
    currency = fact(knowledge, "PlaceFact", country="FR", relation="currency")
    assert currency.value == Name("Euro", {"zh": "欧元"}) and currency.unit == "EUR"
    continent = fact(knowledge, "PlaceFact", country="AU", relation="continent")
    assert continent.value == Name("Oceania", {"zh": "大洋洲"})


def test_superlatives_are_over_sovereign_states_only(knowledge):
    """Antarctica (larger than all but Russia here) and Pitcairn (46 people) are no
    states; the Vatican's area comes from countryinfo."""
    assert fact(knowledge, "CountryExtreme", measure="area", extreme="largest").value.en \
        == "Russia"
    assert fact(knowledge, "CountryExtreme", measure="area", extreme="smallest").value.en \
        == "Vatican"
    most = fact(knowledge, "CountryExtreme", measure="population", extreme="largest")
    assert most.value == Name("China", {"zh": "中国"}) and most.source.entry == "CN"
    assert fact(knowledge, "CountryExtreme", measure="population",
                extreme="smallest").value.en == "Vatican"


def test_a_missing_value_is_no_fact(knowledge):
    assert fact(knowledge, "PlaceFact", country="AQ", relation="capital") is None


def test_cities_most_populous_of_a_name_and_other_spellings(knowledge):
    springfield = knowledge.cities.find("Springfield")
    assert fact(knowledge, "PlaceFact", city=springfield, relation="population").value \
        == 169176
    new_york = knowledge.cities.find("new york")
    assert new_york == knowledge.cities.find("New York City") == 5128581
    assert knowledge.cities.find("Peking") == 1816670  # a big city's other name
    zone = fact(knowledge, "PlaceFact", city=new_york, relation="timezone")
    assert zone.value == "America/New_York" and zone.source.entry == "geonameid 5128581"
    where = fact(knowledge, "PlaceFact", city=knowledge.cities.find("巴黎"), relation="country")
    assert where.value == Name("France", {"zh": "法国"})


def test_a_city_s_chinese_name_is_the_dictionary_s_in_simplified(knowledge):
    """GeoNames lists 坎培拉 (Taiwan) beside 堪培拉, and 紐約 beside 纽约."""
    canberra = fact(knowledge, "PlaceFact", country="AU", relation="capital").value
    assert canberra == Name("Canberra", {"zh": "堪培拉"})
    new_york = fact(knowledge, "PlaceFact", city=5128581, relation="population").subject
    assert new_york.other["zh"] == "纽约"
    assert fact(knowledge, "PlaceFact", city=1816670, relation="population").subject.other[
        "zh"] == "北京"


def test_elements_by_name_symbol_and_number(knowledge):
    oxygen = knowledge.elements.find("Oxygen")
    assert oxygen == knowledge.elements.find("o") == 8
    symbol = fact(knowledge, "ElementFact", element=8, relation="symbol")
    assert symbol.value == "O" and symbol.subject == Name("Oxygen", {"zh": "氧"})
    assert fact(knowledge, "ElementFact", element=26, relation="name").value == \
        Name("Iron", {"zh": "铁"})
    gold = fact(knowledge, "ElementFact", element=79, relation="mass")
    assert (gold.value, gold.unit) == (196.967, "u") and gold.subject.other["zh"] == "金"
    assert knowledge.elements.find("aluminium") == knowledge.elements.find("aluminum") == 13
    assert knowledge.elements.find("water") is None


def test_definitions_and_synonyms_from_wordnet(knowledge):
    dog = fact(knowledge, "WordDefinition", word="dogs")
    assert dog.value == "a member of the genus Canis" and dog.unit == "noun"
    assert dog.source.entry == "dog (noun, sense 1)"
    assert fact(knowledge, "WordDefinition", word="mice").subject.en == "mouse"
    assert fact(knowledge, "WordDefinition", word="ran").unit == "verb"
    synonyms = fact(knowledge, "WordSynonyms", word="happy")
    assert [n.en for n in synonyms.value] == ["felicitous", "glad"]
    assert fact(knowledge, "WordDefinition", word="glorp") is None


def test_words_between_english_and_mandarin(knowledge):
    apple = fact(knowledge, "WordInChinese", word="apple")
    assert apple.value == Name("ping2 guo3", {"zh": "苹果"})  # not the bound form 苹
    assert fact(knowledge, "WordInChinese", word="water").value.other["zh"] == "水"
    assert fact(knowledge, "WordInChinese", word="dog").source.entry == "狗 [gou3]"
    meaning = fact(knowledge, "WordMeaning", word="蘋果")
    assert meaning.value == (Name("apple"),) and meaning.subject.other["zh"] == "苹果"
    assert fact(knowledge, "WordMeaning", word="张").value == ()  # a surname only


def test_encyclopedia_passages_best_first_with_their_source(knowledge):
    passages = knowledge.context("Who invented the telephone?", limit=2)
    assert passages[0].title == "Telephone" and "Bell" in passages[0].text
    assert passages[0].source.entry == "Telephone" and "CC BY-SA" in \
        passages[0].source.licence
    assert knowledge.context("what is the name of the satellite that orbits the earth")[
        0].title == "Moon"
    assert knowledge.context("what is it") == []
    assert knowledge.encyclopedia.article("moon").title == "Moon"


def test_without_wordnet_and_summaries_those_parts_are_absent(tmp_path):
    sources = write_sources(tmp_path / "data", wordnet=False, summaries=False)
    bare = Knowledge.open(sources, cache_dir=tmp_path / "cache")
    assert bare.words is None and bare.encyclopedia is None
    assert bare.context("Who invented the telephone?") == []
    assert fact(bare, "WordDefinition", word="dog") is None
    assert fact(bare, "PlaceFact", country="FR", relation="capital").value.en == "Paris"
    bare.close()


def test_the_database_is_built_once_and_again_when_a_source_changes(tmp_path):
    sources = write_sources(tmp_path / "data")
    cache = tmp_path / "cache"
    said: list[str] = []
    open_database(sources, cache, say=said.append).close()
    first = database_path(sources, cache)
    built = first.stat().st_mtime_ns
    open_database(sources, cache, say=said.append).close()
    assert first.stat().st_mtime_ns == built and len(said) == 1
    assert sorted(p.name for p in cache.iterdir()) == [first.name]  # no temporary left

    summaries = sources.summaries
    summaries.write_text(summaries.read_text().replace("1928", "1929"))
    os.utime(summaries, ns=(built + 10**9, built + 10**9))
    db = open_database(sources, cache, say=said.append)
    second = database_path(sources, cache)
    assert second != first and len(said) == 2
    assert sorted(p.name for p in cache.iterdir()) == [second.name]  # the old one went
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("DELETE FROM country")
    db.close()


def test_a_cache_folder_that_cannot_be_written_gets_an_in_memory_database(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    db = open_database(write_sources(tmp_path / "data"), blocked / "cache")
    assert db.execute("SELECT name_en FROM country WHERE code = 'FR'").fetchone() == \
        ("France",)
    db.close()


def test_the_passages_go_into_the_question_s_turn_after_the_cached_prefix(knowledge):
    fake = FakeChat("Bell did.")
    chat = GroundedChat(fake, lambda q: knowledge.context(q, limit=3))
    prefix = [ChatMessage("system", "Be brief."), ChatMessage("user", "Hi"),
              ChatMessage("assistant", "Hello.")]
    reply = "".join(chat.stream_reply([*prefix, ChatMessage("user", "Who invented the "
                                                            "telephone?")], max_tokens=20))
    assert reply == "Bell did. "
    (prompt,) = fake.prompts
    assert prompt[:3] == prefix
    assert prompt[3].content.startswith("Reference (Telephone, Wikipedia): A telephone is")
    assert prompt[3].content.endswith("\n\nQuestion: Who invented the telephone?")
    assert [p.title for p in chat.last_passages] == ["Telephone"]


def test_weak_matches_stay_out_of_the_prompt(knowledge):
    fake = FakeChat("Bell did.")
    strict = GroundedChat(fake, lambda q: knowledge.context(q, limit=3),
                          settings=GroundingSettings(passages=2, min_score=1000.0))
    list(strict.stream_reply([ChatMessage("user", "Who invented the telephone?")],
                             max_tokens=5))
    assert fake.prompts[0][-1].content == "Who invented the telephone?"
    assert strict.last_passages == []
    assert grounded_question("Why?", []) == "Why?"


def test_long_passages_are_cut_at_a_sentence_end():
    text = "First sentence is here. " + "More words follow here. " * 60
    cut = cut_passage(text, limit=100)
    assert cut.endswith(".") and len(cut) <= 100 and cut.startswith("First sentence")
    one = "A single very long sentence " * 40
    assert cut_passage(one, limit=50) == one[:50]


def test_only_a_passage_whose_subject_the_question_names_is_shown(knowledge):
    """"Bananas" names Banana; "moon" alone does not name the passage that merely ranks
    first for "satellite" (both words would have to be asked)."""
    fake = FakeChat("Yellow.")
    chat = GroundedChat(fake, lambda q: knowledge.context(q, limit=3),
                        settings=GroundingSettings(passages=1))
    assert [p.title for p in chat.passages("What color are ripe bananas?")] == ["Banana"]
    assert chat.passages("Who first put a man on the moon with a telephone?")[0].title == \
        "Telephone"
    assert names_subject("Where is Mercury?", "Mercury (planet)")
    assert not names_subject("What is the closest star?", "Variable star")
    anything = GroundedChat(fake, lambda q: knowledge.context(q, limit=3),
                            settings=GroundingSettings(named_only=False))
    assert anything.passages("Which fruit is yellow when ripe?")[0].title == "Banana"
    assert chat.passages("Which fruit is yellow when ripe?") == []

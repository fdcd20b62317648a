"""The city database (assistant/places) on the real GeoNames files of the model store, and
the names people say: other spellings, "the", accents, Chinese names, countries."""

from __future__ import annotations

import pytest

from assistant.language.packs import load_language
from assistant.models import ModelStore
from assistant.places import City, Country, PlaceIndex, name_key
from tests.conftest import require_models

PLACES_MODEL = "geonames-cities15000"


@pytest.fixture(scope="module")
def english(real_store: ModelStore) -> PlaceIndex:
    require_models(real_store, PLACES_MODEL)
    words = load_language("en").skill_words
    return PlaceIndex(real_store.require(PLACES_MODEL), aliases=dict(words.place_aliases))


def test_name_keys() -> None:
    assert name_key("Washington, D.C.") == "washington dc"
    assert name_key("The Hague") == "hague"
    assert name_key("São Paulo") == "sao paulo"
    assert name_key("St. Petersburg") == "saint petersburg"


@pytest.mark.parametrize(("said", "name", "country", "zone"), [
    ("tokyo", "Tokyo", "JP", "Asia/Tokyo"),
    ("new york", "New York City", "US", "America/New_York"),
    ("sao paulo", "São Paulo", "BR", "America/Sao_Paulo"),
    ("st petersburg", "Saint Petersburg", "RU", "Europe/Moscow"),  # the bigger one
    ("bombay", "Mumbai", "IN", "Asia/Kolkata"),
    ("paris", "Paris", "FR", "Europe/Paris"),
])
def test_cities(english: PlaceIndex, said: str, name: str, country: str, zone: str) -> None:
    found = english.find(said)
    assert isinstance(found, City)
    assert (found.name, found.country, found.timezone) == (name, country, zone)


def test_countries_and_their_zones(english: PlaceIndex) -> None:
    japan = english.find("Japan")
    assert isinstance(japan, Country) and japan.capital is not None
    assert japan.capital.name == "Tokyo" and len(japan.zones) == 1
    usa = english.find("the usa")
    assert isinstance(usa, Country) and usa.name == "United States"
    assert usa.capital is not None and usa.capital.timezone == "America/New_York"
    assert len(usa.zones) > 3
    assert english.find("el dorado springs") is None and english.find("narnia") is None


def test_chinese_names(real_store: ModelStore) -> None:
    require_models(real_store, PLACES_MODEL)
    words = load_language("zh").skill_words
    chinese = PlaceIndex(real_store.require(PLACES_MODEL), fold=words.fold,
                         aliases=dict(words.place_aliases),
                         country_names=words.country_names() if words.country_names else {})
    for said, name in (("东京", "Tokyo"), ("東京", "Tokyo"), ("纽约", "New York City"),
                       ("伦敦", "London")):
        found = chinese.find(said)
        assert isinstance(found, City) and found.name == name, said
    for said, code in (("日本", "JP"), ("美国", "US"), ("韩国", "KR")):
        found = chinese.find(said)
        assert isinstance(found, Country) and found.code == code, said

"""Spoken numbers to digits: every recognizer's number words reach the templates as digits."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.language.en.numbers import parse_number, rewrite_amount_idioms, words_to_digits
from assistant.language.en.wording import number_words


@pytest.mark.parametrize(("text", "expected"), [
    ("set a timer for ten minutes", "set a timer for 10 minutes"),
    ("twenty two degrees", "22 degrees"),
    ("twenty-two degrees", "22 degrees"),
    ("three hundred ninety one", "391"),
    ("one hundred and five", "105"),
    ("a hundred", "100"),
    ("two thousand and twenty six", "2026"),
    ("one million two hundred thousand", "1200000"),
    ("2 thousand", "2000"),
    ("one point five hours", "1.5 hours"),
    ("zero point two five", "0.25"),
    ("minus five degrees", "-5 degrees"),
    ("ten minus five", "10 minus 5"),
    ("what is minus 5 plus 3", "what is -5 plus 3"),
    ("five six seven", "5 6 7"),
    ("nineteen eighty four", "19 84"),
    ("the point is", "the point is"),
    ("turn on the kitchen light", "turn on the kitchen light"),
    ("", ""),
])
def test_words_to_digits(text: str, expected: str) -> None:
    assert words_to_digits(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("a quarter of an hour", "15 minutes"),
    ("3 quarters of an hour", "45 minutes"),
    ("half an hour", "30 minutes"),
    ("a half hour", "30 minutes"),
    ("half a minute", "30 seconds"),
    ("an hour and a half", "1.5 hours"),
    ("1 hour and a half", "1.5 hours"),
    ("2 and a half minutes", "2.5 minutes"),
    ("20 and a half degrees", "20.5 degrees"),
    ("a minute and 30 seconds", "1 minute and 30 seconds"),
    ("a couple of minutes", "2 minutes"),
    ("set a timer for 10 minutes", "set a timer for 10 minutes"),
])
def test_rewrite_amount_idioms(text: str, expected: str) -> None:
    assert rewrite_amount_idioms(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("22", 22.0), ("-1.5", -1.5), ("1,000", 1000.0), ("twenty-two", 22.0),
    ("minus three", -3.0), ("one point five", 1.5), ("a thousand", 1000.0),
])
def test_parse_number(text: str, expected: float) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "banana", "twenty banana", "the", "point", "minus"])
def test_parse_number_rejects_words(text: str) -> None:
    assert parse_number(text) is None


@given(st.integers(min_value=-999_999_999, max_value=999_999_999))
def test_integer_words_round_trip(value: int) -> None:
    assert parse_number(number_words(value)) == value


@given(st.integers(min_value=-99_999, max_value=99_999))
def test_decimal_words_round_trip(hundredths: int) -> None:
    value = hundredths / 100
    assert parse_number(number_words(value)) == pytest.approx(value)


@given(st.text(max_size=80))
def test_words_to_digits_never_raises(text: str) -> None:
    words_to_digits(text.lower())
    rewrite_amount_idioms(text.lower())

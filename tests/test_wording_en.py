"""Replies are read aloud: numbers, times, dates and durations become words."""

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.language.en.wording import (
    amount_of_time_words,
    date_words,
    duration_words,
    join_words,
    number_words,
    ordinal_words,
    quantity_words,
    time_words,
)


@pytest.mark.parametrize(("hour", "minute", "expected"), [
    (19, 45, "seven forty-five p.m."),
    (7, 5, "seven oh five a.m."),
    (9, 0, "nine o'clock a.m."),
    (12, 0, "noon"),
    (0, 0, "midnight"),
    (0, 15, "twelve fifteen a.m."),
    (12, 30, "twelve thirty p.m."),
    (23, 59, "eleven fifty-nine p.m."),
])
def test_time_words(hour: int, minute: int, expected: str) -> None:
    assert time_words(datetime(2026, 3, 5, hour, minute)) == expected


def test_date_words() -> None:
    assert date_words(datetime(2026, 3, 5)) == "Thursday, March fifth, twenty twenty-six"
    assert date_words(datetime(2005, 1, 22), with_year=False) == "Saturday, January twenty-second"


@pytest.mark.parametrize(("value", "expected"), [
    (391, "three hundred ninety-one"),
    (22, "twenty-two"),
    (1.5, "one point five"),
    (-3, "minus three"),
    (-0.5, "minus zero point five"),
    (0, "zero"),
    (1 / 3, "zero point three three"),
    (2.0, "two"),
    (-0.001, "zero"),
])
def test_number_words(value: float, expected: str) -> None:
    assert number_words(value) == expected


@pytest.mark.parametrize(("seconds", "expected"), [
    (510, "eight minutes and thirty seconds"),
    (60, "one minute"),
    (3725, "one hour, two minutes and five seconds"),
    (0.4, "zero seconds"),
    (90061, "one day, one hour, one minute and one second"),
])
def test_duration_words(seconds: float, expected: str) -> None:
    assert duration_words(seconds) == expected


def test_imprecise_durations_drop_seconds_when_long() -> None:
    assert duration_words(3725, precise=False) == "one hour and two minutes"
    assert duration_words(125, precise=False) == "two minutes and five seconds"


def test_amounts_and_units() -> None:
    assert amount_of_time_words(5400) == "one and a half hours"
    assert amount_of_time_words(900) == "fifteen minutes"
    assert quantity_words(22, "degree") == "twenty-two degrees"
    assert quantity_words(1, "degree") == "one degree"
    assert ordinal_words(21) == "twenty-first"
    assert join_words(["a", "b", "c"]) == "a, b and c"
    assert join_words(["a", "b"], conjunction="or") == "a or b"
    assert join_words([]) == ""


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_number_words_never_contain_digits(value: float) -> None:
    words = number_words(value)
    assert words and not any(ch.isdigit() for ch in words)


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)))
def test_times_and_dates_are_speakable(moment: datetime) -> None:
    for text in (time_words(moment), date_words(moment)):
        assert not any(ch.isdigit() for ch in text)

"""Arithmetic and unit conversion: a fixed table of operations, never eval."""

from pathlib import Path

import pytest

from assistant.language.en.numbers import parse_number
from assistant.skills import Skills
from assistant.skills.math_units import math_slot_validator, rounded
from tests import building
from tests.fakes import MemoryControls


@pytest.fixture
def skills(tmp_path: Path) -> Skills:
    return building.skills(state_file=tmp_path / "state.json", controls=MemoryControls())


@pytest.mark.parametrize(("text", "slots", "answer"), [
    ("what is 17 times 23", {"x": 17, "operator": "multiply", "y": 23},
     "Seventeen times twenty-three is three hundred ninety-one."),
    ("What is 17 x 23?", {"x": 17, "operator": "multiply", "y": 23},
     "Seventeen times twenty-three is three hundred ninety-one."),
    ("what's 144 divided by 12", {"x": 144, "operator": "divide", "y": 12},
     "One hundred forty-four divided by twelve is twelve."),
    ("what is 15 percent of 80", {"x": 15, "operator": "percent_of", "y": 80},
     "Fifteen percent of eighty is twelve."),
    ("square root of 81", {"x": 81, "operator": "square_root"},
     "The square root of eighty-one is nine."),
    ("what is five plus seven", {"x": 5, "operator": "add", "y": 7}, "Five plus seven is twelve."),
    ("what is minus 5 plus 3", {"x": -5, "operator": "add", "y": 3},
     "Minus five plus three is minus two."),
    ("what is 2 to the power of 10", {"x": 2, "operator": "power", "y": 10},
     "Two to the power of ten is one thousand twenty-four."),
    ("what's 7 squared", {"x": 7, "operator": "square"}, "Seven squared is forty-nine."),
    ("calculate 1.5 times 4", {"x": 1.5, "operator": "multiply", "y": 4},
     "One point five times four is six."),
    ("what is 10 divided by 3", {"x": 10, "operator": "divide", "y": 3},
     "Ten divided by three is about three point three three."),
    ("what is 0.1 plus 0.2", {"x": 0.1, "operator": "add", "y": 0.2},
     "Zero point one plus zero point two is zero point three."),
])
def test_calculations(skills: Skills, text: str, slots: dict, answer: str) -> None:
    reply = skills.respond(text, now=0.0)
    assert reply is not None
    assert (reply.intent, reply.slots, reply.text) == ("MathCalculate", slots, answer)


@pytest.mark.parametrize(("text", "answer"), [
    ("what is 5 divided by zero", "I can't divide by zero. Nobody can."),
    ("what is the square root of -4", "Negative numbers don't have a real square root."),
    ("what is 10 to the power of 1000", "That number is too big for me to say."),
    ("what is 99999999 times 99999999", "That number is too big for me to say."),
])
def test_impossible_calculations_are_answered_politely(skills: Skills, text: str,
                                                       answer: str) -> None:
    reply = skills.respond(text, now=0.0)
    assert reply is not None and reply.text == answer


@pytest.mark.parametrize(("text", "answer"), [
    ("how many grams in a pound", "One pound is about four hundred fifty-three point five "
     "nine grams."),
    ("convert 5 miles to kilometers", "Five miles is about eight point zero five kilometers."),
    ("what is 30 degrees celsius in fahrenheit",
     "Thirty degrees Celsius is eighty-six degrees Fahrenheit."),
    ("What is 100°F in Celsius?", "One hundred degrees Fahrenheit is about thirty-seven point "
     "seven eight degrees Celsius."),
    ("how many days in a week", "One week is seven days."),
    ("how many feet are in 3 meters", "Three meters is about nine point eight four feet."),
    ("how many kilometers in 1 millimeter", "One millimeter is zero point zero zero zero "
     "zero zero one kilometers."),
])
def test_conversions(skills: Skills, text: str, answer: str) -> None:
    reply = skills.respond(text, now=0.0)
    assert reply is not None and reply.intent == "UnitConvert"
    assert reply.text == answer


def test_converting_across_dimensions_is_refused(skills: Skills) -> None:
    reply = skills.respond("how many grams in a mile", now=0.0)
    assert reply is not None and reply.text == "I can't convert miles to grams."


@pytest.mark.parametrize("text", ["what is banana times apple", "what is the square root of "
                                  "love", "convert lots of miles to kilometers"])
def test_words_are_not_numbers(skills: Skills, text: str) -> None:
    assert skills.respond(text, now=0.0) is None


def test_validator_turns_number_text_into_numbers() -> None:
    assert math_slot_validator(parse_number)({"x": "1.5", "operator": "add", "y": "-2"}) == {
        "x": 1.5, "operator": "add", "y": -2}
    assert math_slot_validator(parse_number)({"x": "five apples", "operator": "square"}) is None
    assert math_slot_validator(parse_number)({"x": "5", "operator": "add"}) is None


def test_rounding_keeps_three_significant_digits_for_small_numbers() -> None:
    assert rounded(453.59237) == (453.59, True)
    assert rounded(0.0012345) == (0.00123, True)
    assert rounded(12.0) == (12.0, False)

"""Arithmetic and unit conversion, computed from a fixed table of operations (no eval).

"what is 17 times 23" -> "Seventeen times twenty-three is three hundred ninety-one."
"how many grams in a pound" -> "One pound is about four hundred fifty-three point
five nine grams."
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from assistant.intents import IntentMatch
from assistant.numbers import parse_number
from assistant.skills.base import SkillReply, reply
from assistant.speech_format import is_approximate, number_words

#: Largest magnitude said as a number; beyond it the answer is "too big".
MAX_SPOKEN = 1e15

BINARY: dict[str, tuple[str, Callable[[float, float], float]]] = {
    "add": ("plus", lambda x, y: x + y),
    "subtract": ("minus", lambda x, y: x - y),
    "multiply": ("times", lambda x, y: x * y),
    "divide": ("divided by", lambda x, y: x / y),
    "power": ("to the power of", lambda x, y: math.pow(x, y)),
    "percent_of": ("percent of", lambda x, y: x * y / 100),
}
UNARY: dict[str, tuple[str, Callable[[float], float]]] = {
    "square_root": ("the square root of {x}", math.sqrt),
    "square": ("{x} squared", lambda x: x * x),
    "cube": ("{x} cubed", lambda x: x * x * x),
}

# unit -> (dimension, size in the dimension's base unit, singular, plural)
UNITS: dict[str, tuple[str, float, str, str]] = {
    "millimeter": ("length", 0.001, "millimeter", "millimeters"),
    "centimeter": ("length", 0.01, "centimeter", "centimeters"),
    "meter": ("length", 1.0, "meter", "meters"),
    "kilometer": ("length", 1000.0, "kilometer", "kilometers"),
    "inch": ("length", 0.0254, "inch", "inches"),
    "foot": ("length", 0.3048, "foot", "feet"),
    "yard": ("length", 0.9144, "yard", "yards"),
    "mile": ("length", 1609.344, "mile", "miles"),
    "milligram": ("mass", 0.001, "milligram", "milligrams"),
    "gram": ("mass", 1.0, "gram", "grams"),
    "kilogram": ("mass", 1000.0, "kilogram", "kilograms"),
    "ounce": ("mass", 28.349523125, "ounce", "ounces"),
    "pound": ("mass", 453.59237, "pound", "pounds"),
    "stone": ("mass", 6350.29318, "stone", "stone"),
    "milliliter": ("volume", 1.0, "milliliter", "milliliters"),
    "liter": ("volume", 1000.0, "liter", "liters"),
    "teaspoon": ("volume", 4.92892159375, "teaspoon", "teaspoons"),
    "tablespoon": ("volume", 14.78676478125, "tablespoon", "tablespoons"),
    "fluid_ounce": ("volume", 29.5735295625, "fluid ounce", "fluid ounces"),
    "cup": ("volume", 236.5882365, "cup", "cups"),
    "pint": ("volume", 473.176473, "pint", "pints"),
    "gallon": ("volume", 3785.411784, "gallon", "gallons"),
    "kilometer_per_hour": ("speed", 1 / 3.6, "kilometer per hour", "kilometers per hour"),
    "mile_per_hour": ("speed", 0.44704, "mile per hour", "miles per hour"),
    "second": ("time", 1.0, "second", "seconds"),
    "minute": ("time", 60.0, "minute", "minutes"),
    "hour": ("time", 3600.0, "hour", "hours"),
    "day": ("time", 86400.0, "day", "days"),
    "week": ("time", 604800.0, "week", "weeks"),
    "celsius": ("temperature", 1.0, "degree Celsius", "degrees Celsius"),
    "fahrenheit": ("temperature", 1.0, "degree Fahrenheit", "degrees Fahrenheit"),
    "kelvin": ("temperature", 1.0, "kelvin", "kelvins"),
}


def validate_math_slots(slots: dict[str, Any]) -> dict[str, Any] | None:
    """x and y (when present) must be numbers, not words caught by a wildcard."""
    for key in ("x", "y", "value"):
        if key in slots:
            number = parse_number(str(slots[key]))
            if number is None:
                return None
            slots[key] = int(number) if number.is_integer() else number
    operator = slots.get("operator")
    if operator in BINARY and "y" not in slots:
        return None
    return slots


def rounded(value: float) -> tuple[float, bool]:
    """The value to say and whether it was rounded: two decimals, or three significant
    digits for small numbers."""
    if value == 0 or abs(value) >= 1:
        decimals = 2
    else:
        decimals = min(12, 2 - int(math.floor(math.log10(abs(value)))))
    return round(value, decimals), is_approximate(value, decimals=decimals)


def say_number(value: float) -> str:
    shown, approximate = rounded(value)
    decimals = 12 if shown and abs(shown) < 1 else 2
    words = number_words(shown, decimals=decimals)
    return f"about {words}" if approximate else words


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class MathSkill:
    """Answers MathCalculate and UnitConvert."""

    intents = frozenset({"MathCalculate", "UnitConvert"})

    def handle(self, match: IntentMatch, *, now: float) -> SkillReply:
        if match.intent == "UnitConvert":
            return reply(match, self._convert(match.slots))
        return reply(match, self._calculate(match.slots))

    def _calculate(self, slots: dict[str, Any]) -> str:
        operator = str(slots.get("operator", ""))
        x = float(slots.get("x", 0))
        if operator in UNARY:
            template, function = UNARY[operator]
            question = template.format(x=number_words(x))
            if operator == "square_root" and x < 0:
                return "Negative numbers don't have a real square root."
            return self._answer(question, lambda: function(x))
        if operator not in BINARY:
            return "I don't know how to do that calculation."
        word, binary = BINARY[operator]
        y = float(slots.get("y", 0))
        if operator == "divide" and y == 0:
            return "I can't divide by zero. Nobody can."
        if operator == "power" and abs(y) > 1000:
            return "That number is too big for me to say."
        question = f"{number_words(x)} {word} {number_words(y)}"
        return self._answer(question, lambda: binary(x, y))

    @staticmethod
    def _answer(question: str, compute: Callable[[], float]) -> str:
        try:
            result = compute()
        except (OverflowError, ValueError, ZeroDivisionError):
            return "That number is too big for me to say."
        if not math.isfinite(result) or abs(result) >= MAX_SPOKEN:
            return "That number is too big for me to say."
        return _capital(f"{question} is {say_number(result)}.")

    def _convert(self, slots: dict[str, Any]) -> str:
        source, target = str(slots.get("from_unit", "")), str(slots.get("to_unit", ""))
        if source not in UNITS or target not in UNITS:
            return "I don't know that unit."
        value = float(slots.get("value", 1))
        dimension, size, singular, plural = UNITS[source]
        if UNITS[target][0] != dimension:
            return f"I can't convert {plural} to {UNITS[target][3]}."
        if dimension == "temperature":
            result = from_kelvin(to_kelvin(value, source), target)
        else:
            result = value * size / UNITS[target][1]
        if abs(result) >= MAX_SPOKEN:
            return "That number is too big for me to say."
        said = say_number(result)
        shown = rounded(result)[0]
        target_unit = UNITS[target][2] if shown == 1 else UNITS[target][3]
        source_unit = singular if value == 1 else plural
        return _capital(f"{number_words(value)} {source_unit} is {said} {target_unit}.")


def to_kelvin(value: float, unit: str) -> float:
    if unit == "celsius":
        return value + 273.15
    if unit == "fahrenheit":
        return (value - 32) * 5 / 9 + 273.15
    return value


def from_kelvin(value: float, unit: str) -> float:
    if unit == "celsius":
        return value - 273.15
    if unit == "fahrenheit":
        return (value - 273.15) * 9 / 5 + 32
    return value

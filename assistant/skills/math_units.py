"""Arithmetic and unit conversion, computed from a fixed table of operations (no eval).

"what is 17 times 23" -> Calculated(multiply, 17, 23, 391), said "Seventeen times
twenty-three is three hundred ninety-one."; "how many grams in a pound" ->
Converted(1, pound, gram, 453.59237), said "One pound is about four hundred fifty-three
point five nine grams." The words for operators and units are the language's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.intents import IntentMatch, SlotValidator
from assistant.skills.base import Outcome, SkillResult, result

#: Largest magnitude said as a number; beyond it the answer is "too big".
MAX_SPOKEN = 1e15

BINARY: dict[str, Callable[[float, float], float]] = {
    "add": lambda x, y: x + y,
    "subtract": lambda x, y: x - y,
    "multiply": lambda x, y: x * y,
    "divide": lambda x, y: x / y,
    "power": lambda x, y: math.pow(x, y),
    "percent_of": lambda x, y: x * y / 100,
}
UNARY: dict[str, Callable[[float], float]] = {
    "square_root": math.sqrt,
    "square": lambda x: x * x,
    "cube": lambda x: x * x * x,
}

# unit -> (dimension, size in the dimension's base unit); temperatures convert through kelvin
UNITS: dict[str, tuple[str, float]] = {
    "millimeter": ("length", 0.001), "centimeter": ("length", 0.01), "meter": ("length", 1.0),
    "kilometer": ("length", 1000.0), "inch": ("length", 0.0254), "foot": ("length", 0.3048),
    "yard": ("length", 0.9144), "mile": ("length", 1609.344),
    "milligram": ("mass", 0.001), "gram": ("mass", 1.0), "kilogram": ("mass", 1000.0),
    "ounce": ("mass", 28.349523125), "pound": ("mass", 453.59237),
    "stone": ("mass", 6350.29318),
    "milliliter": ("volume", 1.0), "liter": ("volume", 1000.0),
    "teaspoon": ("volume", 4.92892159375), "tablespoon": ("volume", 14.78676478125),
    "fluid_ounce": ("volume", 29.5735295625), "cup": ("volume", 236.5882365),
    "pint": ("volume", 473.176473), "gallon": ("volume", 3785.411784),
    "kilometer_per_hour": ("speed", 1 / 3.6), "mile_per_hour": ("speed", 0.44704),
    "second": ("time", 1.0), "minute": ("time", 60.0), "hour": ("time", 3600.0),
    "day": ("time", 86400.0), "week": ("time", 604800.0),
    "celsius": ("temperature", 1.0), "fahrenheit": ("temperature", 1.0),
    "kelvin": ("temperature", 1.0),
}


@dataclass(frozen=True)
class Calculated(Outcome):
    operator: str
    """A key of BINARY or UNARY."""
    x: float
    y: float | None
    result: float


@dataclass(frozen=True)
class Converted(Outcome):
    value: float
    from_unit: str
    to_unit: str
    """Keys of UNITS."""
    result: float


@dataclass(frozen=True)
class NoRealRoot(Outcome):
    pass


@dataclass(frozen=True)
class UnknownOperation(Outcome):
    pass


@dataclass(frozen=True)
class DivideByZero(Outcome):
    pass


@dataclass(frozen=True)
class TooBigToSay(Outcome):
    pass


@dataclass(frozen=True)
class UnknownUnit(Outcome):
    pass


@dataclass(frozen=True)
class IncompatibleUnits(Outcome):
    from_unit: str
    to_unit: str


def math_slot_validator(parse_number: Callable[[str], float | None]) -> SlotValidator:
    """x, y and value (when present) must be numbers in the language (`parse_number`),
    not words caught by a wildcard."""
    def validate(slots: dict[str, Any]) -> dict[str, Any] | None:
        for key in ("x", "y", "value"):
            if key in slots:
                number = parse_number(str(slots[key]))
                if number is None:
                    return None
                slots[key] = int(number) if number.is_integer() else number
        if slots.get("operator") in BINARY and "y" not in slots:
            return None
        return slots

    return validate


def is_approximate(value: float, *, decimals: int = 2) -> bool:
    """True when rounding `value` to `decimals` places changes it."""
    return math.isfinite(value) and not math.isclose(
        value, round(value, decimals), rel_tol=0.0, abs_tol=1e-9)


def rounded(value: float) -> tuple[float, bool]:
    """The value to say and whether it was rounded: two decimals, or three significant
    digits for small numbers."""
    if value == 0 or abs(value) >= 1:
        decimals = 2
    else:
        decimals = min(12, 2 - int(math.floor(math.log10(abs(value)))))
    return round(value, decimals), is_approximate(value, decimals=decimals)


class MathSkill:
    """Answers MathCalculate and UnitConvert."""

    intents = frozenset({"MathCalculate", "UnitConvert"})

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        if match.intent == "UnitConvert":
            return result(match, self._convert(match.slots))
        return result(match, self._calculate(match.slots))

    def _calculate(self, slots: dict[str, Any]) -> Outcome:
        operator = str(slots.get("operator", ""))
        x = float(slots.get("x", 0))
        if operator in UNARY:
            if operator == "square_root" and x < 0:
                return NoRealRoot()
            return _answer(operator, x, None, lambda: UNARY[operator](x))
        if operator not in BINARY:
            return UnknownOperation()
        y = float(slots.get("y", 0))
        if operator == "divide" and y == 0:
            return DivideByZero()
        if operator == "power" and abs(y) > 1000:
            return TooBigToSay()
        return _answer(operator, x, y, lambda: BINARY[operator](x, y))

    def _convert(self, slots: dict[str, Any]) -> Outcome:
        source, target = str(slots.get("from_unit", "")), str(slots.get("to_unit", ""))
        if source not in UNITS or target not in UNITS:
            return UnknownUnit()
        value = float(slots.get("value", 1))
        dimension, size = UNITS[source]
        if UNITS[target][0] != dimension:
            return IncompatibleUnits(source, target)
        if dimension == "temperature":
            converted = from_kelvin(to_kelvin(value, source), target)
        else:
            converted = value * size / UNITS[target][1]
        if abs(converted) >= MAX_SPOKEN:
            return TooBigToSay()
        return Converted(value=value, from_unit=source, to_unit=target, result=converted)


def _answer(operator: str, x: float, y: float | None, compute: Callable[[], float]) -> Outcome:
    try:
        answer = compute()
    except (OverflowError, ValueError, ZeroDivisionError):
        return TooBigToSay()
    if not math.isfinite(answer) or abs(answer) >= MAX_SPOKEN:
        return TooBigToSay()
    return Calculated(operator=operator, x=x, y=y, result=answer)


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

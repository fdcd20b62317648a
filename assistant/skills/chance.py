"""Chance: flip a coin, roll dice ("roll two dice", "roll a twenty-sided die"), a number
between A and B. The random source is handed in (tests pass a seeded one)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import assistant.skills.when as when
from assistant.intents import IntentMatch
from assistant.skills.base import Outcome, SkillResult, result

MAX_DICE = 10
MAX_SIDES = 1000
MAX_SPAN = 10**12


@dataclass(frozen=True)
class CoinFlipped(Outcome):
    heads: bool


@dataclass(frozen=True)
class DiceRolled(Outcome):
    rolls: tuple[int, ...]
    sides: int


@dataclass(frozen=True)
class TooManyDice(Outcome):
    limit: int


@dataclass(frozen=True)
class NoSuchDie(Outcome):
    """A die with fewer than two or implausibly many sides."""

    sides: int


@dataclass(frozen=True)
class NumberPicked(Outcome):
    number: int
    low: int
    high: int


@dataclass(frozen=True)
class RangeTooWide(Outcome):
    limit: int


class ChanceSkill:
    intents = frozenset({"FlipCoin", "RollDice", "RandomNumber"})

    def __init__(self, *, rng: random.Random | None = None) -> None:
        self._rng = rng or random.SystemRandom()

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        slots = match.slots
        if match.intent == "FlipCoin":
            return result(match, CoinFlipped(self._rng.random() < 0.5))
        if match.intent == "RollDice":
            count = when.number(slots, "count") or 1
            sides = when.number(slots, "sides") or 6
            if count > MAX_DICE or count < 1:
                return result(match, TooManyDice(MAX_DICE))
            if not 2 <= sides <= MAX_SIDES:
                return result(match, NoSuchDie(sides))
            rolls = tuple(self._rng.randint(1, sides) for _ in range(count))
            return result(match, DiceRolled(rolls, sides))
        low = when.number(slots, "low")
        high = when.number(slots, "high")
        low, high = (1 if low is None else low), (100 if high is None else high)
        low, high = min(low, high), max(low, high)
        if high - low > MAX_SPAN:
            return result(match, RangeTooWide(MAX_SPAN))
        return result(match, NumberPicked(self._rng.randint(low, high), low, high))

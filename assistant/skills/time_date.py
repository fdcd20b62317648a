"""Time and date skill: "what time is it", "what's the date today", "what day is it",
"what day is tomorrow" (the `days_ahead` slot: 1 tomorrow, -1 yesterday)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from assistant.intents import IntentMatch
from assistant.skills.base import Outcome, SkillResult, result


@dataclass(frozen=True)
class TimeIs(Outcome):
    moment: datetime


@dataclass(frozen=True)
class DateIs(Outcome):
    moment: datetime
    days_ahead: int = 0
    """The day asked about, from today (1: tomorrow, -1: yesterday)."""


class TimeDateSkill:
    """Reads the wall clock through an injected `wallclock` (tests pass a fixed time)."""

    intents = frozenset({"GetTime", "GetDate"})

    def __init__(self, *, wallclock: Callable[[], datetime] = datetime.now) -> None:
        self._wallclock = wallclock

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        moment = self._wallclock()
        if match.intent == "GetTime":
            return result(match, TimeIs(moment))
        days = int(match.slots.get("days_ahead", 0))
        return result(match, DateIs(moment + timedelta(days=days), days_ahead=days))

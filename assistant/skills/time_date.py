"""Time and date skill: "what time is it", "what's the date today", "what day is it"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from assistant.intents import IntentMatch
from assistant.skills.base import Outcome, SkillResult, result


@dataclass(frozen=True)
class TimeIs(Outcome):
    moment: datetime


@dataclass(frozen=True)
class DateIs(Outcome):
    moment: datetime


class TimeDateSkill:
    """Reads the wall clock through an injected `wallclock` (tests pass a fixed time)."""

    intents = frozenset({"GetTime", "GetDate"})

    def __init__(self, *, wallclock: Callable[[], datetime] = datetime.now) -> None:
        self._wallclock = wallclock

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        moment = self._wallclock()
        if match.intent == "GetTime":
            return result(match, TimeIs(moment))
        return result(match, DateIs(moment))

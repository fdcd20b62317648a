"""Time and date skill: "what time is it", "what's the date today", "what day is it"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from assistant.intents import IntentMatch
from assistant.skills.base import SkillReply, reply
from assistant.speech_format import date_words, time_words


class TimeDateSkill:
    """Reads the wall clock through an injected `wallclock` (tests pass a fixed time)."""

    intents = frozenset({"GetTime", "GetDate"})

    def __init__(self, *, wallclock: Callable[[], datetime] = datetime.now) -> None:
        self._wallclock = wallclock

    def handle(self, match: IntentMatch, *, now: float) -> SkillReply:
        moment = self._wallclock()
        if match.intent == "GetTime":
            spoken = time_words(moment)
            return reply(match, f"It's {spoken}" + ("" if spoken.endswith(".") else "."))
        return reply(match, f"It's {date_words(moment)}.")

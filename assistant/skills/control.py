"""Assistant control: volume, help, "repeat that", "where did you get that?" and "forget our
conversation"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.intents import IntentMatch
from assistant.skills.base import Controls, Outcome, SkillResult, result
from assistant.skills.origin import Origin

VOLUME_STEP = 0.1


@dataclass(frozen=True)
class VolumeChanged(Outcome):
    level: float
    """0.0-1.0 (said on a zero-to-ten scale)."""


@dataclass(frozen=True)
class VolumeAtLimit(Outcome):
    loudest: bool
    """True at the top, False at the bottom."""


@dataclass(frozen=True)
class VolumeOutOfRange(Outcome):
    pass


@dataclass(frozen=True)
class Muted(Outcome):
    pass


@dataclass(frozen=True)
class VolumeIs(Outcome):
    level: float


@dataclass(frozen=True)
class Repeated(Outcome):
    """"Repeat that": the last reply, said again (None: nothing said yet)."""

    text: str | None
    source: Origin | None = None
    """Where the reply repeated came from (it still does)."""

    def origin_of(self, intent: str) -> Origin:
        return self.source or super().origin_of(intent)


@dataclass(frozen=True)
class SourceOf(Outcome):
    """"Where did you get that?": where the last answer came from (None: no answer yet).
    Asking again gets the same source."""

    source: Origin | None

    def origin_of(self, intent: str) -> Origin:
        return self.source or super().origin_of(intent)


@dataclass(frozen=True)
class Forgotten(Outcome):
    pass


@dataclass(frozen=True)
class Help(Outcome):
    pass


def validate_volume_slots(slots: dict[str, Any]) -> dict[str, Any] | None:
    """"volume 5" means five out of ten; "volume 50" and "50 percent" mean percent."""
    if "level" in slots:
        level = slots.pop("level")
        slots["percent"] = level * 10 if level <= 10 else level
    return slots


class ControlSkill:
    """Changes the assistant itself through the pipeline's `Controls`."""

    intents = frozenset({"VolumeUp", "VolumeDown", "VolumeSet", "VolumeGet", "Help",
                         "Repeat", "Forget", "SourceAsk"})

    def __init__(self, controls: Controls) -> None:
        self._controls = controls

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        return result(match, self._outcome(match))

    def _outcome(self, match: IntentMatch) -> Outcome:
        controls = self._controls
        if match.intent in ("VolumeUp", "VolumeDown"):
            step = VOLUME_STEP if match.intent == "VolumeUp" else -VOLUME_STEP
            level = min(1.0, max(0.0, round(controls.volume() + step, 2)))
            if level == controls.volume():
                return VolumeAtLimit(loudest=step > 0)
            controls.set_volume(level)
            return VolumeChanged(level)
        if match.intent == "VolumeSet":
            percent = float(match.slots.get("percent", -1))
            if not 0 <= percent <= 100:
                return VolumeOutOfRange()
            controls.set_volume(percent / 100)
            return Muted() if percent == 0 else VolumeChanged(percent / 100)
        if match.intent == "VolumeGet":
            return VolumeIs(controls.volume())
        if match.intent == "Repeat":
            said = controls.last_reply() or None
            return Repeated(said, controls.last_origin() if said else None)
        if match.intent == "SourceAsk":
            return SourceOf(controls.last_origin())
        if match.intent == "Forget":
            controls.forget()
            return Forgotten()
        return Help()

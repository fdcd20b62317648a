"""Assistant control: volume, help, "repeat that" and "forget our conversation"."""

from __future__ import annotations

from typing import Any

from assistant.intents import IntentMatch
from assistant.skills.base import Controls, SkillReply, reply
from assistant.speech_format import number_words

VOLUME_STEP = 0.1

HELP_TEXT = (
    "I can tell you the time and the date, set and check timers, switch the lights and "
    "plugs, dim the lights, set the thermostat, open the blinds and lock the door. "
    "I can also do sums, convert units, and change my volume. "
    "For anything else, just ask me."
)


def validate_volume_slots(slots: dict[str, Any]) -> dict[str, Any] | None:
    """"volume 5" means five out of ten; "volume 50" and "50 percent" mean percent."""
    if "level" in slots:
        level = slots.pop("level")
        slots["percent"] = level * 10 if level <= 10 else level
    return slots


def _level_words(level: float) -> str:
    """Volume as said on a zero-to-ten scale: 0.5 -> "five"."""
    return number_words(round(level * 10, 1), decimals=1)


class ControlSkill:
    """Changes the assistant itself through the pipeline's `Controls`."""

    intents = frozenset({"VolumeUp", "VolumeDown", "VolumeSet", "VolumeGet", "Help",
                         "Repeat", "Forget"})

    def __init__(self, controls: Controls) -> None:
        self._controls = controls

    def handle(self, match: IntentMatch, *, now: float) -> SkillReply:
        controls = self._controls
        if match.intent in ("VolumeUp", "VolumeDown"):
            step = VOLUME_STEP if match.intent == "VolumeUp" else -VOLUME_STEP
            level = min(1.0, max(0.0, round(controls.volume() + step, 2)))
            if level == controls.volume():
                edge = "as loud as I go" if step > 0 else "as quiet as I go"
                return reply(match, f"The volume is already {edge}.")
            controls.set_volume(level)
            return reply(match, f"Okay, volume {_level_words(level)}.")
        if match.intent == "VolumeSet":
            percent = float(match.slots.get("percent", -1))
            if not 0 <= percent <= 100:
                return reply(match, "The volume goes from zero to ten.")
            controls.set_volume(percent / 100)
            if percent == 0:
                return reply(match, "Okay, muted. Say volume up to hear me again.")
            return reply(match, f"Okay, volume {_level_words(percent / 100)}.")
        if match.intent == "VolumeGet":
            return reply(match, f"The volume is at {_level_words(controls.volume())} out of ten.")
        if match.intent == "Repeat":
            last = controls.last_reply()
            return reply(match, last if last else "I haven't said anything yet.")
        if match.intent == "Forget":
            controls.forget()
            return reply(match, "Okay, I've forgotten our conversation.")
        return reply(match, HELP_TEXT)

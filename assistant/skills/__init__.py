"""Skills: the deterministic command layer (time, timers, home, math, assistant control).

`Skills.respond(text, now=...)` answers commands instantly without the chat model and
returns None for everything else. Skills report typed outcomes; the language renders them.
"""

from assistant.intents import IntentMatch
from assistant.skills.base import Capabilities, Controls, Outcome, SkillReply
from assistant.skills.registry import Skills, SkillsEngine, SkillWords, slot_validators
from assistant.skills.tools import ToolCallError

__all__ = ["Capabilities", "Controls", "IntentMatch", "Outcome", "SkillReply", "SkillWords",
           "Skills", "SkillsEngine", "ToolCallError", "slot_validators"]

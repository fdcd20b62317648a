"""Skills: the deterministic command layer (time, timers, home, math, assistant control).

`Skills.respond(text, now=...)` answers commands instantly without the chat model and
returns None for everything else.
"""

from assistant.intents import IntentMatch
from assistant.skills.base import Controls, SkillReply
from assistant.skills.registry import Skills, SkillsEngine
from assistant.skills.tools import ToolCallError

__all__ = ["Controls", "IntentMatch", "SkillReply", "Skills", "SkillsEngine", "ToolCallError"]

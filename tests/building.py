"""Building the pieces the unit tests need the way the assembly builds them: a language
pack, the skills over a home, one conversation's skills. (The assembly is the one place
that puts the program together; the tests use it too, so what they test is what runs.)"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from assistant.assembly import build_skills
from assistant.config import Config, SkillsConfig
from assistant.language import Language
from assistant.language.packs import load_language
from assistant.skills import Capabilities, Skills, SkillsEngine
from tests.fakes import MemoryControls


def language(code: str = "en") -> Language:
    return load_language(code)


def skills_engine(code: str = "en", *, state_file: Path | None = None,
                  home_file: str | None = None, tool_calls: bool = False) -> SkillsEngine:
    """The skills of language `code` over its home (or `home_file`); the state in
    `state_file` (None: a fresh temporary file, never the user's own)."""
    if state_file is None:
        state_file = Path(tempfile.mkdtemp(prefix="assistant-test-")) / "home-state.json"
    config = Config(language=code, skills=SkillsConfig(
        home_file=home_file, state_file=str(state_file), tool_calls=tool_calls))
    return build_skills(config, language(code))


def skills(code: str = "en", *, state_file: Path | None = None, home_file: str | None = None,
           controls: MemoryControls | None = None, tool_calls: bool = False,
           wallclock: Callable[[], datetime] = datetime.now,
           capabilities: Capabilities | None = None) -> Skills:
    """One conversation's skills (timers, confirmations) in language `code`."""
    engine = skills_engine(code, state_file=state_file, home_file=home_file,
                           tool_calls=tool_calls)
    return engine.session(controls=controls or MemoryControls(), wallclock=wallclock,
                          capabilities=capabilities)

"""`Skills`: recognizes commands, runs the skill that owns the intent, and says the reply.

The router calls `respond(text, now=...)`: a reply for a command, None for everything
else (the chat model answers those). While a confirmation question is open ("Are you
sure you want to unlock the front door?"), the next utterance answers it: "yes" runs
the action, anything else refuses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.config import LANGUAGES, SkillsConfig
from assistant.intents import IntentMatch, IntentRecognizer, SlotValidator
from assistant.language import IntentMatcher, Language, language_pack
from assistant.logs import SAID
from assistant.skills.base import Confirmations, Controls, Skill, SkillReply
from assistant.skills.control import validate_volume_slots
from assistant.skills.home_state import (
    SWITCHABLE,
    HomeConfig,
    HomeState,
    default_state_path,
    load_home,
)
from assistant.skills.math_units import validate_math_slots
from assistant.skills.timers import TimerSkill, validate_timer_slots
from assistant.skills.tools import ToolCallError, ToolSpec, grammar, tool_specs, validate

log = logging.getLogger(__name__)

#: How long a confirmation question stays open, seconds on the `now` clock.
CONFIRMATION_TIMEOUT_S = 30.0
_ANSWERS = frozenset({"Confirm", "Deny"})


def _timer_set(slots: dict[str, Any]) -> dict[str, Any] | None:
    checked = validate_timer_slots(slots)
    return checked if checked is not None and "duration" in checked else None


def _unknown_device(slots: dict[str, Any]) -> dict[str, Any] | None:
    """"turn on the tv" is a command about a device we lack; a long tail is not."""
    if "unknown" not in slots:
        return slots
    words = str(slots["unknown"]).split()
    if not words or len(words) > 4 or words[0] in ("it", "everything", "all"):
        return None
    return slots


VALIDATORS: dict[str, SlotValidator] = {
    "TimerSet": _timer_set,
    "TimerCancel": validate_timer_slots,
    "TimerStatus": validate_timer_slots,
    "MathCalculate": validate_math_slots,
    "UnitConvert": validate_math_slots,
    "VolumeSet": validate_volume_slots,
    "HomeTurnOn": _unknown_device,
    "HomeTurnOff": _unknown_device,
}


def build_recognizer(config: SkillsConfig, home: HomeConfig) -> IntentMatcher:
    """The recognizer for `config.language` with this home's rooms and devices."""
    if config.language in LANGUAGES:
        return language_pack(config.language).load_intents(home.spoken_lists(), VALIDATORS)
    return IntentRecognizer.load(language=config.language, lists=home.spoken_lists(),
                                 validators=VALIDATORS)


def _language(config: SkillsConfig) -> Language:
    """The language the skills answer in (English for one without a language module)."""
    return language_pack(config.language if config.language in LANGUAGES else "en")


def vocabulary_hint(home: HomeConfig) -> str:
    """A short prompt of the commands and device names this home knows.

    Whisper tiny.en, given it as its initial prompt, stops hearing "set the bedroom
    light" as "set the bedroom like" or "volume up" as "value up" (measured on Piper and
    espeak-ng voices), and open questions are transcribed as before.
    """
    switchable = [d.name for d in home.devices if d.kind in SWITCHABLE]
    locks = [d.name for d in home.devices if d.kind == "lock"]
    parts = [f"Turn on the {switchable[0]}."] if switchable else []
    parts += [f"Unlock the {locks[0]}."] if locks else []
    parts += ["Volume up.", "Set a timer for ten minutes.", "How many grams in a pound?"]
    if home.devices:
        parts.append("Devices: " + ", ".join(dict.fromkeys(d.name for d in home.devices)) + ".")
    return " ".join(parts)


class SkillsEngine:
    """What every session shares: the intent templates, the one home and its state, the
    tool specs and the vocabulary hint. `session()` makes one conversation's `Skills`
    (its own timers, pending confirmations and controls)."""

    def __init__(self, *, recognizer: IntentMatcher, home: HomeState,
                 tool_calls: bool = False, problems: Sequence[str] = (),
                 language: Language | None = None) -> None:
        self.recognizer = recognizer
        self.home = home
        self.specs = tuple(tool_specs(home.config))
        self.tool_calls = tool_calls
        self.language = language or language_pack("en")
        self.hint = self.language.hint(home.config)
        self.problems = list(problems)
        """Things the user should hear about at start-up (e.g. an unusable state file)."""

    @classmethod
    def from_config(cls, config: SkillsConfig) -> SkillsEngine:
        """Load the home, its saved state and the templates; raise AssistantError subclasses
        with a one-line message when the home file or templates are unusable."""
        language = _language(config)
        home = load_home(config.home_file or language.home_file or None)
        state_path = Path(config.state_file).expanduser() if config.state_file else (
            default_state_path())
        state = HomeState(home, path=state_path)
        return cls(recognizer=build_recognizer(config, home), home=state,
                   tool_calls=config.tool_calls, language=language,
                   problems=[state.problem] if state.problem else [])

    def session(self, *, controls: Controls,
                wallclock: Callable[[], datetime] = datetime.now) -> Skills:
        """The skills of one conversation over the shared home and templates."""
        confirmations = Confirmations(timeout_s=CONFIRMATION_TIMEOUT_S)
        classes = self.language.skills
        timers: TimerSkill = classes.timers()
        skills: list[Skill] = [
            classes.time_date(wallclock=wallclock), timers,
            classes.home(self.home, confirmations=confirmations), classes.math(),
            classes.control(controls),
        ]
        return Skills(recognizer=self.recognizer, skills=skills, confirmations=confirmations,
                      timers=timers, specs=self.specs, tool_calls=self.tool_calls,
                      problems=self.problems, hint=self.hint, sorry=self.language.sorry)


def english_sorry(what: str, refusal: str = "") -> str:
    if what == "too_late":
        action = refusal.removeprefix("Okay, ")
        return (f"Sorry, I waited too long for an answer, so {action} "
                "Ask me again if you still want to.")
    if what == "unknown":
        return "Sorry, I can't do that yet."
    return "Sorry, something went wrong with that."


class Skills:
    """Every skill of one conversation behind one `respond`; see the module docstring."""

    def __init__(self, *, recognizer: IntentMatcher, skills: Sequence[Skill],
                 confirmations: Confirmations, timers: TimerSkill,
                 specs: Sequence[ToolSpec] = (), tool_calls: bool = False,
                 problems: Sequence[str] = (), hint: str = "",
                 sorry: Callable[..., str] = english_sorry) -> None:
        """`sorry(what, refusal="")`: the language's apology for a confirmation answered
        too late ("too_late"), an intent no skill handles ("unknown"), a skill that
        failed ("failed")."""
        self._recognizer = recognizer
        self._sorry = sorry
        self.hint = hint
        """Words a recognizer should expect: a soft bias for Whisper's prompt."""
        self._confirmations = confirmations
        self._timers = timers
        self._specs = tuple(specs)
        self.tool_calls = tool_calls
        self.problems = list(problems)
        """Things the user should hear about at start-up (e.g. an unusable state file)."""
        self._owners: dict[str, Skill] = {}
        for skill in skills:
            for intent in skill.intents:
                self._owners[intent] = skill

    @classmethod
    def from_config(cls, config: SkillsConfig, *, controls: Controls,
                    wallclock: Callable[[], datetime] = datetime.now) -> Skills:
        """One conversation's skills over a freshly loaded home (see `SkillsEngine`)."""
        return SkillsEngine.from_config(config).session(controls=controls, wallclock=wallclock)

    def recognize(self, text: str) -> IntentMatch | None:
        """The command in `text`, without acting on it (None = not a command)."""
        try:
            return self._recognizer.recognize(text)
        except Exception:  # noqa: BLE001 - a template bug must not take the assistant down
            log.exception("intent recognition failed")
            return None

    def respond(self, text: str, *, now: float) -> SkillReply | None:
        """Run the command in `text` at `now` (seconds, monotonic) and return the reply,
        or None if `text` is not a command."""
        match = self.recognize(text)
        if self._confirmations.active(now) is not None:
            confirmed = match is not None and match.intent == "Confirm"
            return self._confirmations.resolve(confirmed=confirmed, now=now)
        expired = self._confirmations.take_expired(now)
        if match is None:
            return None
        if match.intent in _ANSWERS:
            if expired is None:
                return None  # a "yes" with no question open is conversation
            return SkillReply(text=self._sorry("too_late", expired.refusal),
                              intent=match.intent, slots={})
        return self._run(match, now=now)

    def due_announcements(self, now: float) -> list[str]:
        """What to say about timers that finished by `now` (each is said once)."""
        return self._timers.due(now)

    def next_due(self) -> float | None:
        """When the next announcement is due (on the `now` clock); None when none is."""
        return self._timers.next_due()

    def tools(self) -> list[dict[str, Any]]:
        """JSON schemas of the callable intents ([] when skills.tool_calls is off)."""
        return [spec.schema() for spec in self._specs] if self.tool_calls else []

    def tool_grammar(self, *, decline: bool = False) -> str:
        """A llama.cpp GBNF grammar for one tool call, or with `decline` also for
        `{"name": "none"}` ("" when tool calls are off)."""
        return grammar(self._specs, decline=decline) if self.tool_calls else ""

    def call_tool(self, name: str, arguments: dict[str, Any], *, now: float) -> SkillReply:
        """Run a tool call from the chat model; raises ToolCallError for a bad call."""
        if not self.tool_calls:
            raise ToolCallError("tool calls are off (set skills.tool_calls = true)")
        slots = validate(self._specs, name, arguments)
        log.debug("tool call %s %s", name, slots, extra=SAID)
        return self._run(IntentMatch(intent=name, slots=slots, text=""), now=now)

    def _run(self, match: IntentMatch, *, now: float) -> SkillReply:
        skill = self._owners.get(match.intent)
        if skill is None:
            log.error("no skill handles intent %s", match.intent)
            return SkillReply(text=self._sorry("unknown"), intent=match.intent,
                              slots=dict(match.slots))
        try:
            return skill.handle(match, now=now)
        except Exception:  # noqa: BLE001 - say sorry instead of dying mid-conversation
            log.exception("skill for %s failed", match.intent)
            return SkillReply(text=self._sorry("failed"),
                              intent=match.intent, slots=dict(match.slots))

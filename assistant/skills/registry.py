"""`Skills`: recognizes commands, runs the skill that owns the intent, and says the reply.

The router calls `respond(text, now=...)`: a reply for a command, None for everything
else (the chat model answers those). While a confirmation question is open ("Are you
sure you want to unlock the front door?"), the next utterance answers it: "yes" runs
the action, anything else refuses. The skills report outcomes; `say`, handed in by the
assembly, is the language that turns them into words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from assistant.home.backend import DeviceBackend
from assistant.home.model import Home
from assistant.intents import IntentMatch, SlotValidator
from assistant.skills.base import (
    AnsweredTooLate,
    Capabilities,
    Confirmations,
    Controls,
    NotSupported,
    Outcome,
    Say,
    Skill,
    SkillFailed,
    SkillReply,
    SkillResult,
)
from assistant.skills.control import ControlSkill, validate_volume_slots
from assistant.skills.home import HomeSkill
from assistant.skills.home_access import HomeAccess
from assistant.skills.home_names import LiveHome
from assistant.skills.math_units import MathSkill, math_slot_validator
from assistant.skills.time_date import TimeDateSkill
from assistant.skills.timers import NameRules, TimerSkill, timer_slot_validator
from assistant.skills.tools import ToolCallError, ToolSpec, grammar, tool_specs, validate
from assistant.skills.weather import WeatherSkill, WeatherSource

log = logging.getLogger(__name__)

#: How long a confirmation question stays open, seconds on the `now` clock.
CONFIRMATION_TIMEOUT_S = 30.0
_ANSWERS = frozenset({"Confirm", "Deny"})


class IntentMatcher(Protocol):
    """What the skills need of a language's intent recognizer."""

    @property
    def intent_names(self) -> list[str]: ...

    def recognize(self, text: str) -> IntentMatch | None: ...


@dataclass(frozen=True)
class SkillWords:
    """What the skills must know of a language's words to check the slots it matched."""

    parse_number: Callable[[str], float | None]
    """"22", "-1.5", and the language's number words -> a number (None: not one)."""
    timer_names: NameRules = NameRules()
    vague_devices: frozenset[str] = frozenset()
    """First words that make "turn on X" no device at all ("it", "everything")."""


def slot_validators(words: SkillWords) -> dict[str, SlotValidator]:
    """The skills' slot checks, with the language's number reading and timer-name rules."""
    timer = timer_slot_validator(words.timer_names)

    def unknown_device(slots: dict[str, Any]) -> dict[str, Any] | None:
        """"turn on the tv" is a command about a device we lack; a long tail is not."""
        if "unknown" not in slots:
            return slots
        found = str(slots["unknown"]).split()
        if not found or len(found) > 4 or found[0] in words.vague_devices:
            return None
        return slots

    def timer_set(slots: dict[str, Any]) -> dict[str, Any] | None:
        checked = timer(slots)
        return checked if checked is not None and "duration" in checked else None

    numbers = math_slot_validator(words.parse_number)
    return {
        "TimerSet": timer_set, "TimerCancel": timer, "TimerStatus": timer,
        "MathCalculate": numbers, "UnitConvert": numbers,
        "VolumeSet": validate_volume_slots,
        "HomeTurnOn": unknown_device, "HomeTurnOff": unknown_device,
    }


@dataclass(frozen=True)
class Names:
    """What the skills know of the home's names at one moment: the intent recognizer over
    them, the recognizer hint and the tool specs (replaced whole when the home changes)."""

    recognizer: IntentMatcher
    hint: str
    specs: tuple[ToolSpec, ...]


class SkillsEngine:
    """What every session shares: the one home (its backend, started and stopped with the
    engines) and the names the intents know of it, the weather source, the tool specs,
    the language's `say` and the recognizer hint. `session()` makes one conversation's
    `Skills` (its own timers, pending confirmations and controls)."""

    def __init__(self, *, backend: DeviceBackend, intents: Callable[[Home], IntentMatcher],
                 say: Say, words: SkillWords, hint: Callable[[Home], str] = lambda home: "",
                 tool_calls: bool = False, weather: WeatherSource | None = None,
                 problems: Sequence[str] = ()) -> None:
        """`intents` and `hint` build the recognizer and Whisper's hint for a home (the
        language's templates over its names): called now, and again when it changes."""
        self.words = words
        self.say = say
        self.tool_calls = tool_calls
        self.weather = weather
        self.problems = list(problems)
        """Things the user should hear about at start-up (e.g. an unusable state file)."""
        self._intents = intents
        self._hint = hint
        self.live = LiveHome(backend, on_home=self._use)
        self.home = HomeAccess(backend, reachable=self.live.reachable)
        self._names = self._build(backend.home())

    def start(self) -> None:
        """Connect the home and learn its names (HomeAuthError: one clear line)."""
        self.live.start()

    def close(self) -> None:
        """Disconnect the home (idempotent)."""
        self.live.stop()

    @property
    def recognizer(self) -> IntentMatcher:
        return self._names.recognizer

    @property
    def hint(self) -> str:
        """Words a recognizer should expect: a soft bias for Whisper's prompt."""
        return self._names.hint

    @property
    def specs(self) -> tuple[ToolSpec, ...]:
        return self._names.specs

    def _build(self, home: Home) -> Names:
        return Names(recognizer=self._intents(home), hint=self._hint(home),
                     specs=tool_specs(home))

    def _use(self, home: Home) -> None:
        self._names = self._build(home)

    def session(self, *, controls: Controls, wallclock: Callable[[], datetime] = datetime.now,
                capabilities: Capabilities | None = None,
                home: HomeAccess | None = None) -> Skills:
        """The skills of one conversation over the shared home and recognizer (`home`:
        another view of the home, such as Home Assistant's own agent's)."""
        confirmations = Confirmations(timeout_s=CONFIRMATION_TIMEOUT_S)
        timers = TimerSkill(capabilities=capabilities)
        skills: list[Skill] = [
            TimeDateSkill(wallclock=wallclock), timers,
            HomeSkill(home or self.home, confirmations=confirmations), MathSkill(),
            ControlSkill(controls), WeatherSkill(self.weather, wallclock=wallclock),
        ]
        return Skills(engine=self, skills=skills, confirmations=confirmations, timers=timers)


class Skills:
    """Every skill of one conversation behind one `respond`; see the module docstring."""

    def __init__(self, *, engine: SkillsEngine, skills: Sequence[Skill],
                 confirmations: Confirmations, timers: TimerSkill) -> None:
        self._engine = engine
        self._say = engine.say
        self._confirmations = confirmations
        self._timers = timers
        self.problems = engine.problems
        self._owners: dict[str, Skill] = {}
        for skill in skills:
            for intent in skill.intents:
                self._owners[intent] = skill

    @property
    def tool_calls(self) -> bool:
        return self._engine.tool_calls

    @property
    def hint(self) -> str:
        return self._engine.hint

    def recognize(self, text: str) -> IntentMatch | None:
        """The command in `text`, without acting on it (None = not a command)."""
        try:
            return self._engine.recognizer.recognize(text)
        except Exception:  # noqa: BLE001 - a template bug must not take the assistant down
            log.exception("intent recognition failed")
            return None

    def respond(self, text: str, *, now: float) -> SkillReply | None:
        """Run the command in `text` at `now` (seconds, monotonic) and return the reply,
        or None if `text` is not a command."""
        match = self.recognize(text)
        if self._confirmations.active(now) is not None:
            confirmed = match is not None and match.intent == "Confirm"
            answered = self._confirmations.resolve(confirmed=confirmed, now=now)
            return self._reply(answered) if answered is not None else None
        expired = self._confirmations.take_expired(now)
        if match is None:
            return None
        if match.intent in _ANSWERS:
            if expired is None:
                return None  # a "yes" with no question open is conversation
            return self._reply(SkillResult(outcome=AnsweredTooLate(expired.refusal),
                                           intent=match.intent, slots={}))
        return self._reply(self._run(match, now=now))

    def due_announcements(self, now: float) -> list[str]:
        """What to say about timers that finished by `now` (each is said once)."""
        return [self._say(outcome) for outcome in self._timers.due(now)]

    def next_due(self) -> float | None:
        """When the next announcement is due (on the `now` clock); None when none is."""
        return self._timers.next_due()

    def tools(self) -> list[dict[str, Any]]:
        """JSON schemas of the callable intents ([] when skills.tool_calls is off)."""
        return [spec.schema() for spec in self._engine.specs] if self.tool_calls else []

    def tool_grammar(self, *, decline: bool = False) -> str:
        """A llama.cpp GBNF grammar for one tool call, or with `decline` also for
        `{"name": "none"}` ("" when tool calls are off)."""
        return grammar(self._engine.specs, decline=decline) if self.tool_calls else ""

    def call_tool(self, name: str, arguments: dict[str, Any], *, now: float) -> SkillReply:
        """Run a tool call from the chat model; raises ToolCallError for a bad call."""
        if not self.tool_calls:
            raise ToolCallError("tool calls are off (set skills.tool_calls = true)")
        slots = validate(self._engine.specs, name, arguments,
                         names=self._engine.words.timer_names)
        log.debug("tool call %s %s", name, slots)
        return self._reply(self._run(IntentMatch(intent=name, slots=slots, text=""), now=now))

    def _reply(self, done: SkillResult) -> SkillReply:
        text = " ".join(self._say(outcome) for outcome in (done.outcome, *done.notes))
        return SkillReply(text=text, intent=done.intent, slots=done.slots,
                          expects_reply=done.expects_reply, outcome=done.outcome)

    def _run(self, match: IntentMatch, *, now: float) -> SkillResult:
        skill = self._owners.get(match.intent)
        if skill is None:
            log.error("no skill handles intent %s", match.intent)
            return _failure(match, NotSupported())
        try:
            return skill.handle(match, now=now)
        except Exception:  # noqa: BLE001 - say sorry instead of dying mid-conversation
            log.exception("skill for %s failed", match.intent)
            return _failure(match, SkillFailed())


def _failure(match: IntentMatch, outcome: Outcome) -> SkillResult:
    return SkillResult(outcome=outcome, intent=match.intent, slots=dict(match.slots))

"""`Skills`: recognizes commands, runs the skill that owns the intent, and says the reply.

The router calls `respond(text, now=...)`: a reply for a command, None for everything
else (the chat model answers those). While a confirmation question is open ("Are you
sure you want to unlock the front door?"), the next utterance answers it: "yes" runs
the action, anything else refuses. The skills report outcomes; `say`, handed in by the
assembly, is the language that turns them into words.
"""

from __future__ import annotations

import dataclasses
import logging
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assistant.home.backend import DeviceBackend
from assistant.home.model import Home
from assistant.intents import IntentMatch
from assistant.knowledge.grounding import Grounding
from assistant.logs import SAID
from assistant.skills.base import (
    WANTS_TEXT,
    AnsweredTooLate,
    Ask,
    Capabilities,
    Confirmations,
    Controls,
    DidYouMean,
    NotDone,
    NotSupported,
    Outcome,
    Say,
    Skill,
    SkillFailed,
    SkillReply,
    SkillResult,
)
from assistant.skills.control import ControlSkill
from assistant.skills.everyday import Everyday, EverydaySkills, Ring
from assistant.skills.home import HomeSkill
from assistant.skills.home_access import HomeAccess
from assistant.skills.home_names import LiveHome
from assistant.skills.knowledge import KnowledgeSkill, Shelf, WithKnowledge
from assistant.skills.math_units import MathSkill
from assistant.skills.time_date import TimeDateSkill
from assistant.skills.timers import TimerSkill
from assistant.skills.tools import ToolCallError, ToolSpec, grammar, tool_specs, validate
from assistant.skills.words import IntentMatcher, SkillWords
from assistant.skills.words import slot_validators as slot_validators

log = logging.getLogger(__name__)

#: How long a confirmation question stays open, seconds on the `now` clock.
CONFIRMATION_TIMEOUT_S = 30.0
#: How long a question for what a request lacked ("for what time?") stays open.
ASK_TIMEOUT_S = 30.0
_ANSWERS = frozenset({"Confirm", "Deny"})


@dataclass(frozen=True)
class Names:
    """What the skills know of the home's names at one moment: the intent recognizer over
    them, the recognizer hint and the tool specs (replaced whole when the home changes)."""

    recognizer: IntentMatcher
    hint: str
    specs: tuple[ToolSpec, ...]


class SkillsEngine:
    """What every session shares: the one home (its backend, started and stopped with the
    engines) and the names the intents know of it, the tool specs,
    the language's `say` and the recognizer hint. `session()` makes one conversation's
    `Skills` (its own timers, pending confirmations and controls)."""

    def __init__(self, *, backend: DeviceBackend, intents: Callable[[Home], IntentMatcher],
                 say: Say, words: SkillWords, hint: Callable[[Home], str] = lambda home: "",
                 tool_calls: bool = False,
                 problems: Sequence[str] = (), everyday: Everyday | None = None,
                 knowledge: Shelf | None = None, grounding: Grounding | None = None) -> None:
        """`intents` and `hint` build the recognizer and Whisper's hint for a home (the
        language's templates over its names): called now, and again when it changes.
        `everyday`: alarms, reminders, lists, dates... (None: only the core skills);
        `knowledge`: the questions the offline data answers (None: no knowledge skill);
        `grounding`: what finds encyclopedia passages for the chat model (handed to
        every conversation's router; None: none)."""
        self.everyday = everyday
        self.knowledge = knowledge
        self.grounding = grounding
        self.words = words
        self.say = say
        self.tool_calls = tool_calls
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
        """Disconnect the home and close the knowledge data (idempotent)."""
        self.live.stop()
        if self.knowledge is not None:
            self.knowledge.close()

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
        recognizer = self._intents(home)
        if self.knowledge is not None:
            recognizer = WithKnowledge(recognizer, self.knowledge)
        return Names(recognizer=recognizer, hint=self._hint(home),
                     specs=tool_specs(home))

    def _use(self, home: Home) -> None:
        self._names = self._build(home)

    def session(self, *, controls: Controls, wallclock: Callable[[], datetime] = datetime.now,
                capabilities: Capabilities | None = None, room: str = "local",
                along: Skills | None = None, home: HomeAccess | None = None) -> Skills:
        """The skills of one conversation over the shared home and recognizer; `room`
        names the session (alarms and reminders ring in the room that set them). `along`:
        the skills of another language of the same conversation, whose timers and pending
        question these share (a timer set in one language is cancelled in the other).
        `home`: another view of the home, such as Home Assistant's own agent's."""
        confirmations = (along._confirmations if along is not None
                         else Confirmations(timeout_s=CONFIRMATION_TIMEOUT_S))
        timers = along._timers if along is not None else TimerSkill(capabilities=capabilities)
        skills: list[Skill] = [
            TimeDateSkill(wallclock=wallclock), timers,
            HomeSkill(home or self.home, confirmations=confirmations), MathSkill(),
            ControlSkill(controls),
        ]
        everyday = None
        if self.everyday is not None:
            everyday = EverydaySkills(self.everyday, room=room, wallclock=wallclock,
                                      confirmations=confirmations, capabilities=capabilities)
            skills += everyday.skills
        if self.knowledge is not None:
            skills.append(KnowledgeSkill(self.knowledge))
        return Skills(engine=self, skills=skills, confirmations=confirmations, timers=timers,
                      everyday=everyday, wallclock=wallclock)


class Skills:
    """Every skill of one conversation behind one `respond`; see the module docstring."""

    def __init__(self, *, engine: SkillsEngine, skills: Sequence[Skill],
                 confirmations: Confirmations, timers: TimerSkill,
                 everyday: EverydaySkills | None = None,
                 wallclock: Callable[[], datetime] = datetime.now) -> None:
        self._engine = engine
        self._everyday = everyday
        self._wallclock = wallclock
        self._asked: tuple[Ask, float] | None = None
        """A question for what a request lacked, and until when (on the `now` clock)."""
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

    def recognize(self, text: str, alternatives: Sequence[str] = (), *,
                  by_sound: bool = True) -> IntentMatch | None:
        """The command in `text`, without acting on it (None = not a command). With the
        recognizer's `alternatives` (other readings of the same audio), see
        `heard_command`; `by_sound=False`: only as written (no match by sound)."""
        recognizer = self._engine.recognizer
        try:
            if not by_sound:
                written = getattr(recognizer, "recognize_written",
                                  recognizer.recognize)
                return written(text)
            if alternatives:
                return heard_command(recognizer, text, alternatives)
            return recognizer.recognize(text)
        except Exception:  # noqa: BLE001 - a template bug must not take the assistant down
            log.exception("intent recognition failed")
            return None

    def respond(self, text: str, *, now: float, alternatives: Sequence[str] = (),
                sure: bool = True) -> SkillReply | None:
        """Run the command in `text` at `now` (seconds, monotonic) and return the reply,
        or None if `text` is not a command. `alternatives`: the recognizer's other
        readings of the same audio; `sure=False`: the recognizer doubts its words, so a
        command is asked about (and a pending question is not answered)."""
        match = self.recognize(text, alternatives)
        if sure:
            asked, self._asked = self._asked, None
            if asked is not None and now <= asked[1]:
                answered = self._answer(asked[0], match, text)
                if answered is not None:
                    return self._reply(answered, now)
        if match is not None and match.intent == "TimeAnswer":
            return None  # a bare time with no question open: conversation
        pending = self._confirmations.active(now)
        if not sure:
            if match is None or match.intent in _ANSWERS or pending is not None:
                return None
            return self._reply(self._ask_heard(match, now=now), now)
        if pending is not None and pending.about_hearing and (
                match is None or match.intent not in _ANSWERS):
            self._confirmations.withdraw()  # said again, or something else: a new request
        elif pending is not None:
            confirmed = match is not None and match.intent == "Confirm"
            answered = self._confirmations.resolve(confirmed=confirmed, now=now)
            return self._reply(answered, now) if answered is not None else None
        expired = self._confirmations.take_expired(now)
        if match is None:
            return None
        if match.intent in _ANSWERS:
            if expired is None or expired.about_hearing:
                return None  # a "yes" with no question open is conversation
            return self._reply(SkillResult(outcome=AnsweredTooLate(expired.refusal),
                                           intent=match.intent, slots={}), now)
        if match.doubtful:
            return self._reply(self._ask_heard(match, now=now), now)
        return self._reply(self._run(match, now=now), now)

    def _answer(self, ask: Ask, match: IntentMatch | None, text: str) -> SkillResult | None:
        """The answer to an open question, or None when `text` is no answer (a new
        request, which is then handled as usual)."""
        if match is not None and match.intent == "TimeAnswer":
            return self._resume(ask, match)
        if ask.wants == WANTS_TEXT and match is None and text.strip():
            return self._resume(ask, IntentMatch("TextAnswer", {}, text.strip()))
        return None

    def _resume(self, ask: Ask, answer: IntentMatch) -> SkillResult:
        """The request finished with `answer`; reported as the answer's intent (as a "yes"
        is reported as Confirm), with what the request did as its outcome."""
        try:
            done = ask.resume(IntentMatch(answer.intent, answer.slots,
                                          " ".join(answer.text.split()).rstrip(".!?。！？")))
            return dataclasses.replace(done, intent=answer.intent)
        except Exception:  # noqa: BLE001 - say sorry instead of dying mid-conversation
            log.exception("answering a question failed")
            return _failure(answer, SkillFailed())

    def next_wall_due(self) -> datetime | None:
        """When the next alarm or reminder of this conversation's room is due."""
        return self._everyday.next_due() if self._everyday is not None else None

    def wall_due(self, wall: datetime) -> list[Ring]:
        """Alarms and reminders of this room due by `wall`, in words (each said once)."""
        return self._everyday.due(wall, self._say) if self._everyday is not None else []

    def ringing(self) -> bool:
        """True while an alarm of this conversation rings."""
        return self._everyday is not None and self._everyday.alarms.ringing is not None

    def stop_ringing(self) -> SkillReply | None:
        """Turn off the ringing alarm ("stop"); None when none rings."""
        if not self.ringing() or self._everyday is None:
            return None
        outcome = self._everyday.alarms.stop(self._wallclock())
        return SkillReply(text=self._say(outcome), intent="AlarmStop", slots={},
                          outcome=outcome, origin=outcome.origin_of("AlarmStop"))

    def ring_over(self) -> None:
        """The ringing alarm reached its limit and stops by itself."""
        if self._everyday is not None:
            self._everyday.alarms.ring_over()

    def _ask_heard(self, match: IntentMatch, *, now: float) -> SkillResult:
        """A command with a slot not heard exactly: asked about, run on a yes."""
        sure = IntentMatch(intent=match.intent, slots=dict(match.slots), text=match.text)

        def accept() -> list[Outcome]:
            done = self._run(sure, now=now)
            return [done.outcome, *done.notes]

        log.debug("not sure of %s in %s", match.doubtful, match.intent)
        said = match.heard_as or match.text.strip()
        while said and unicodedata.category(said[-1]).startswith("P"):
            said = said[:-1]  # the question quotes the command, not its full stop
        return self._confirmations.ask(match, DidYouMean(said), accept=accept,
                                       refusal=NotDone(), now=now, about_hearing=True)

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
        log.debug("tool call %s %s", name, slots, extra=SAID)
        return self._reply(self._run(IntentMatch(intent=name, slots=slots, text=""), now=now),
                           now)

    def _reply(self, done: SkillResult, now: float) -> SkillReply:
        if done.ask is not None:
            self._asked = (done.ask, now + ASK_TIMEOUT_S)
        text = " ".join(self._say(outcome) for outcome in (done.outcome, *done.notes))
        return SkillReply(text=text, intent=done.intent, slots=done.slots,
                          expects_reply=done.expects_reply, outcome=done.outcome,
                          origin=done.outcome.origin_of(done.intent))

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


def heard_command(recognizer: IntentMatcher, text: str,
                  alternatives: Sequence[str]) -> IntentMatch | None:
    """The command in what the recognizer heard: `text` as written, else the first of its
    `alternatives` as written, else whatever the recognizer makes of `text` (a language
    may match by sound). A slot on which another reading of the same command disagrees
    ("25×17" and "25加17") is doubtful: asked about, not guessed."""
    written = getattr(recognizer, "recognize_written", recognizer.recognize)
    readings = [text, *alternatives]
    found = next(((reading, match) for reading in readings
                  if (match := written(reading)) is not None), None)
    if found is None:
        return recognizer.recognize(text)
    reading, match = found
    doubtful = set(match.doubtful)
    for other in readings:
        if other == reading:
            continue
        rival = written(other)
        if rival is None or rival.intent != match.intent or "unknown" in rival.slots:
            continue  # another command, or a name the home does not have: no rival
        doubtful |= {key for key in match.slots
                     if key in rival.slots and str(match.slots[key]) != str(rival.slots[key])}
    if doubtful == set(match.doubtful):
        return match
    return dataclasses.replace(match, doubtful=tuple(sorted(doubtful)),
                               heard_as=match.heard_as or reading)


def _failure(match: IntentMatch, outcome: Outcome) -> SkillResult:
    return SkillResult(outcome=outcome, intent=match.intent, slots=dict(match.slots))

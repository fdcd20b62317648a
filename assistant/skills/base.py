"""Types shared by the skills: outcomes, replies, capabilities, the Controls the pipeline
provides, confirmations.

A skill decides *what happened* and returns an `Outcome` (a small frozen dataclass, one
class per kind of result, failures included); the language spoken decides *how to say
it*: its phrasebook has a template for every outcome class (assistant/language/). No
sentence a user hears is written here or in any skill.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.intents import IntentMatch
from assistant.skills.origin import SKILL, Origin

log = logging.getLogger(__name__)

__all__ = [
    "Ask", "Capabilities", "Confirmations", "Controls", "DidYouMean", "IntentMatch",
    "NotDone", "Outcome",
    "PendingConfirmation", "Say", "Skill", "SkillReply", "SkillResult",
]

#: What the answer to an `Ask` is: a time (the `TimeAnswer` intent: "at seven", "in ten
#: minutes") or any words ("call Mum").
WANTS_TIME = "time"
WANTS_TEXT = "text"


@dataclass(frozen=True)
class Outcome:
    """What a skill did or found, in no language. A language renders it by its class
    name (`key`) from its phrasebook, with the dataclass fields as template variables."""

    @classmethod
    def key(cls) -> str:
        return cls.__name__

    def origin_of(self, intent: str) -> Origin:
        """Where this answer to `intent` came from: the skill itself, unless the outcome
        says (an answer from data, the source of an earlier answer)."""
        return Origin(SKILL, intent)


#: Renders an outcome in the language spoken ("default" or a named variant).
Say = Callable[..., str]


@dataclass(frozen=True)
class NotSupported(Outcome):
    """An intent no skill of this session handles."""


@dataclass(frozen=True)
class SkillFailed(Outcome):
    """A skill raised: it is logged, the user hears an apology."""


@dataclass(frozen=True)
class AnsweredTooLate(Outcome):
    """A yes/no answer came after the question expired; `refusal` is what stays as it was."""

    refusal: Outcome


@dataclass(frozen=True)
class DidYouMean(Outcome):
    """A command heard only nearly, with a slot not heard as said (a device name or a
    number a syllable off): asked about before anything is done. `said` is the command
    as the language's own template says it."""

    said: str


@dataclass(frozen=True)
class NotDone(Outcome):
    """The answer to `DidYouMean` was no: nothing was done."""


@dataclass(frozen=True)
class Capabilities:
    """What the endpoint of a conversation can do, handed to the skills: a text
    conversation (Home Assistant's agent) has no speaker to ring a timer on."""

    speaker: bool = True


@dataclass(frozen=True)
class Ask:
    """A request a skill could not finish without more ("set an alarm" with no time): it
    asked for what is missing, and the next utterance may give it. `resume` gets the
    answer as an IntentMatch: the `TimeAnswer` intent's slots, or for WANTS_TEXT the
    words said (slot `text`)."""

    wants: str
    resume: Callable[[IntentMatch], SkillResult] = field(repr=False)


@dataclass(frozen=True)
class SkillResult:
    """What a skill returns: its outcome, and whether the pipeline should listen for an
    answer without the wake word (a confirmation question)."""

    outcome: Outcome
    intent: str
    slots: dict[str, Any]
    expects_reply: bool = False
    notes: tuple[Outcome, ...] = ()
    """Said after the outcome (e.g. that a change could not be saved)."""
    ask: Ask | None = None
    """The outcome is a question for what is missing (then `expects_reply` is true)."""


@dataclass(frozen=True)
class SkillReply:
    """A skill's result as said in the conversation's language. `text` is speakable:
    numbers are words, no symbols."""

    text: str
    intent: str
    slots: dict[str, Any]
    expects_reply: bool = False
    """True when the reply is a question (a confirmation); the pipeline then listens
    for the answer without waiting for the wake word."""
    outcome: Outcome | None = None
    origin: Origin | None = None
    """Where the answer came from (None: the skill that gave it)."""


class Controls(Protocol):
    """The assistant's own settings, implemented by the pipeline."""

    def volume(self) -> float:
        """Output volume, 0.0-1.0."""
        ...

    def set_volume(self, level: float) -> None:
        """Set the output volume, 0.0-1.0."""
        ...

    def forget(self) -> None:
        """Clear the conversation memory of the chat model."""
        ...

    def last_reply(self) -> str | None:
        """The last thing the assistant said, or None."""
        ...

    def last_origin(self) -> Origin | None:
        """Where the last answer came from, or None."""
        ...


class Skill(Protocol):
    """One area of commands. `handle` is only called for an intent in `intents`."""

    intents: frozenset[str]

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        """Act on `match` at `now` (seconds, monotonic) and say what happened."""
        ...


def result(match: IntentMatch, outcome: Outcome, *, expects_reply: bool = False,
           notes: tuple[Outcome, ...] = (), ask: Ask | None = None) -> SkillResult:
    """`outcome` as the result of `match`, carrying its intent and slots for the report."""
    return SkillResult(outcome=outcome, intent=match.intent, slots=dict(match.slots),
                       expects_reply=expects_reply or ask is not None, notes=notes, ask=ask)


@dataclass(frozen=True)
class PendingConfirmation:
    """A question waiting for yes or no, such as "unlock the front door?"."""

    match: IntentMatch
    accept: Callable[[], list[Outcome]] = field(repr=False)
    """Runs the action and returns what happened (then any notes)."""
    refusal: Outcome
    expires_at: float
    about_hearing: bool = False
    """The question is whether the command was heard right: an answer that is neither
    yes nor no is a new request, not a refusal."""


class Confirmations:
    """At most one pending yes/no question. A newer question replaces an older one."""

    def __init__(self, *, timeout_s: float = 30.0) -> None:
        self.timeout_s = timeout_s
        self._pending: PendingConfirmation | None = None

    def ask(self, match: IntentMatch, question: Outcome, *, accept: Callable[[], list[Outcome]],
            refusal: Outcome, now: float, about_hearing: bool = False) -> SkillResult:
        """Remember the action and return the question (expects_reply=True)."""
        self._pending = PendingConfirmation(match=match, accept=accept, refusal=refusal,
                                            expires_at=now + self.timeout_s,
                                            about_hearing=about_hearing)
        return result(match, question, expects_reply=True)

    def withdraw(self) -> None:
        """Forget the pending question (a new request came instead of an answer)."""
        self._pending = None

    def active(self, now: float) -> PendingConfirmation | None:
        """The pending question if it has not expired yet."""
        pending = self._pending
        if pending is not None and now <= pending.expires_at:
            return pending
        return None

    def take_expired(self, now: float) -> PendingConfirmation | None:
        """Drop and return a question whose time ran out (None if there was none)."""
        pending = self._pending
        if pending is not None and now > pending.expires_at:
            self._pending = None
            return pending
        return None

    def resolve(self, *, confirmed: bool, now: float) -> SkillResult | None:
        """Answer the pending question: run the action or refuse. None if nothing pends."""
        pending = self.active(now)
        self._pending = None
        if pending is None:
            return None
        slots = dict(pending.match.slots)
        if confirmed:
            log.info("confirmed %s", pending.match.intent)
            outcome, *notes = pending.accept()
            return SkillResult(outcome=outcome, intent="Confirm", slots=slots, notes=tuple(notes))
        return SkillResult(outcome=pending.refusal, intent="Deny", slots=slots)

"""Types shared by the skills: replies, the Controls the pipeline provides, confirmations."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.intents import IntentMatch

log = logging.getLogger(__name__)

__all__ = [
    "Confirmations", "Controls", "IntentMatch", "PendingConfirmation",
    "Skill", "SkillReply",
]


@dataclass(frozen=True)
class SkillReply:
    """What a skill says back. `text` is speakable: numbers are words, no symbols."""

    text: str
    intent: str
    slots: dict[str, Any]
    expects_reply: bool = False
    """True when the reply is a question (a confirmation); the pipeline then listens
    for the answer without waiting for the wake word."""


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


class Skill(Protocol):
    """One area of commands. `handle` is only called for an intent in `intents`."""

    intents: frozenset[str]

    def handle(self, match: IntentMatch, *, now: float) -> SkillReply:
        """Act on `match` at `now` (seconds, monotonic) and say what happened."""
        ...


def reply(match: IntentMatch, text: str, *, expects_reply: bool = False) -> SkillReply:
    """A reply to `match`, carrying its intent and slots for the test-mode report."""
    return SkillReply(text=text, intent=match.intent, slots=dict(match.slots),
                      expects_reply=expects_reply)


@dataclass(frozen=True)
class PendingConfirmation:
    """A question waiting for yes or no, such as "unlock the front door?"."""

    match: IntentMatch
    accept: Callable[[], str] = field(repr=False)
    """Runs the action and returns what to say."""
    refusal: str
    expires_at: float


class Confirmations:
    """At most one pending yes/no question. A newer question replaces an older one."""

    def __init__(self, *, timeout_s: float = 30.0) -> None:
        self.timeout_s = timeout_s
        self._pending: PendingConfirmation | None = None

    def ask(self, match: IntentMatch, question: str, *, accept: Callable[[], str],
            refusal: str, now: float) -> SkillReply:
        """Remember the action and return the question (expects_reply=True)."""
        self._pending = PendingConfirmation(match=match, accept=accept, refusal=refusal,
                                            expires_at=now + self.timeout_s)
        return reply(match, question, expects_reply=True)

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

    def resolve(self, *, confirmed: bool, now: float) -> SkillReply | None:
        """Answer the pending question: run the action or refuse. None if nothing pends."""
        pending = self.active(now)
        self._pending = None
        if pending is None:
            return None
        if confirmed:
            log.info("confirmed %s", pending.match.intent)
            return SkillReply(text=pending.accept(), intent="Confirm",
                              slots=dict(pending.match.slots))
        return SkillReply(text=pending.refusal, intent="Deny", slots=dict(pending.match.slots))

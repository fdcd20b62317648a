"""What the conversation itself reports, in no language (the language pack says it)."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.skills.base import Outcome


@dataclass(frozen=True)
class NotCaught(Outcome):
    """A spoken turn the recognizer was not sure of: not answered, asked again."""


@dataclass(frozen=True)
class NotSure(Outcome):
    """Said instead of a chat-model reply whose first sentence failed the reply guard."""


@dataclass(frozen=True)
class NoChatModel(Outcome):
    """An open question, and no chat model that speaks the language is installed."""

    model: str
    """The model to fetch ("" when the language names none)."""


@dataclass(frozen=True)
class ChatServerFailed(Outcome):
    """The chat server on the network failed this reply (said instead of, or after, what
    it wrote); the turn ends here."""

    problem: str
    """How (assistant.engines.llm.SERVER_PROBLEMS): unreachable, slow, error, garbled,
    empty, too_long, cut."""

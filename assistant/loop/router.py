"""Decide who answers an utterance: a control phrase, a skill, or the chat model.

Control phrases (the language's "stop", "never mind", "停") end the current reply. A confident
intent match runs its skill. Everything else is open conversation for the chat
model, which streams its answer. Only registered skills can act on the home, and only
through the intent layer: the chat model's words are never executed.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.engines.llm import ChatMessage, ChatModel
from assistant.errors import AssistantError
from assistant.language import Language
from assistant.loop.events import Completeness, Route
from assistant.loop.memory import ConversationMemory
from assistant.loop.outcomes import NoChatModel, NotSure
from assistant.loop.reply_guard import ReplyGuard

log = logging.getLogger(__name__)

TOOL_PROMPT = (
    "You turn a request to a home assistant into one JSON tool call. If one of these tools "
    "does what the user asks, call it with the right arguments; otherwise answer "
    '{{"name": "none"}}. Tools: {tools}'
)


class SkillReplyLike(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def intent(self) -> str: ...
    @property
    def slots(self) -> dict[str, Any]: ...
    @property
    def expects_reply(self) -> bool: ...


class SkillsLike(Protocol):
    """What the loop uses of one conversation's skills (`assistant.skills.Skills`)."""

    @property
    def hint(self) -> str:
        """Words a recognizer should expect (a soft bias)."""
        ...

    def respond(self, text: str, *, now: float) -> SkillReplyLike | None:
        """Run the command in `text`; None when it is not one."""
        ...

    def recognize(self, text: str) -> object | None:
        """The command in `text` without acting on it (None = not a command)."""
        ...

    def due_announcements(self, now: float) -> list[str]: ...

    def next_due(self) -> float | None: ...

    def tools(self) -> list[dict[str, Any]]: ...

    def tool_grammar(self, *, decline: bool = False) -> str:
        """A GBNF grammar for one tool call (`decline`: or {"name": "none"}); "" when tool
        calls are off."""
        ...

    def call_tool(self, name: str, arguments: dict[str, Any], *,
                  now: float) -> SkillReplyLike: ...


def _stream(pieces: Iterable[str]) -> Generator[str, None, None]:
    """A closable stream of pieces: closing it closes the chat model's stream too."""
    yield from pieces


@dataclass
class Reply:
    """Who answers and what: `pieces` streams the reply text (one piece for a skill);
    close it when done with it early."""

    route: Route
    intent: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    pieces: Generator[str, None, None] = field(default_factory=lambda: _stream(()))
    expects_reply: bool = False
    guard: ReplyGuard | None = None
    """Checks each sentence of a chat-model reply before it is spoken (None: a skill's)."""
    source: str = ""
    """Where the answer came from ("skill", "model"), for the report and the logs."""

    @classmethod
    def saying(cls, route: Route, text: str) -> Reply:
        """A reply of one fixed sentence."""
        return cls(route, pieces=_stream([text]))


@dataclass(frozen=True)
class ChatSettings:
    """How this conversation asks the chat model (resolved from the config and the
    language by the assembly)."""

    system_prompt: str
    examples: tuple[tuple[str, str], ...] = ()
    """Few-shot (question, answer) pairs shown before the conversation."""
    max_reply_tokens: int = 160
    max_sentences: int = 0
    """A chat-model reply ends after this many sentences (0 = no limit)."""


class Router:
    """Routes one transcript at a time; owns the conversation memory."""

    def __init__(self, *, chat: ChatModel | None, skills: SkillsLike | None,
                 memory: ConversationMemory, language: Language, settings: ChatSettings,
                 owner: str = "") -> None:
        """`owner` names the session to the shared chat model (whose turn it is)."""
        self.chat = chat
        self.skills = skills
        self.memory = memory
        self.language = language
        self.settings = settings
        self._owner = owner

    def is_control(self, text: str) -> bool:
        return self.language.is_control(text)

    def respond(self, text: str, *, now: float, cancel: threading.Event | None = None) -> Reply:
        if not self.language.text.normalize(text):
            return Reply(Route.NONE)
        if self.is_control(text):
            return Reply(Route.CONTROL, intent="Stop")
        if self.skills is not None:
            answer = self.skills.respond(text, now=now) or self._tool_call(text, now=now)
            if answer is not None:
                return Reply(Route.SKILL, intent=answer.intent, slots=dict(answer.slots),
                             pieces=_stream([answer.text] if answer.text else []),
                             expects_reply=answer.expects_reply, source="skill")
        if self.chat is None:
            wanted = self.language.chat.models[0] if self.language.chat.models else ""
            return Reply.saying(Route.LLM, self.language.say(NoChatModel(wanted)))
        settings = self.settings
        messages = self.memory.messages(settings.system_prompt, text,
                                        examples=settings.examples)
        before = [*self.memory.questions(), *(question for question, _ in settings.examples)]
        guard = ReplyGuard(text, max_sentences=settings.max_sentences, before=before,
                           language=self.language.code,
                           not_sure=self.language.say(NotSure()))
        return Reply(Route.LLM, pieces=_stream(self.chat.stream_reply(
            messages, max_tokens=settings.max_reply_tokens, owner=self._owner, cancel=cancel)),
            guard=guard, source="model")

    def _tool_call(self, text: str, *, now: float) -> SkillReplyLike | None:
        """The optional tool-call path (`skills.tool_calls`): the chat model may pick a
        registered skill, as grammar-constrained JSON whose arguments the skills validate.
        Off by default: the 135M model picks wrong tools. Anything invalid is ignored and
        the chat model answers in words instead."""
        if self.skills is None or self.chat is None:
            return None
        grammar = self.skills.tool_grammar(decline=True)
        if not grammar:
            return None
        tools = json.dumps(self.skills.tools(), separators=(",", ":"))
        messages = [ChatMessage("system", TOOL_PROMPT.format(tools=tools)),
                    ChatMessage("user", text)]
        try:
            call = json.loads(self.chat.complete_json(messages, grammar=grammar))
            if call.get("name") in (None, "none"):
                return None
            return self.skills.call_tool(call["name"], call.get("arguments", {}), now=now)
        except (AssistantError, ValueError, KeyError, TypeError) as error:
            log.debug("tool call not used: %s", error)  # may quote the user: DEBUG only
            return None

    def is_complete(self, text: str) -> Completeness | None:
        """Whether `text` is already a whole request, so the listener need not wait out the
        full end-of-speech silence: COMMAND (a control phrase, or a command the skills
        know), QUESTION (the language says it sounds finished), or None: a statement may
        go on after a pause, and so may anything ending on a word that needs more."""
        if self.is_control(text):
            return Completeness.COMMAND
        rules = self.language.text
        if not rules.normalize(text) or rules.unfinished(text):
            return None
        if self.skills is not None and self.skills.recognize(text) is not None:
            return Completeness.COMMAND
        if rules.sounds_finished(text):
            return Completeness.QUESTION
        return None

"""Decide who answers an utterance: a control phrase, a skill, or the chat model.

Control phrases ("stop", "cancel", "never mind") end the current reply. A confident
intent match runs its skill. Everything else is open conversation for the chat
model, which streams its answer. Only registered skills can act on the home, and only
through the intent layer: the chat model's words are never executed.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.engines.llm import ChatMessage, ChatModel
from assistant.errors import AssistantError
from assistant.logs import SAID
from assistant.loop.events import Completeness, Route
from assistant.loop.memory import ConversationMemory
from assistant.loop.reply_guard import NOT_SURE, ReplyGuard

log = logging.getLogger(__name__)

CONTROL_PHRASES = frozenset({
    "stop", "cancel", "never mind", "nevermind", "forget it", "be quiet", "quiet",
    "shut up", "stop talking", "that's enough", "thats enough", "enough", "hush",
    "stop it", "cancel that", "ok stop", "okay stop",
})
_POLITE = re.compile(r"\b(please|thanks|thank you|now)\b")

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

    hint: str
    """Words a recognizer should expect (a soft bias)."""

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

    @classmethod
    def saying(cls, route: Route, text: str) -> Reply:
        """A reply of one fixed sentence."""
        return cls(route, pieces=_stream([text]))


def normalize(text: str) -> str:
    text = re.sub(r"[^\w\s']", " ", text.lower())
    return " ".join(text.split())


# A fragment ends on a word that needs more: "What is the capital of." is not done yet.
_DANGLING = frozenset(["a", "an", "the", "of", "to", "and", "or", "but", "nor", "than", "my",
                       "your", "his", "her", "their", "our", "its"])
# With a full stop instead of "?", the recognizer is less sure the question is over, so
# more endings count as unfinished: a preposition ("Tell me about."), a pronoun, a
# question word or an auxiliary ("Can you tell me what.", "Do you know.").
_DANGLING_AFTER_STOP = _DANGLING | frozenset([
    "about", "in", "on", "for", "with", "from", "at", "between", "like", "into", "by", "as",
    "if", "i", "you", "we", "they", "he", "she", "it", "me", "what", "who", "why", "how",
    "when", "where", "which", "is", "are", "was", "were", "do", "does", "did", "can",
    "could", "will", "would", "should", "have", "has", "please", "so", "that"])
# A request verb ("tell me a joke."), or a question word followed by what a question
# needs there ("what is", "who wrote", but not "when I ...").
_REQUEST = re.compile(
    r"^(?:tell me|explain|describe|give me|define|recommend|suggest|translate|summarize|"
    r"teach me)\b|"
    r"^(?:what|who|which)\b|"
    r"^(?:why|how|when|where)\s(?:is|are|was|were|do|does|did|can|could|will|would|should|"
    r"has|have|had|much|many|long|far|old|big|often)\b|"
    r"^(?:what's|who's|how's|where's|when's|why's)\b")


def sounds_finished(text: str) -> bool:
    """True when `text` reads as a whole question or request for the chat model: the
    recognizer ended it with "?" after at least three words, and not on a word that
    needs more ("of", "the", "and"); or with "." or "!" after at least four words that
    open like a question or a request ("Who wrote Hamlet.", "Tell me a joke.") and end
    on none of the words a sentence goes on after. Never when it trails off ("...")."""
    stripped = text.strip().rstrip("\"')")
    words = normalize(text).split()
    if len(words) < 3 or words[-1] in _DANGLING or stripped.endswith(("...", "\u2026")):
        return False
    if stripped.endswith("?"):
        return True
    return (stripped.endswith((".", "!")) and len(words) >= 4
            and words[-1] not in _DANGLING_AFTER_STOP
            and _REQUEST.match(" ".join(words)) is not None)


def is_control_phrase(text: str) -> bool:
    words = normalize(text)
    return words in CONTROL_PHRASES or _POLITE.sub("", words).strip() in CONTROL_PHRASES


class Router:
    """Routes one transcript at a time; owns the conversation memory."""

    def __init__(self, *, chat: ChatModel | None, skills: SkillsLike | None,
                 memory: ConversationMemory, system_prompt: str, max_reply_tokens: int,
                 owner: str = "", examples: Sequence[tuple[str, str]] = (),
                 max_sentences: int = 0,
                 is_control: Callable[[str], bool] = is_control_phrase,
                 no_chat_reply: str = "Sorry, I can only do simple commands right now.",
                 not_caught: str = "Sorry, I didn't catch that.",
                 language: str = "en", not_sure: str = NOT_SURE) -> None:
        """`owner` names the session to the shared chat model (whose turn it is);
        `examples` are few-shot (question, answer) pairs shown before the conversation;
        a chat-model reply ends after `max_sentences` (0 = no limit); `is_control`,
        `no_chat_reply` and `not_caught` (said to a turn heard too unclearly to answer)
        come from the language spoken, as do `language` and `not_sure` for the reply guard."""
        self.chat = chat
        self.not_caught = not_caught
        self.is_control = is_control
        self._no_chat_reply = no_chat_reply
        self.skills = skills
        self.memory = memory
        self._system_prompt = system_prompt
        self._max_reply_tokens = max_reply_tokens
        self._owner = owner
        self._examples = tuple(examples)
        self._max_sentences = max_sentences
        self._language = language
        self._not_sure = not_sure

    def respond(self, text: str, *, now: float, cancel: threading.Event | None = None) -> Reply:
        if not normalize(text):
            return Reply(Route.NONE)
        if self.is_control(text):
            return Reply(Route.CONTROL, intent="Stop")
        if self.skills is not None:
            answer = self.skills.respond(text, now=now) or self._tool_call(text, now=now)
            if answer is not None:
                return Reply(Route.SKILL, intent=answer.intent, slots=dict(answer.slots),
                             pieces=_stream([answer.text] if answer.text else []),
                             expects_reply=answer.expects_reply)
        if self.chat is None:
            return Reply(Route.LLM, pieces=_stream([self._no_chat_reply]))
        messages = self.memory.messages(self._system_prompt, text,
                                        examples=self._examples)
        return Reply(Route.LLM, pieces=_stream(self.chat.stream_reply(
            messages, max_tokens=self._max_reply_tokens, owner=self._owner, cancel=cancel)),
            guard=ReplyGuard(text, max_sentences=self._max_sentences,
                             before=[*self.memory.questions(),
                                     *(question for question, _ in self._examples)],
                             language=self._language, not_sure=self._not_sure))

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
            log.debug("tool call not used: %s", error, extra=SAID)  # may quote the user
            return None

    def is_complete(self, text: str) -> Completeness | None:
        """Whether `text` is already a whole request, so the listener need not wait out the
        full end-of-speech silence: COMMAND (a control phrase, or a command the skills
        know), QUESTION (see `sounds_finished`), or None: a statement may go on after
        a pause, and so may anything ending on a word that needs more ("Turn on the")."""
        if self.is_control(text):
            return Completeness.COMMAND
        words = normalize(text).split()
        if not words or words[-1] in _DANGLING:
            return None
        if self.skills is not None and self.skills.recognize(text) is not None:
            return Completeness.COMMAND
        if sounds_finished(text):
            return Completeness.QUESTION
        return None

    def warm_up(self) -> None:
        """Evaluate the system prompt once, so llama.cpp keeps it cached for every turn."""
        if self.chat is not None:
            messages = self.memory.messages(self._system_prompt, "Hello",
                                           examples=self._examples)
            for _ in self.chat.stream_reply(messages, max_tokens=1, owner=self._owner):
                pass
        if self.skills is not None:
            self.skills.recognize("what time is it")

    def remember(self, question: str, answer: str) -> None:
        """Keep an exchange for follow-ups (the part actually spoken, when interrupted)."""
        if question.strip() and answer.strip():
            self.memory.add(question, answer)

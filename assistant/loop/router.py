"""Decide who answers an utterance: a control phrase, a skill, or the chat model.

Control phrases (the language's "stop", "never mind", "停") end the current reply. A confident
intent match runs its skill. Everything else is open conversation for the chat
model, which streams its answer. Only registered skills can act on the home, and only
through the intent layer: the chat model's words are never executed.

A conversation may speak more than one language (`language = "auto"`): each turn carries
the language the recognizer heard, and is answered in it, by its skills and its chat
prompt. A short command whose language was detected wrong is still a command: the other
languages' control phrases and skills (on the recognizer's reading in that language,
when it made one) are tried before the chat model.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from assistant.engines.llm import ChatMessage, ChatModel, ChatServerError, prompt_prefix
from assistant.errors import AssistantError
from assistant.knowledge.facts import Passage
from assistant.knowledge.grounding import Grounding, grounded_question
from assistant.language import Language
from assistant.logs import SAID
from assistant.loop.events import Completeness, Route
from assistant.loop.memory import ConversationMemory
from assistant.loop.outcomes import ChatServerFailed, NoChatModel, NotCaught, NotSure
from assistant.loop.reply_guard import ReplyGuard
from assistant.skills.live_facts import NoLiveSource
from assistant.skills.origin import MODEL, SKILL, Origin

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
    @property
    def origin(self) -> Origin | None: ...


class RingLike(Protocol):
    """Something due on the wall clock, in words (`assistant.skills.everyday.Ring`)."""

    @property
    def text(self) -> str: ...
    @property
    def alarm(self) -> bool:
        """It rings (the chime again and again) until stopped."""
        ...
    @property
    def chime(self) -> bool: ...


class SkillsLike(Protocol):
    """What the loop uses of one conversation's skills (`assistant.skills.Skills`)."""

    @property
    def hint(self) -> str:
        """Words a recognizer should expect (a soft bias)."""
        ...

    def respond(self, text: str, *, now: float, alternatives: Sequence[str] = (),
                sure: bool = True) -> SkillReplyLike | None:
        """Run the command in `text` (or, failing that, in one of the recognizer's
        `alternatives`); None when it is not one. `sure=False`: ask before acting."""
        ...

    def recognize(self, text: str, *, by_sound: bool = True) -> object | None:
        """The command in `text` without acting on it (None = not a command);
        `by_sound=False`: only as written (a language may also match by sound)."""
        ...

    def due_announcements(self, now: float) -> list[str]: ...

    def next_due(self) -> float | None: ...

    def next_wall_due(self) -> datetime | None:
        """When the next alarm or reminder of this conversation's room is due."""
        ...

    def wall_due(self, wall: datetime) -> Sequence[RingLike]:
        """Alarms and reminders due by `wall`, in words (each handed out once)."""
        ...

    def ringing(self) -> bool:
        """True while an alarm rings (then "stop" turns it off)."""
        ...

    def stop_ringing(self) -> SkillReplyLike | None: ...

    def ring_over(self) -> None: ...

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


def _from_server(pieces: Iterable[str], reply: Reply,
                 language: Language) -> Generator[str, None, None]:
    """The chat model's pieces; a chat server's failure ends them, and leaves the
    sentence that says so in `reply.failure`."""
    try:
        yield from pieces
    except ChatServerError as error:
        log.warning("chat server: %s (%s)", error, error.problem)
        reply.failure = language.say(ChatServerFailed(error.problem))
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()


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
    origin: Origin | None = None
    """Where the answer came from (a skill, a data set's entry, the chat model and the
    passages it was given); None for no answer (a control phrase, nothing heard)."""
    language: str = ""
    """The language the reply is in (a code; "" before routing)."""
    failure: str = ""
    """The sentence that ends a reply the chat server failed (said after the rest)."""

    @property
    def source(self) -> str:
        """`origin` in a few words, for the report and the logs ("" for none)."""
        return str(self.origin) if self.origin is not None else ""

    @classmethod
    def saying(cls, route: Route, text: str, language: str = "") -> Reply:
        """A reply of one fixed sentence."""
        return cls(route, pieces=_stream([text]), language=language)


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
    answers: bool = True
    """False when the chat model loaded does not speak this language (another language
    spoken): the router says which model to fetch instead."""
    read_ahead: bool = False
    """`Router.prepare` has the chat model read a question's prompt ahead."""


@dataclass(frozen=True)
class Speaking:
    """One language a conversation speaks: its pack, its skills (over the one home, with
    the conversation's timers) and how the chat model is asked in it."""

    language: Language
    skills: SkillsLike | None
    settings: ChatSettings


class Router:
    """Routes one transcript at a time; owns the conversation memory."""

    def __init__(self, *, chat: ChatModel | None, skills: SkillsLike | None,
                 memory: ConversationMemory, language: Language, settings: ChatSettings,
                 owner: str = "", others: Sequence[Speaking] = (),
                 grounding: Grounding | None = None) -> None:
        """`owner` names the session to the shared chat model (whose turn it is);
        `others`: the other languages spoken (the first is `language`); `grounding`:
        finds the encyclopedia passages the chat model answers an open question from."""
        self.chat = chat
        self.grounding = grounding
        self.skills = skills
        self.memory = memory
        self.language = language
        self.settings = settings
        self._owner = owner
        self.speaking = (Speaking(language, skills, settings), *others)
        self.current = self.speaking[0]
        """The language of the last turn (announcements are made in it)."""

    def speaking_in(self, code: str | None) -> Speaking:
        """The language `code` as this conversation speaks it (the first one when it
        speaks no such language)."""
        return next((s for s in self.speaking if s.language.code == code), self.speaking[0])

    def written_in(self, text: str) -> Speaking:
        """The language whose script `text` is written in (typed text: no recognizer
        said which), else the first."""
        return next((s for s in self.speaking[1:] if s.language.text.written_in(text)),
                    self.speaking[0])

    def is_control(self, text: str) -> bool:
        """A control phrase in any language the conversation speaks."""
        return any(s.language.is_control(text) for s in self.speaking)

    def respond(self, text: str, *, now: float, cancel: threading.Event | None = None,
                language: str | None = None, alternatives: Sequence[str] = (),
                elsewhere: Sequence[tuple[str, str]] = (), clearly: bool = True) -> Reply:
        """Answer `text`, heard in `language` (None: by its script); `alternatives`
        are other readings in that language, `elsewhere` (language, text) readings of
        the same audio in others. Words not heard `clearly` are not routed: a control
        phrase still stops, a command is asked about, anything else is asked again."""
        heard = self.current = (self.speaking_in(language) if language is not None
                                else self.written_in(text))
        code = heard.language.code
        if not heard.language.text.normalize(text):
            return Reply(Route.NONE, language=code)
        if self.is_control(text):
            stopped = self.skills.stop_ringing() if self.skills is not None else None
            if stopped is not None:  # "stop" while an alarm rings: the alarm stops
                return Reply(Route.SKILL, intent=stopped.intent,
                             pieces=_stream([stopped.text]),
                             origin=stopped.origin or Origin(SKILL, stopped.intent),
                             language=code)
            return Reply(Route.CONTROL, intent="Stop", language=code)
        readings = dict(elsewhere)
        for speaking in (heard, *(s for s in self.speaking if s is not heard)):
            own = speaking is heard
            reading = text if own else readings.get(speaking.language.code, text)
            answer = self._skill(speaking, reading, now=now,
                                 alternatives=alternatives if own else (), sure=clearly)
            if answer is not None:
                self.current = speaking
                return answer
        if not clearly:
            return Reply.saying(Route.UNCLEAR, heard.language.say(NotCaught()), code)
        return self._chat(heard, text, cancel=cancel)

    def _skill(self, speaking: Speaking, text: str, *, now: float,
               alternatives: Sequence[str], sure: bool) -> Reply | None:
        if speaking.skills is None:
            return None
        answer = speaking.skills.respond(text, now=now, alternatives=alternatives, sure=sure)
        if answer is None and sure and speaking.skills is self.skills:
            answer = self._tool_call(text, now=now)
        if answer is None:
            return None
        return Reply(Route.SKILL, intent=answer.intent, slots=dict(answer.slots),
                     pieces=_stream([answer.text] if answer.text else []),
                     expects_reply=answer.expects_reply,
                     origin=answer.origin or Origin(SKILL, answer.intent),
                     language=speaking.language.code)

    def _chat(self, heard: Speaking, text: str, *, cancel: threading.Event | None) -> Reply:
        language, settings = heard.language, heard.settings
        text = language.text.usual_script(text)  # the guard reads it as the model does
        if self.chat is None or not settings.answers:
            wanted = language.chat.models[0] if language.chat.models else ""
            return Reply.saying(Route.LLM, language.say(NoChatModel(wanted)), language.code)
        messages, passages = self._prompt(heard, text)
        before = [*self.memory.questions(), *(question for question, _ in settings.examples)]
        guard = ReplyGuard(text, max_sentences=settings.max_sentences, before=before,
                           language=language.code, not_sure=language.say(NotSure()),
                           live=language.chat.live_facts,
                           no_source=lambda topic: language.say(NoLiveSource(topic)))
        reply = Reply(Route.LLM, guard=guard, language=language.code,
                      origin=Origin(MODEL, self.chat.name,
                                    passages=tuple(p.title for p in passages)))
        reply.pieces = _from_server(self.chat.stream_reply(
            messages, max_tokens=settings.max_reply_tokens, owner=self._owner, cancel=cancel),
            reply, language)
        return reply

    def _prompt(self, heard: Speaking, text: str, *, remembered: bool = True
                ) -> tuple[list[ChatMessage], list[Passage]]:
        """The chat model's prompt for question `text` (with the conversation so far unless
        not `remembered`), and the passages in it (`text` in the language's usual script)."""
        passages = self.grounding.passages(text) if self.grounding is not None else []
        settings, question = heard.settings, grounded_question(text, passages)
        if not remembered:
            return [*prompt_prefix(settings.system_prompt, settings.examples),
                    ChatMessage("user", question)], passages
        return self.memory.messages(settings.system_prompt, question,
                                    examples=settings.examples), passages

    def prepare(self, text: str, *, language: str | None = None,
                new_topic: bool = False) -> None:
        """Have the chat model read the prompt of question `text` ahead (heard in
        `language`; None: by its script), while the user may still go on: if the final
        transcript is the same, the reply starts without reading it, and a different
        one still shares the prompt up to where they differ (the passages come first).
        `new_topic`: the question begins a new conversation (after the wake word), so the
        memory, still there now, will not be in its prompt."""
        heard = self.speaking_in(language) if language is not None else self.written_in(text)
        if self.chat is None or not heard.settings.answers or not heard.settings.read_ahead \
                or not heard.language.text.normalize(text):
            return
        messages, _ = self._prompt(heard, heard.language.text.usual_script(text),
                                   remembered=not new_topic)
        self.chat.prepare(messages, max_tokens=heard.settings.max_reply_tokens,
                          owner=self._owner)

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
        know), QUESTION (the language says it sounds finished), or None: a statement may
        go on after a pause, and so may anything ending on a word that needs more."""
        if self.is_control(text):
            return Completeness.COMMAND
        question = False
        for speaking in self.speaking:
            rules = speaking.language.text
            if not rules.normalize(text) or rules.unfinished(text):
                continue
            skills = speaking.skills
            if skills is not None and skills.recognize(text, by_sound=False) is not None:
                return Completeness.COMMAND
            question = question or rules.sounds_finished(text)
        return Completeness.QUESTION if question else None

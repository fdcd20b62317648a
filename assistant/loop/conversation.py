"""One conversation, answered in text: the one way a turn is answered.

The voice session (loop/responder.py), the Wyoming conversation agent
(server/conversation.py) and `assistant chat` all answer through `Conversation.answer`:
the router decides who answers (a control phrase, a skill, the chat model), the reply is
cut into sentences as it is written, each sentence of a chat-model reply is checked by the
reply guard before anyone hears it, and `Answer.finish` says what enters the
conversation memory and what "repeat that" repeats. Only the way sentences leave differs:
a voice, a network stream, a terminal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.loop.controls import AssistantControls
from assistant.loop.events import Route
from assistant.loop.memory import remember_turn
from assistant.loop.reply_guard import ReplyGuard, guarded
from assistant.loop.router import Reply, Router
from assistant.sentences import SentenceSplitter, clean_for_speech
from assistant.skills.origin import Origin

FIRST_PAUSE_WORDS = 1
"""The first sentence may be cut at the first pause after this many words (it is spoken
sooner)."""


@dataclass
class Answer:
    """One turn's reply: who answers, and its sentences as they are written."""

    question: str
    reply: Reply
    conversation: Conversation
    written: list[str] = field(default_factory=list)
    """The sentences handed out so far (after the guard)."""
    first_pause_words: int = FIRST_PAUSE_WORDS

    @property
    def route(self) -> Route:
        return self.reply.route

    @property
    def intent(self) -> str | None:
        return self.reply.intent

    @property
    def slots(self) -> dict[str, Any]:
        return self.reply.slots

    @property
    def expects_reply(self) -> bool:
        return self.reply.expects_reply

    @property
    def guard(self) -> ReplyGuard | None:
        return self.reply.guard

    @property
    def source(self) -> str:
        """Where the answer came from, in a few words (see `Reply.origin`)."""
        return self.reply.source

    @property
    def origin(self) -> Origin | None:
        return self.reply.origin

    @property
    def language(self) -> str:
        """The language of the reply (a code)."""
        return self.reply.language

    @property
    def text(self) -> str:
        """Everything written so far, as one speakable text."""
        return clean_for_speech(" ".join(self.written))

    def sentences(self, *, cancel: threading.Event | None = None,
                  on_piece: Callable[[str], None] | None = None) -> Iterator[str]:
        """The reply's sentences as they are written, each checked by the guard; stops
        when `cancel` is set or the guard ends the reply (the writer stops too).
        `on_piece` sees every raw piece (token) as it arrives."""
        splitter = SentenceSplitter(first_pause_words=self.first_pause_words)
        guard = self.reply.guard

        def split() -> Iterator[str]:
            for piece in self.reply.pieces:
                if on_piece is not None:
                    on_piece(piece)
                if (cancel is not None and cancel.is_set()) or (guard is not None
                                                                  and guard.done):
                    return
                yield from splitter.push(piece)
            if cancel is None or not cancel.is_set():
                yield from splitter.flush()

        try:
            for sentence in guarded(split(), guard):
                if cancel is not None and cancel.is_set():
                    return
                self.written.append(sentence)
                yield sentence
            if self.reply.failure and (cancel is None or not cancel.is_set()):
                self.written.append(self.reply.failure)  # the chat server failed: say so
                yield self.reply.failure
        finally:
            self.close()

    def close(self) -> None:
        """Stop the writer (the chat model) if it is still writing."""
        self.reply.pieces.close()

    def finish(self, *, heard: list[str] | None = None, interrupted: bool = False) -> str:
        """The turn is over: what was said (`heard`: the sentences that reached the
        listener, when interrupted) enters memory and becomes the last reply as the
        conversation's policy says. Returns what was said."""
        said = " ".join(heard or []) if interrupted else self.text
        conversation = self.conversation
        guard = self.reply.guard
        remember_turn(conversation.router.memory, route=self.route, question=self.question,
                      answer=said, interrupted=interrupted,
                      guard_failed=(guard is not None and guard.failed)
                      or bool(self.reply.failure))
        if self.route in (Route.SKILL, Route.LLM):
            conversation.controls.said(said, origin=self.reply.origin)
        return said


class Conversation:
    """A router, its memory and the assistant's controls: answers one turn at a time."""

    def __init__(self, *, router: Router, controls: AssistantControls,
                 first_pause_words: int = FIRST_PAUSE_WORDS) -> None:
        self.router = router
        self.controls = controls
        self.language = router.language
        self._first_pause_words = first_pause_words

    def new_topic(self) -> None:
        """A new conversation begins (the wake word): earlier exchanges are forgotten."""
        self.router.memory.clear()

    def answer(self, text: str, *, now: float, cancel: threading.Event | None = None,
               heard_clearly: bool = True, language: str | None = None,
               alternatives: Sequence[str] = (),
               elsewhere: Sequence[tuple[str, str]] = ()) -> Answer:
        """Route `text` (at `now` on the skills' clock), heard in `language` (None: the
        conversation's first), with the recognizer's other readings (see
        `Router.respond`). A turn the recognizer was not sure of (`heard_clearly=False`)
        is not answered by the chat model nor remembered: the assistant asks again, or
        asks whether it heard a command right; a control phrase still stops (stopping on
        a doubtful one does no harm)."""
        reply = self.router.respond(text, now=now, cancel=cancel, language=language,
                                    alternatives=alternatives, elsewhere=elsewhere,
                                    clearly=heard_clearly or not text)
        return Answer(question=text, reply=reply, conversation=self,
                      first_pause_words=self._first_pause_words)

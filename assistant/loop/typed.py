"""A typed turn, answered and timed: what `assistant chat` prints and the typed question
benchmark scores. The answering itself is the conversation's (`loop.conversation`), as
for a spoken turn: the same routing, sentence cutting, reply guard and memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.loop.conversation import Answer, Conversation
from assistant.loop.events import Route
from assistant.loop.reply_guard import ReplyGuard


@dataclass
class TypedTurn:
    """What one typed turn said, who answered, and how long the first piece took."""

    answer: Answer
    sentences: list[str] = field(default_factory=list)
    first_piece_s: float | None = None
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    @property
    def route(self) -> Route:
        return self.answer.route

    @property
    def guard(self) -> ReplyGuard | None:
        return self.answer.guard


def answer_typed(conversation: Conversation, text: str, *,
                 on_sentence: Callable[[str], None] = lambda sentence: None) -> TypedTurn:
    """Answer `text`; each sentence the guard lets through goes to `on_sentence` as soon
    as it is complete. The turn is remembered (or not) as a spoken one would be."""
    start = time.perf_counter()
    turn = TypedTurn(conversation.answer(text, now=time.monotonic()))

    def first_piece(piece: str) -> None:
        if turn.first_piece_s is None:
            turn.first_piece_s = time.perf_counter() - start

    for sentence in turn.answer.sentences(on_piece=first_piece):
        turn.sentences.append(sentence)
        on_sentence(sentence)
    turn.answer.finish()
    turn.seconds = time.perf_counter() - start
    return turn

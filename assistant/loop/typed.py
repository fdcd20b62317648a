"""A typed turn: the reply as the voice would speak it, without the voice.

`assistant chat` and the typed question benchmark both ask the router, cut the streamed
reply into sentences, pass each through the reply guard and keep what it lets through,
then leave the turn in memory the way a spoken turn would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.loop.memory import remember_turn
from assistant.loop.reply_guard import ReplyGuard, guarded
from assistant.loop.router import Reply, Router
from assistant.loop.sentences import SentenceSplitter


@dataclass
class TypedTurn:
    """What one typed turn said, who answered, and how long the first piece took."""

    reply: Reply
    sentences: list[str] = field(default_factory=list)
    first_piece_s: float | None = None
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    @property
    def guard(self) -> ReplyGuard | None:
        return self.reply.guard


def answer_typed(router: Router, text: str, *,
                 on_sentence: Callable[[str], None] = lambda sentence: None) -> TypedTurn:
    """Ask `router`; each sentence the guard lets through goes to `on_sentence` as soon
    as it is complete. The turn is remembered (or not) as a spoken one would be."""
    start = time.perf_counter()
    turn = TypedTurn(router.respond(text, now=time.monotonic()))
    splitter = SentenceSplitter()

    def take(sentences: list[str]) -> bool:
        """False once the reply has ended (the guard stopped it)."""
        for sentence in guarded(sentences, turn.reply.guard):
            turn.sentences.append(sentence)
            on_sentence(sentence)
        return turn.reply.guard is None or not turn.reply.guard.done

    try:
        for piece in turn.reply.pieces:
            if turn.first_piece_s is None:
                turn.first_piece_s = time.perf_counter() - start
            if not take(splitter.push(piece)):
                break
        else:
            take(splitter.flush())
    finally:
        turn.reply.pieces.close()
    turn.seconds = time.perf_counter() - start
    guard = turn.reply.guard
    remember_turn(router.memory, route=turn.reply.route, question=text, answer=turn.text,
                  interrupted=False, guard_failed=guard is not None and guard.failed)
    return turn

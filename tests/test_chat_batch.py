"""Rooms asking the chat model at once (`assistant/engines/llm/batch.py`), on the real
small model: their replies are written together in one batch, each to its own reader,
and a room that stops reading or goes away holds up or costs nobody else."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from assistant.engines.chat_choice import SMALL
from assistant.engines.llm import ChatMessage
from assistant.engines.llm.llama import LlamaChatModel
from assistant.models import ModelStore
from tests import building
from tests.waiting import eventually

SYSTEM = "You are a helpful assistant. Answer briefly."
QUESTIONS = {"What is the capital of France?": ("paris",),
             "How many legs does a spider have?": ("8", "eight"),
             "How many days are in a week?": ("7", "seven")}
STORY = "Tell me a long story about a dragon who learns to bake bread."
WAIT_S = 120.0


@pytest.fixture(scope="module")
def model(real_store: ModelStore) -> Iterator[LlamaChatModel]:
    chat = building.chat_model(real_store, model=SMALL, parallel=4)
    assert isinstance(chat, LlamaChatModel)
    yield chat
    chat.close()


def ask(question: str, system: str = SYSTEM) -> list[ChatMessage]:
    return [ChatMessage("system", system), ChatMessage("user", question)]


def at_once(model: LlamaChatModel, questions: list[str], *, max_tokens: int = 40
            ) -> tuple[dict[str, str], int]:
    """Each question from its own thread, all submitted together; the replies and the
    most sequences seen being written at one time."""
    replies: dict[str, str] = {}
    go = threading.Barrier(len(questions))

    def room(question: str) -> None:
        go.wait()
        replies[question] = "".join(model.stream_reply(ask(question), max_tokens=max_tokens,
                                                       owner=question))

    threads = [threading.Thread(target=room, args=(q,)) for q in questions]
    most = 0
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        most = max(most, model.writing)
        time.sleep(0.002)
    for thread in threads:
        thread.join()
    return replies, most


def test_rooms_asking_together_are_answered_together_each_its_own_answer(
        model: LlamaChatModel) -> None:
    questions = list(QUESTIONS)
    replies, most = at_once(model, questions)
    assert most >= 2, "the replies were written one after another"
    for question, words in QUESTIONS.items():
        reply = replies[question].lower()
        assert any(w in reply for w in words), (question, replies)
    # no room hears another's answer
    assert "paris" not in replies["How many legs does a spider have?"].lower()


def test_the_shared_system_prompt_is_read_once(model: LlamaChatModel) -> None:
    system = ("You are the kitchen speaker of a family home. You answer in one short, "
              "friendly sentence, in plain words a child understands, and you never make "
              "up facts you do not know. ") * 3
    "".join(model.stream_reply(ask("What is the capital of Italy?", system), max_tokens=8))
    assert model.settle(WAIT_S)
    before = model.decoded
    "".join(model.stream_reply(ask("What is the capital of Spain?", system), max_tokens=8))
    assert model.settle(WAIT_S)
    read = model.decoded - before
    assert read < model.count_tokens(system) / 2, read  # the question and reply only


def test_a_room_that_stops_reading_holds_up_nobody(model: LlamaChatModel) -> None:
    stalled = model.stream_reply(ask(STORY), max_tokens=200, owner="stalled")
    first = next(stalled)  # and no more: its speaker is busy
    answer = "".join(model.stream_reply(ask("What is the capital of France?"),
                                        max_tokens=30, owner="other"))
    assert "paris" in answer.lower()
    assert first and model.writing == 1  # the stalled one waits, paused
    stalled.close()  # type: ignore[attr-defined]
    assert model.settle(WAIT_S)


def test_a_room_that_goes_away_frees_its_sequence_at_once(model: LlamaChatModel) -> None:
    cancels = [threading.Event() for _ in range(3)]
    replies = [model.stream_reply(ask(STORY), max_tokens=400, owner=f"room {i}",
                                  cancel=cancel) for i, cancel in enumerate(cancels)]
    for reply in replies:
        next(reply)
    assert model.writing == 3
    replies[0].close()  # type: ignore[attr-defined]  # the room disconnected
    eventually(lambda: model.writing == 2, timeout_s=WAIT_S)
    cancels[1].set()  # "stop"
    eventually(lambda: model.writing == 1, timeout_s=WAIT_S)
    rest = "".join(replies[2])  # the last room still hears its whole story
    assert len(rest.split()) > 20
    assert model.settle(WAIT_S) and model.writing == 0


def test_a_prompt_longer_than_one_batch_is_read_in_pieces(model: LlamaChatModel) -> None:
    """Over 512 tokens with nothing else running: its first pieces ask for no reply yet,
    and are read all the same."""
    notes = " ".join(f"Note {i}: the shed is painted green." for i in range(80))
    messages = ask(f"{notes} What is the capital of France?")
    assert model.count_tokens(messages[-1].content) > 700
    answer = "".join(model.stream_reply(messages, max_tokens=20, owner="long"))
    assert answer.strip()
    assert model.settle(WAIT_S)


def test_a_reply_closed_before_its_first_piece_frees_its_sequence(
        model: LlamaChatModel) -> None:
    reply = model.stream_reply(ask(STORY), max_tokens=400, owner="gone at once")
    reply.close()  # type: ignore[attr-defined]  # interrupted before anything was said
    eventually(lambda: model.writing == 0, timeout_s=WAIT_S)
    assert model.settle(WAIT_S)


def test_a_full_cache_makes_a_prompt_wait_for_a_reply_to_end(real_store: ModelStore
                                                             ) -> None:
    """Three prompts that do not fit together in the cache (256 tokens of context, a
    cache of 512, 3 sequences): the third waits for room, then is answered all the same."""
    small = building.chat_model(real_store, model=SMALL, parallel=3, context_tokens=256)
    assert isinstance(small, LlamaChatModel)
    try:
        prompts = [" ".join([f"Our {pet} likes to sleep in the warm sun and to eat fresh "
                             "fish by the window."] * 9) + " What is the capital of France?"
                   for pet in ("cat", "dog", "bird")]
        assert all(150 < small.count_tokens(p) < 256 - 30 for p in prompts)
        replies, _ = at_once(small, prompts, max_tokens=20)
        assert small.waited >= 1
        assert len(replies) == 3 and all(r.strip() for r in replies.values()), replies
    finally:
        small.close()

"""Conversation memory: RAM only, bounded by tokens, oldest turns dropped first (no models)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.engines.llm import MESSAGE_OVERHEAD_TOKENS, ChatMessage
from assistant.loop.memory import ConversationMemory


def count_words(text: str) -> int:
    """A fake tokenizer: one token per word."""
    return len(text.split())


def turn_cost(user: str, assistant: str) -> int:
    return count_words(user) + count_words(assistant) + 2 * MESSAGE_OVERHEAD_TOKENS


def test_an_empty_memory_asks_just_the_question() -> None:
    memory = ConversationMemory(max_tokens=100, count_tokens=count_words)
    assert len(memory) == 0 and memory.tokens == 0
    assert memory.messages("Be brief.", "Hi?") == [ChatMessage("system", "Be brief."),
                                                  ChatMessage("user", "Hi?")]


def test_turns_come_back_in_order_between_system_and_question() -> None:
    memory = ConversationMemory(max_tokens=1000, count_tokens=count_words)
    memory.add("What is the capital of France?", "Paris.")
    memory.add("And of Italy?", "Rome.")
    assert len(memory) == 2
    assert memory.tokens == turn_cost("What is the capital of France?", "Paris.") + turn_cost(
        "And of Italy?", "Rome.")
    assert memory.messages("Be brief.", "And Spain?") == [
        ChatMessage("system", "Be brief."),
        ChatMessage("user", "What is the capital of France?"),
        ChatMessage("assistant", "Paris."),
        ChatMessage("user", "And of Italy?"),
        ChatMessage("assistant", "Rome."),
        ChatMessage("user", "And Spain?"),
    ]


def test_the_oldest_turns_go_first_when_the_bound_is_exceeded() -> None:
    cost = turn_cost("q one", "a one")
    memory = ConversationMemory(max_tokens=3 * cost, count_tokens=count_words)
    for n in ("one", "two", "three"):
        memory.add(f"q {n}", f"a {n}")
    assert len(memory) == 3 and memory.tokens == 3 * cost
    memory.add("q four", "a four")
    assert len(memory) == 3 and memory.tokens == 3 * cost
    users = [m.content for m in memory.messages("s", "next") if m.role == "user"]
    assert users == ["q two", "q three", "q four", "next"]


def test_a_long_turn_pushes_out_as_many_old_ones_as_it_needs() -> None:
    memory = ConversationMemory(max_tokens=60, count_tokens=count_words)
    for n in range(4):
        memory.add(f"short {n}", "ok")  # 15 tokens each
    memory.add("long " * 20, "ok")  # 33 tokens
    assert len(memory) == 2 and memory.tokens == 33 + 15  # "short 3" and the long one
    assert memory.messages("s", "q")[1].content == "short 3"


def test_a_turn_larger_than_the_whole_bound_is_not_kept() -> None:
    memory = ConversationMemory(max_tokens=30, count_tokens=count_words)
    memory.add("huge " * 100, "ok")
    assert len(memory) == 0 and memory.tokens == 0


def test_a_zero_bound_remembers_nothing() -> None:
    memory = ConversationMemory(max_tokens=0, count_tokens=count_words)
    memory.add("q", "a")
    assert len(memory) == 0 and memory.messages("s", "q2") == [ChatMessage("system", "s"),
                                                             ChatMessage("user", "q2")]


def test_clear_forgets_everything() -> None:
    memory = ConversationMemory(max_tokens=100, count_tokens=count_words)
    memory.add("q", "a")
    memory.clear()
    assert len(memory) == 0 and memory.tokens == 0
    memory.add("q2", "a2")
    assert len(memory) == 1


_turns = st.lists(st.tuples(st.text(" ab", max_size=40), st.text(" cd", max_size=40)),
                  max_size=30)


@settings(max_examples=300, deadline=None)
@given(_turns, st.integers(0, 200))
def test_memory_keeps_the_newest_turns_that_fit(turns: list[tuple[str, str]],
                                                max_tokens: int) -> None:
    memory = ConversationMemory(max_tokens=max_tokens, count_tokens=count_words)
    for number, (user, assistant) in enumerate(turns):
        memory.add(user, assistant)
        assert memory.tokens <= max_tokens
        # what is kept is the longest run of newest turns whose cost fits
        added = turns[: number + 1]
        kept, total = 0, 0
        for past in reversed(added):
            if total + turn_cost(*past) > max_tokens:
                break
            kept, total = kept + 1, total + turn_cost(*past)
        assert len(memory) == kept and memory.tokens == total
        remembered = memory.messages("s", "q")[1:-1]
        expected = [m for u, a in added[len(added) - kept :]
                    for m in (ChatMessage("user", u), ChatMessage("assistant", a))]
        assert remembered == expected

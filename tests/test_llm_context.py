"""`fit_to_context`: the prompt always fits the model's window (no models: a word counter)."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.engines.llm import MESSAGE_OVERHEAD_TOKENS, ChatMessage, fit_to_context

OVERHEAD = MESSAGE_OVERHEAD_TOKENS


def count_words(text: str) -> int:
    return len(text.split())


def cost(messages: Sequence[ChatMessage]) -> int:
    return sum(count_words(m.content) + OVERHEAD for m in messages)


def words(n: int, word: str = "w") -> str:
    return " ".join(f"{word}{i}" for i in range(n))


SYSTEM = ChatMessage("system", words(10, "s"))


def conversation(turns: int, size: int = 10) -> list[ChatMessage]:
    out = [SYSTEM]
    for t in range(turns):
        out += [ChatMessage("user", words(size, f"u{t}-")),
                ChatMessage("assistant", words(size, f"a{t}-"))]
    return [*out, ChatMessage("user", "what now")]


def test_a_prompt_that_fits_is_left_alone() -> None:
    messages = conversation(3)
    assert fit_to_context(messages, budget_tokens=cost(messages), count=count_words) == messages


def test_the_oldest_messages_go_first_and_the_system_prompt_stays() -> None:
    messages = conversation(5)  # system 16, each turn message 16, question 8
    budget = 16 + 4 * 16 + 8
    fitted = fit_to_context(messages, budget_tokens=budget, count=count_words)
    assert fitted[0] == SYSTEM
    assert fitted[-1] == ChatMessage("user", "what now")
    assert fitted[1:] == messages[-5:]  # the newest four messages and the question
    assert cost(fitted) <= budget


def test_only_the_system_prompt_and_the_question_if_nothing_else_fits() -> None:
    messages = conversation(5)
    fitted = fit_to_context(messages, budget_tokens=16 + 8 + 3, count=count_words)
    assert fitted == [SYSTEM, ChatMessage("user", "what now")]


def test_an_over_long_last_message_keeps_its_end() -> None:
    question = ChatMessage("user", words(500, "q"))
    fitted = fit_to_context([SYSTEM, question], budget_tokens=100, count=count_words)
    assert fitted[0] == SYSTEM and fitted[1].role == "user"
    assert cost(fitted) <= 100
    kept = fitted[1].content.split()
    assert kept and kept[-1] == "q499"  # the end is what was said last
    assert kept == question.content.split()[-len(kept):]
    assert len(kept) >= 100 - 16 - OVERHEAD - 500 // 8  # cut in steps of an eighth at most


def test_without_a_system_prompt_the_first_message_may_go() -> None:
    messages = conversation(3)[1:]
    fitted = fit_to_context(messages, budget_tokens=16 + 8, count=count_words)
    assert fitted == messages[-2:]


def test_a_system_prompt_larger_than_the_budget_leaves_an_empty_question() -> None:
    fitted = fit_to_context([ChatMessage("system", words(50)), ChatMessage("user", "hi there")],
                            budget_tokens=20, count=count_words)
    assert fitted == [ChatMessage("system", words(50)), ChatMessage("user", "")]


def test_no_messages_stay_no_messages() -> None:
    assert fit_to_context([], budget_tokens=10, count=count_words) == []
    assert fit_to_context([SYSTEM], budget_tokens=1, count=count_words) == [SYSTEM]


_message = st.builds(ChatMessage, st.sampled_from(["user", "assistant"]),
                     st.text(" xyz", max_size=60))


@settings(max_examples=300, deadline=None)
@given(st.booleans(), st.lists(_message, min_size=1, max_size=12), st.integers(0, 150))
def test_the_fitted_prompt_fits_and_is_a_tail_of_the_conversation(
        with_system: bool, rest: list[ChatMessage], budget: int) -> None:
    messages = [SYSTEM, *rest] if with_system else rest
    fitted = fit_to_context(messages, budget_tokens=budget, count=count_words)
    head = [SYSTEM] if with_system else []
    assert fitted[: len(head)] == head
    tail = fitted[len(head):]
    assert tail, "the question always stays"
    assert tail[:-1] == rest[len(rest) - len(tail) : -1]  # the newest, in order
    last, question = tail[-1], rest[-1]
    assert last.role == question.role
    said, kept = question.content.split(), last.content.split()
    assert said[len(said) - len(kept):] == kept  # whole, or cut from the front
    if cost(head) + OVERHEAD <= budget:
        assert cost(fitted) <= budget
    if len(tail) < len(rest) and last == question:  # dropped only what did not fit
        assert cost([*head, rest[len(rest) - len(tail) - 1], *tail]) > budget

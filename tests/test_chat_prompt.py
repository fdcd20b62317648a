"""The chat model's prompt: few-shot examples from the configuration, in every conversation."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import ConfigError, config_from_dict
from assistant.engines.llm import ChatMessage, fit_to_context, prompt_prefix
from assistant.loop.memory import ConversationMemory
from tests.fakes import FakeChat
from tests.test_session import run


def test_examples_come_from_the_config_as_pairs() -> None:
    config = config_from_dict({"llm": {"examples": [["Capital of Peru?", "Lima."]],
                                       "repeat_penalty": 1.0, "max_sentences": 3}})
    assert config.llm.examples == (("Capital of Peru?", "Lima."),)
    assert config.llm.repeat_penalty == 1.0 and config.llm.max_sentences == 3


@pytest.mark.parametrize("bad", [["just a question"], [["q", "a", "extra"]], [["q", 3]],
                                 [["", "a"]]])
def test_a_bad_example_names_the_key(bad: object) -> None:
    with pytest.raises(ConfigError, match=r"llm\.examples\[0\]"):
        config_from_dict({"llm": {"examples": bad}})


def test_examples_sit_between_the_system_prompt_and_the_conversation() -> None:
    memory = ConversationMemory(max_tokens=100, count_tokens=lambda t: len(t.split()))
    memory.add("Who wrote Hamlet?", "Shakespeare.")
    examples = [("Capital of Peru?", "Lima.")]
    assert prompt_prefix("Be brief.", examples) == [
        ChatMessage("system", "Be brief."), ChatMessage("user", "Capital of Peru?", pinned=True),
        ChatMessage("assistant", "Lima.", pinned=True)]
    assert [m.content for m in memory.messages("Be brief.", "And Macbeth?",
                                               examples=examples)] == [
        "Be brief.", "Capital of Peru?", "Lima.", "Who wrote Hamlet?", "Shakespeare.",
        "And Macbeth?"]


def prompts_of(turns: list[dict[str, object]], tmp_path: Path, texts: list[str]
               ) -> list[list[str]]:
    chat = FakeChat("Paris is the capital. It is in France.")
    run(turns, tmp_path, texts=texts, chat=chat)
    return [[m.content for m in prompt] for prompt in chat.prompts]


def test_a_wake_word_starts_a_new_conversation_for_every_input_kind(tmp_path: Path) -> None:
    """A typed turn with `wake: true` clears the memory exactly as a spoken wake word
    does; a follow-up (typed or spoken without the wake word) keeps it."""
    asked = ["What is the capital of France?", "Who wrote Hamlet?", "And Macbeth?"]
    spoken = prompts_of([{"say": asked[0]}, {"say": asked[1]},
                         {"say": asked[2], "wake": False}], tmp_path / "spoken", asked)
    typed = prompts_of([{"text": asked[0], "wake": True}, {"text": asked[1], "wake": True},
                        {"text": asked[2]}], tmp_path / "typed", [])
    assert spoken == typed == [
        ["Be brief.", asked[0]],
        ["Be brief.", asked[1]],
        ["Be brief.", asked[1], "Paris is the capital. It is in France.", asked[2]]]


def test_the_examples_stay_when_the_conversation_is_cut_to_the_window() -> None:
    memory = ConversationMemory(max_tokens=1000, count_tokens=lambda t: len(t.split()))
    for n in range(5):
        memory.add(f"question number {n}", f"answer number {n}")
    messages = memory.messages("Be brief.", "Last one?", examples=[("Capital of Peru?",
                                                                    "Lima.")])
    fitted = fit_to_context(messages, budget_tokens=55, count=lambda t: len(t.split()))
    assert [m.content for m in fitted] == [
        "Be brief.", "Capital of Peru?", "Lima.", "question number 4", "answer number 4",
        "Last one?"]

"""The chat model's prompt: few-shot examples from the configuration, in every conversation."""

from __future__ import annotations

import pytest

from assistant.config import ConfigError, config_from_dict
from assistant.engines.llm import ChatMessage, prompt_prefix
from assistant.loop.memory import ConversationMemory


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
        ChatMessage("system", "Be brief."), ChatMessage("user", "Capital of Peru?"),
        ChatMessage("assistant", "Lima.")]
    assert [m.content for m in memory.messages("Be brief.", "And Macbeth?",
                                               examples=examples)] == [
        "Be brief.", "Capital of Peru?", "Lima.", "Who wrote Hamlet?", "Shakespeare.",
        "And Macbeth?"]

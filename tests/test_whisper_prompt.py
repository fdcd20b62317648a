"""Whisper's prompt within its budget: the language's prompt always whole, the hint's end
in whole sentences (Whisper keeps 223 tokens of a prompt; a hint grown to 530 tokens cut
away the Mandarin prompt, and Whisper wrote Traditional characters again)."""

from __future__ import annotations

import pytest

from assistant.engines.stt.whisper import PROMPT_MAX_TOKENS, prompt_tokens
from assistant.models import ModelStore
from tests import building
from tests.conftest import require_models


def by_character(text: str) -> list[int]:
    return [ord(ch) for ch in text]


def spelled(tokens: list[int]) -> str:
    return "".join(map(chr, tokens))


def test_a_short_prompt_is_kept_as_it_is() -> None:
    assert spelled(prompt_tokens("以下是普通话的句子。", ["打开厨房灯。"], by_character)) == \
        " 以下是普通话的句子。 打开厨房灯。"
    assert spelled(prompt_tokens(None, ["Stop.", "Lock the door."], by_character)) == \
        " Stop., Lock the door."


def test_a_long_hint_loses_its_first_sentences_never_the_prompt() -> None:
    hint = "".join(f"第{i:03d}句。" for i in range(100))  # 600 characters
    kept = spelled(prompt_tokens("以下是普通话的句子。", [hint], by_character))
    assert kept.startswith(" 以下是普通话的句子。第")
    assert kept.endswith("第099句。") and len(kept) <= PROMPT_MAX_TOKENS
    sentences = kept.removeprefix(" 以下是普通话的句子。").strip().split("。")[:-1]
    assert all(len(s) == 5 and s.startswith("第") for s in sentences)  # none cut in two
    assert len(sentences) == (PROMPT_MAX_TOKENS - 11) // 6


def test_without_a_languages_prompt_a_long_hint_keeps_its_end() -> None:
    """English has no prompt of its own: its hint's end (the home's devices) is kept."""
    hint = " ".join(f"Turn on light {i}." for i in range(60)) + " Devices: lamp, fan."
    kept = spelled(prompt_tokens(None, [hint], by_character))
    assert kept.endswith(" Devices: lamp, fan.") and len(kept) <= PROMPT_MAX_TOKENS
    assert kept.startswith(" Turn on light ")  # whole sentences: " Lock" stays a word


@pytest.mark.parametrize("code", ["en", "zh"])
def test_each_pack_keeps_its_prompt_and_its_hints_end(real_store: ModelStore,
                                                       code: str) -> None:
    """With Whisper's own tokenizer: the language's prompt whole, and the hint's end (the
    home's devices) whole; a Mandarin hint longer than the budget loses its first
    commands only."""
    require_models(real_store, "whisper-base")
    import tokenizers

    folder = real_store.require("whisper-base")
    tokenizer = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
    language = building.language(code)
    hint = building.skills_engine(code).hint
    kept = tokenizer.decode(prompt_tokens(
        language.recognizer_prompt, [hint],
        lambda text: tokenizer.encode(text, add_special_tokens=False).ids))
    assert kept.strip().startswith((language.recognizer_prompt or hint)[:20]), kept
    assert kept.endswith(hint[-40:]) and "\ufffd" not in kept, kept

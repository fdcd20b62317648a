"""Whisper output clean-up: echoes and loops of the short encoder window (no model)."""

from __future__ import annotations

from assistant.engines.stt.whisper_text import (
    drop_repeated_sentences as _drop_repeated_sentences,
)
from assistant.engines.stt.whisper_text import first_of_loop as _first_of_loop
from assistant.engines.stt.whisper_text import repeats as _repeats


def test_an_echoed_sentence_is_kept_once() -> None:
    assert _drop_repeated_sentences("Turn on the light. Turn on the light.") == \
        "Turn on the light."
    assert _drop_repeated_sentences("What is 17 times 23? what is 17 times 23?") == \
        "What is 17 times 23?"


def test_things_said_twice_on_purpose_stay() -> None:
    for text in ("No, no. I said no.", "Stop. Stop it.", "Hello there, hello there."):
        assert _drop_repeated_sentences(text) == text


def test_a_looping_sentence_gives_its_first_copy() -> None:
    loop = "Set the volume to 50%. Set the volume to 50%. Set the volume to 50"
    assert _first_of_loop(loop) == "Set the volume to 50%."
    assert _first_of_loop("the the the the the the the the") is None


def test_token_loops_are_found() -> None:
    assert _repeats([1, 2, 3, 4] * 3)
    assert not _repeats([1, 2, 3, 4, 5, 6, 7, 8, 9])

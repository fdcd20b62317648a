"""The chat model for real: `assistant chat --text` on the command line, and the loaded
GGUF model streaming, stopping on request and staying inside its context window."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from assistant.engines.chat_choice import LARGE, SMALL
from assistant.engines.llm import ChatMessage
from assistant.engines.llm.llama import LlamaChatModel
from assistant.knowledge.database import GEONAMES_ID
from assistant.models import ModelStore
from tests import building
from tests.conftest import require_models

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "What is the capital of France?"


def chat(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "assistant", "chat", *args],
                            capture_output=True, text=True, cwd=cwd, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    return result


def english_words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]+", text)


def test_chat_answers_an_open_question_in_english(real_store: ModelStore,
                                                  tmp_path: Path) -> None:
    result = chat("--text", "Who painted the Mona Lisa?", "--verbose", cwd=tmp_path)
    answer = result.stdout.strip()
    assert answer
    assert len(english_words(answer)) > 2, answer
    assert "route=llm" in result.stderr  # an open question is not a skill's command
    assert "source=model" in result.stderr


def test_chat_answers_a_fact_from_the_offline_data(real_store: ModelStore,
                                                   tmp_path: Path) -> None:
    require_models(real_store, GEONAMES_ID)
    result = chat("--text", QUESTION, "--verbose", cwd=tmp_path)
    assert result.stdout.strip() == "The capital of France is Paris."
    assert "route=skill intent=PlaceFact" in result.stderr
    assert "source=skill PlaceFact: GeoNames countries" in result.stderr


def test_chat_at_temperature_zero_answers_the_same_twice(real_store: ModelStore,
                                                         tmp_path: Path) -> None:
    first = chat("--no-skills", "--text", QUESTION, cwd=tmp_path).stdout
    second = chat("--no-skills", "--text", QUESTION, cwd=tmp_path).stdout
    assert first.strip() and len(english_words(first)) > 2
    assert first == second


def test_chat_sends_a_command_to_its_skill(real_store: ModelStore, tmp_path: Path) -> None:
    result = chat("--text", "what time is it", "--verbose", cwd=tmp_path)
    assert "route=skill" in result.stderr and "intent=GetTime" in result.stderr
    assert result.stdout.strip()


# -- the loaded model ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def model(real_store: ModelStore) -> LlamaChatModel:
    return building.chat_model(real_store, model=SMALL)  # the mechanics, quickly


def ask(question: str) -> list[ChatMessage]:
    return [ChatMessage("system", "You are a helpful assistant. Answer briefly."),
            ChatMessage("user", question)]


def test_the_reply_streams_in_pieces(model: LlamaChatModel) -> None:
    pieces = list(model.stream_reply(ask(QUESTION), max_tokens=40))
    assert len(pieces) > 1
    assert len(english_words("".join(pieces))) > 2


def test_a_cancelled_reply_stops_at_once(model: LlamaChatModel) -> None:
    cancel = threading.Event()
    pieces = []
    for piece in model.stream_reply(ask("Tell me a story about a dragon."),
                                    max_tokens=120, cancel=cancel):
        pieces.append(piece)
        cancel.set()
    assert len(pieces) == 1
    # the model is free again: the next reply works
    assert "".join(model.stream_reply(ask(QUESTION), max_tokens=20)).strip()


def test_a_conversation_longer_than_the_context_still_gets_an_answer(
        real_store: ModelStore) -> None:
    small = building.chat_model(real_store, model=SMALL,
                                context_tokens=384)  # a short prompt to run
    story = "The old lighthouse keeper counted the ships that passed in the night. " * 6
    messages = [ChatMessage("system", "You are a helpful assistant. Answer briefly.")]
    for turn in range(12):
        messages += [ChatMessage("user", f"Part {turn}: {story}"),
                     ChatMessage("assistant", "I see.")]
    messages.append(ChatMessage("user", QUESTION))
    total = sum(small.count_tokens(m.content) for m in messages)
    assert total > 2 * small.context_tokens
    answer = "".join(small.stream_reply(messages, max_tokens=30))
    assert len(english_words(answer)) > 2, answer


def _decoded(model: LlamaChatModel) -> int:
    """Tokens llama.cpp has read into the cache so far (prompt and reply), once every
    request made before has been served."""
    assert model.settle(60)
    return model.decoded


def test_a_question_read_ahead_is_not_read_again(model: LlamaChatModel) -> None:
    question = ask("Which planet of the solar system is the largest one?")
    fresh = "".join(model.stream_reply(question, max_tokens=16))
    "".join(model.stream_reply(ask(QUESTION), max_tokens=4))  # the cache holds another prompt
    start = _decoded(model)
    model.prepare(question, max_tokens=16)
    read = _decoded(model) - start
    assert read >= model.count_tokens("Which planet of the solar system is the largest one?")
    pieces = list(model.stream_reply(question, max_tokens=16))
    # the reply read no prompt: one token per token written (plus one replayed, at most)
    assert _decoded(model) - start - read <= len(pieces) + 1
    assert "".join(pieces) == fresh  # and it is the same reply


def test_a_read_ahead_of_other_words_still_gives_the_right_reply(
        model: LlamaChatModel) -> None:
    question = ask("Which planet is closest to the sun?")
    fresh = "".join(model.stream_reply(question, max_tokens=16))
    model.prepare(ask("Which planet is closest"), max_tokens=16)  # the user went on
    assert "".join(model.stream_reply(question, max_tokens=16)) == fresh


def test_count_tokens_counts_the_real_tokenizer(model: LlamaChatModel) -> None:
    assert model.count_tokens("") == 0
    short, longer = model.count_tokens("Paris"), model.count_tokens("Paris is in France.")
    assert 0 < short < longer < 20


def _anonymous_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no RssAnon in /proc/self/status")


def test_the_1_5b_model_is_memory_mapped_not_copied(real_store: ModelStore) -> None:
    """Its 1.1 GB of weights stay in the page cache: llama.cpp's repacking would copy
    715 MB of them into this process's own memory."""
    import llama_cpp.llama_cpp as low

    before = _anonymous_mb()
    model = building.chat_model(real_store, model=LARGE, context_tokens=512)
    try:
        grown = _anonymous_mb() - before
        assert "".join(model.stream_reply(ask(QUESTION), max_tokens=4)).strip()
    finally:
        model.close()
    assert grown < 300, f"{grown:.0f} MB of anonymous memory for a 1.1 GB model"
    assert low.llama_model_default_params().use_extra_bufts  # the library's default is back

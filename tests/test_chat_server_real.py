"""`llm.backend = "openai"` against a real OpenAI-compatible server: llama-cpp-python's
own (`python -m llama_cpp.server`, the `server` extra) on SmolLM2-135M, a child process
on loopback started by the test: a streamed answer through the router, the server killed
mid-reply, and this machine's model answering once it is gone (`llm.fallback`)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.engines.llm.fallback import FallbackChatModel
from assistant.engines.llm.openai import OpenAIChatModel
from assistant.loop.listener import ListenerSettings
from assistant.loop.outcomes import ChatServerFailed
from assistant.loop.router import ChatSettings
from assistant.loop.session import SessionSettings
from assistant.models import ModelStore
from tests import building
from tests.chat_servers import LlamaServer, start_llama_server
from tests.conftest import require_models

try:
    import llama_cpp.server.app  # noqa: F401 - the dev extra's llama-cpp-python[server]
except ImportError as missing:
    if os.environ.get("ASSISTANT_REQUIRE_MODELS") == "1":  # CI: a missing extra fails
        raise
    pytest.skip(f"llama-cpp-python's server extra is not installed ({missing})",
                allow_module_level=True)

MODEL = "smollm2-135m-instruct-q4_1"


@pytest.fixture(scope="module")
def model_path() -> Path:
    from assistant.config import ModelsConfig

    store = ModelStore.from_config(ModelsConfig())
    require_models(store, MODEL)
    return store.require(MODEL)


@pytest.fixture
def llama_server(model_path: Path, tmp_path: Path) -> Iterator[LlamaServer]:
    server = start_llama_server(model_path, tmp_path / "server.log")
    try:
        yield server
    finally:
        server.kill()


def ask(conversation: object, text: str, **options: object) -> list[str]:
    answer = conversation.answer(text, now=0.0)  # type: ignore[attr-defined]
    sentences = list(answer.sentences(**options))
    answer.finish()
    return sentences


def test_a_question_is_answered_by_the_server_streamed(llama_server: LlamaServer) -> None:
    pieces: list[str] = []
    model = OpenAIChatModel(llama_server.server, timeout_s=120)
    talk = building.conversation(chat=model)
    said = ask(talk, "What is the capital of France?", on_piece=pieces.append)
    assert "Paris" in " ".join(said)
    assert len(pieces) > 1  # streamed piece by piece, not one block
    assert all(s != building.language("en").say(ChatServerFailed(p))
               for s in said for p in ("cut", "error", "garbled", "empty"))
    assert talk.router.memory.questions() == ["What is the capital of France?"]


def test_the_server_killed_mid_reply_is_said_and_the_local_model_answers_next(
        llama_server: LlamaServer, model_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    from assistant.engines.llm.llama import LlamaChatModel

    local = LlamaChatModel(model_path, name=MODEL, context_tokens=1024)
    try:
        remote = OpenAIChatModel(llama_server.server, timeout_s=120)
        long_replies = SessionSettings(chat=ChatSettings("Be brief.", max_reply_tokens=400),
                                       listener=ListenerSettings())
        talk = building.conversation(chat=FallbackChatModel(remote, local),
                                     settings=long_replies)

        def kill_on_first(piece: str) -> None:
            llama_server.kill()

        said = ask(talk, "Write a long story about a dragon and a knight.",
                   on_piece=kill_on_first)
        cut = building.language("en").say(ChatServerFailed("cut"))
        assert said[-1] == cut and said.count(cut) == 1
        assert any("chat server" in r.getMessage() for r in caplog.records)
        # the server is gone: the next question is answered on this machine
        again = ask(talk, "What is the capital of France?")
        assert again and all("chat server" not in s for s in again)
        assert any("answers instead" in r.getMessage() for r in caplog.records)
    finally:
        local.close()


def test_the_server_gone_is_said_when_there_is_no_fallback(
        llama_server: LlamaServer) -> None:
    talk = building.conversation(chat=OpenAIChatModel(llama_server.server, timeout_s=120))
    assert ask(talk, "Say hello.")
    llama_server.kill()  # nothing listens on its port any more: refused
    assert ask(talk, "What is the capital of France?") == [
        building.language("en").say(ChatServerFailed("unreachable"))]


def test_doctor_shows_the_server_and_that_it_answers(llama_server: LlamaServer) -> None:
    from assistant.config import Config, LlmConfig
    from assistant.doctor import chat_server_checks

    config = Config(llm=LlmConfig(backend="openai",
                                  url=f"http://127.0.0.1:{llama_server.port}"))
    [check] = chat_server_checks(config)
    assert check.status == "ok"
    assert f"127.0.0.1:{llama_server.port}" in check.what and "answers" in check.what
    llama_server.kill()
    [check] = chat_server_checks(config)
    assert check.status == "FAIL" and "does not answer" in check.what

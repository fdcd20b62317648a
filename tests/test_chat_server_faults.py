"""A chat server on the network that misbehaves (a fake one on loopback, stdlib): each
fault ends the turn with one sentence naming it, a log line, and the next question works.
"""

from __future__ import annotations

import logging

import pytest

from assistant.engines.llm import ChatMessage, ChatServerError
from assistant.engines.llm.fallback import FallbackChatModel
from assistant.engines.llm.openai import OpenAIChatModel
from assistant.loop.outcomes import ChatServerFailed
from tests import building
from tests.chat_servers import fake_chat_server
from tests.fakes import FakeChat

#: The fake server's faults and the problem each must be reported as.
FAULTS = [("garbage", "garbled"), ("not_json", "garbled"), ("error_event", "error"),
          ("empty", "empty"), ("huge", "too_long"), ("long_line", "garbled"),
          ("hang", "slow"), ("hang_midway", "slow"), ("http_error", "error"),
          ("cut", "cut"), ("interrupted", "cut"), ("interrupted_at_once", "empty")]

#: The fake server's longest silence for the hangs; ample for everything else (a busy
#: machine must not turn a good answer into a "slow" one).
HANG_S = 2.0
TIMEOUT_S = 60.0


def ask(conversation: object, text: str) -> list[str]:
    answer = conversation.answer(text, now=0.0)  # type: ignore[attr-defined]
    sentences = list(answer.sentences())
    answer.finish()
    return sentences


@pytest.mark.parametrize(("mode", "problem"), FAULTS)
def test_a_fault_is_said_in_one_sentence_and_the_next_question_works(
        mode: str, problem: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="assistant.loop.router")
    failure = building.language("en").say(ChatServerFailed(problem))
    with fake_chat_server(mode) as fake:
        model = OpenAIChatModel(fake.server,
                                timeout_s=HANG_S if mode.startswith("hang") else TIMEOUT_S)
        talk = building.conversation(chat=model)
        said = ask(talk, "Tell me about the moon")
        assert said[-1] == failure
        assert said.count(failure) == 1
        assert [r for r in caplog.records if problem in r.getMessage()]
        assert talk.router.memory.questions() == []  # a failed turn is not remembered
        fake.release.set()
        fake.mode = "ok"
        assert ask(talk, "And the sun?") == ["The fake server answers.",
                                             "It has two sentences."]
    if mode == "hang_midway":
        assert said == ["The first words", failure]


def test_a_refused_connection_is_said_in_one_sentence() -> None:
    with fake_chat_server() as fake:
        server = fake.server  # closed at the end of the block: nothing listens there
    talk = building.conversation(chat=OpenAIChatModel(server, timeout_s=TIMEOUT_S))
    failure = building.language("en").say(ChatServerFailed("unreachable"))
    assert ask(talk, "What is a comet?") == [failure]
    zh = building.conversation(chat=OpenAIChatModel(server, timeout_s=TIMEOUT_S), code="zh")
    assert ask(zh, "彗星是什么？") == [building.language("zh").say(
        ChatServerFailed("unreachable"))]


def test_the_request_is_an_openai_chat_completion_stream() -> None:
    with fake_chat_server() as fake:
        model = OpenAIChatModel(fake.server, name="qwen2.5:1.5b", temperature=0.3)
        pieces = list(model.stream_reply([ChatMessage("system", "Be brief."),
                                          ChatMessage("user", "Hello")], max_tokens=40))
    assert "".join(pieces).strip() == fake.reply
    body = fake.requests[0]
    assert body["stream"] is True and body["model"] == "qwen2.5:1.5b"
    assert body["max_tokens"] == 40 and body["temperature"] == 0.3
    assert body["messages"] == [{"role": "system", "content": "Be brief."},
                                {"role": "user", "content": "Hello"}]


def test_a_cancelled_reply_stops_reading() -> None:
    import threading

    cancel = threading.Event()
    with fake_chat_server() as fake:
        model = OpenAIChatModel(fake.server)
        pieces = model.stream_reply([ChatMessage("user", "Hi")], max_tokens=40, cancel=cancel)
        first = next(pieces)
        cancel.set()
        assert list(pieces) == []
    assert first == "The "


def test_the_fallback_answers_what_the_server_cannot() -> None:
    with fake_chat_server("http_error") as fake:
        local = FakeChat("This machine answers.")
        talk = building.conversation(chat=FallbackChatModel(OpenAIChatModel(fake.server),
                                                            local))
        assert ask(talk, "What is a comet?") == ["This machine answers."]
        fake.mode = "ok"
        assert ask(talk, "And a planet?") == ["The fake server answers.",
                                              "It has two sentences."]


def test_the_fallback_does_not_start_over_a_reply_cut_midway() -> None:
    with fake_chat_server("cut") as fake:
        model = FallbackChatModel(OpenAIChatModel(fake.server), FakeChat("Local."))
        pieces = model.stream_reply([ChatMessage("user", "Hi")], max_tokens=40)
        assert next(pieces) == "The first words"
        with pytest.raises(ChatServerError) as raised:
            next(pieces)
    assert raised.value.problem == "cut"


def test_a_tls_failure_is_said_in_one_sentence(caplog: pytest.LogCaptureFixture) -> None:
    """https:// to a server that speaks plain HTTP: the handshake fails."""
    from assistant.config_llm import chat_server

    caplog.set_level(logging.WARNING, logger="assistant.loop.router")
    with fake_chat_server() as fake:
        server = chat_server(f"https://127.0.0.1:{fake.port}")
        talk = building.conversation(chat=OpenAIChatModel(server, timeout_s=TIMEOUT_S))
        assert ask(talk, "What is a comet?") == [
            building.language("en").say(ChatServerFailed("error"))]
    assert [r for r in caplog.records if "TLS" in r.getMessage()]

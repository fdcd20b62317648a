"""The OpenAI-compatible backend of `ChatModel`: a chat server on another machine of the
house (llama.cpp's server, Ollama, vLLM, LM Studio) writes the replies.

`POST /v1/chat/completions` with `stream: true`, over the standard library (http.client),
its Server-Sent Events read with bounds (`assistant.engines.llm.sse`). A server that
cannot be reached, stays silent past `timeout_s`, answers an HTTP or TLS error, garbage,
nothing, too much or stops mid-reply ends the reply with a `ChatServerError` naming the
problem; the router says it in one sentence. Nothing is kept between replies: each is
one connection, and the server holds the model and its cache.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from assistant.config_llm import ChatServer
from assistant.engines.llm import ChatMessage, ChatServerError, fit_to_context
from assistant.engines.llm.sse import MAX_REPLY_BYTES, message_content, stream_pieces

log = logging.getLogger(__name__)

#: Bytes of an HTTP error's body kept for the log.
ERROR_BODY_BYTES = 2048
#: The most one streamed token may cost (bytes): its event is JSON of 200-400 bytes (some
#: servers repeat the model's path in each), so `max_tokens` bounds a reply's bytes.
EVENT_BYTES = 1024
#: A reply may always send this much (bytes), however few tokens it may have.
MIN_REPLY_BYTES = 64 * 1024
#: UTF-8 bytes per token, a low estimate (English runs ~4, Chinese 3 per character), so
#: the prompt is cut before the server's context window would be passed.
BYTES_PER_TOKEN = 3


class OpenAIChatModel:
    """Replies streamed from an OpenAI-compatible chat server (see module docstring).
    Sessions ask it at once: the server decides how it serves them."""

    def __init__(self, server: ChatServer, *, name: str = "", context_tokens: int = 2048,
                 temperature: float = 0.0, top_p: float = 1.0, seed: int = 42,
                 timeout_s: float = 10.0, max_reply_bytes: int = MAX_REPLY_BYTES) -> None:
        """`name`: the model the server should use ("" lets it choose its own);
        `timeout_s`: its longest silence (to connect, before its first byte, between two
        pieces of the reply); `max_reply_bytes`: the most one reply may send (and at most
        `EVENT_BYTES` per token asked for)."""
        self.server = server
        self.name = name or server.describe()
        self.context_tokens = context_tokens
        self._model = name
        self._temperature = temperature
        self._top_p = top_p
        self._seed = seed
        self._timeout_s = timeout_s
        self._max_bytes = max_reply_bytes

    def count_tokens(self, text: str) -> int:
        """An estimate (the server's tokenizer is not here): never too low for prose."""
        return math.ceil(len(text.encode("utf-8")) / BYTES_PER_TOKEN)

    def prepare(self, messages: Sequence[ChatMessage], *, max_tokens: int,
                owner: str = "") -> None:
        """Nothing: a request that is not answered would cost the server a whole reply."""

    def use_all_cores(self, solo: bool) -> None:
        """The server's cores are its own."""

    def stream_reply(self, messages: Sequence[ChatMessage], *, max_tokens: int,
                     owner: str = "", cancel: threading.Event | None = None) -> Iterator[str]:
        fitted = fit_to_context(messages, budget_tokens=self.context_tokens - max_tokens,
                                count=self.count_tokens)
        limit = min(self._max_bytes, max(MIN_REPLY_BYTES, max_tokens * EVENT_BYTES))
        return self._stream(self._body(fitted, max_tokens, stream=True), cancel, limit)

    def _stream(self, body: dict[str, Any], cancel: threading.Event | None,
                limit: int) -> Iterator[str]:
        if cancel is not None and cancel.is_set():
            return
        connection, response = self._post(body)
        last = time.monotonic()

        def readline(limit: int) -> bytes:
            if time.monotonic() - last > self._timeout_s:  # a trickle of empty events
                raise ChatServerError("slow", f"no reply text for {self._timeout_s:g} s")
            return response.readline(limit)

        try:
            for piece in _reading(stream_pieces(readline, max_bytes=limit),
                                  self._timeout_s):
                if cancel is not None and cancel.is_set():
                    return
                last = time.monotonic()
                yield piece
        finally:
            connection.close()

    def complete_json(self, messages: Sequence[ChatMessage], *, grammar: str,
                      max_tokens: int = 256) -> str:
        """One reply constrained by a GBNF grammar (llama.cpp's server and llama-cpp-python's
        accept `grammar`; a server that ignores it is caught by the caller's checks)."""
        fitted = fit_to_context(messages, budget_tokens=self.context_tokens - max_tokens,
                                count=self.count_tokens)
        body = {**self._body(fitted, max_tokens, stream=False), "grammar": grammar}
        connection, response = self._post(body)
        try:
            return message_content(_reading_all(response, self._max_bytes, self._timeout_s))
        finally:
            connection.close()

    def probe(self) -> list[str]:
        """The models the server offers (`GET /v1/models`), to show it answers;
        ChatServerError when it does not."""
        server = self.server
        connection = self._connection()
        try:
            connection.request("GET", server.path.removesuffix("/chat/completions") + "/models")
            response = connection.getresponse()
            if response.status != 200:
                raise ChatServerError("error", f"{server.peer} answered HTTP "
                                      f"{response.status} {response.reason}")
            body = _reading_all(response, self._max_bytes, self._timeout_s)
        except TimeoutError:
            raise ChatServerError("slow", f"{server.peer} did not answer in "
                                  f"{self._timeout_s:g} s") from None
        except (OSError, http.client.HTTPException) as error:
            raise ChatServerError("unreachable", f"cannot reach {server.peer}: "
                                  f"{error or type(error).__name__}") from None
        finally:
            connection.close()
        try:
            return [str(m["id"]) for m in json.loads(body)["data"]]
        except (ValueError, KeyError, TypeError):
            raise ChatServerError("garbled", "GET /v1/models: not a model list") from None

    def close(self) -> None:
        """Nothing is held between replies."""

    def _connection(self) -> http.client.HTTPConnection:
        server = self.server
        if server.tls:
            return http.client.HTTPSConnection(server.host, server.port,
                                               timeout=self._timeout_s,
                                               context=ssl.create_default_context())
        return http.client.HTTPConnection(server.host, server.port, timeout=self._timeout_s)

    def _body(self, messages: Sequence[ChatMessage], max_tokens: int, *,
              stream: bool) -> dict[str, Any]:
        body = {"messages": [{"role": m.role, "content": m.content} for m in messages],
                "stream": stream, "max_tokens": max_tokens, "temperature": self._temperature,
                "top_p": self._top_p, "seed": self._seed}
        return {"model": self._model, **body} if self._model else body

    def _post(self, body: dict[str, Any]) -> tuple[http.client.HTTPConnection,
                                                    http.client.HTTPResponse]:
        """Send the request; the response once its status is 200 (ChatServerError else)."""
        server = self.server
        connection = self._connection()
        try:
            connection.request("POST", server.path, body=json.dumps(body).encode("utf-8"),
                               headers={"Content-Type": "application/json",
                                        "Accept": "text/event-stream"})
            response = connection.getresponse()
        except ssl.SSLError as error:
            connection.close()
            raise ChatServerError("error", f"TLS failed with {server.peer}: {error}") from None
        except TimeoutError:
            connection.close()
            raise ChatServerError("slow", f"{server.peer} did not answer in "
                                  f"{self._timeout_s:g} s") from None
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise ChatServerError("unreachable", f"cannot reach {server.peer}: "
                                  f"{error or type(error).__name__}") from None
        if response.status != 200:
            detail = _safe_read(response)
            connection.close()
            raise ChatServerError("error", f"{server.peer} answered HTTP {response.status} "
                                  f"{response.reason}: {detail}")
        return connection, response


def _reading(pieces: Iterator[str], timeout_s: float) -> Iterator[str]:
    """`pieces`, with the socket's faults named: silence is "slow", a broken connection
    "cut"."""
    try:
        yield from pieces
    except TimeoutError:
        raise ChatServerError("slow", f"silent for {timeout_s:g} s") from None
    except (OSError, http.client.HTTPException) as error:
        raise ChatServerError("cut", f"the connection broke mid-reply: "
                              f"{error or type(error).__name__}") from None


def _reading_all(response: http.client.HTTPResponse, max_bytes: int, timeout_s: float) -> bytes:
    try:
        body = response.read(max_bytes + 1)
    except TimeoutError:
        raise ChatServerError("slow", f"silent for {timeout_s:g} s") from None
    except (OSError, http.client.HTTPException) as error:
        raise ChatServerError("cut", f"the connection broke: {error}") from None
    if len(body) > max_bytes:
        raise ChatServerError("too_long", f"the reply passed {max_bytes} bytes")
    return body


def _safe_read(response: http.client.HTTPResponse) -> str:
    try:
        return response.read(ERROR_BODY_BYTES).decode("utf-8", "replace").strip()[:200]
    except (OSError, http.client.HTTPException):
        return ""

"""Reading an OpenAI-compatible chat stream (Server-Sent Events) with bounds.

A server on the network is not trusted to be well-formed: every line and the whole reply
have a size limit, a payload must be JSON shaped like a chat completion chunk, and a
stream that ends before a finish reason is a reply cut short, `[DONE]` or not
(llama-cpp-python's server ends the reply it is writing with `[DONE]` when another
request comes in). Each fault is
a `ChatServerError` naming the problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from assistant.engines.llm import ChatServerError

#: The longest line accepted (bytes): a chunk of one token is a few hundred.
MAX_LINE_BYTES = 64 * 1024
#: The most a reply may send (bytes, events included); a spoken reply is a few KB.
MAX_REPLY_BYTES = 1024 * 1024
#: SSE fields other than `data` (ignored, as the SSE standard says).
OTHER_FIELDS = (b"event", b"id", b"retry")

ReadLine = Callable[[int], bytes]


def stream_pieces(readline: ReadLine, *, max_bytes: int = MAX_REPLY_BYTES) -> Iterator[str]:
    """The reply's text pieces from an SSE stream read by `readline(limit)` (b"" at the
    end); raises ChatServerError ("garbled", "empty", "too_long", "cut", "error")."""
    total = 0
    data: list[bytes] = []
    wrote = finished = False
    while True:
        line = readline(MAX_LINE_BYTES + 1)
        total += len(line)
        if total > max_bytes:
            raise ChatServerError("too_long", f"the reply passed {max_bytes} bytes")
        if not line:
            break
        if len(line) > MAX_LINE_BYTES:
            raise ChatServerError("garbled", f"a line longer than {MAX_LINE_BYTES} bytes")
        line = line.rstrip(b"\r\n")
        if line:
            _field(line, data)
            continue
        if not data:
            continue
        payload, data = b"\n".join(data), []
        if payload.strip() == b"[DONE]":
            break
        piece, last = chunk_content(payload)
        finished = finished or last  # a usage chunk may follow the last one
        if piece:
            wrote = True
            yield piece
    if not (wrote or finished):
        raise ChatServerError("empty", "the stream ended without a reply")
    if not finished:
        raise ChatServerError("cut", "the stream ended in the middle of the reply")


def _field(line: bytes, data: list[bytes]) -> None:
    """One SSE line: a data line is kept, a comment or another field ignored."""
    if line.startswith(b":"):
        return
    name, _, value = line.partition(b":")
    if name == b"data":
        data.append(value[1:] if value.startswith(b" ") else value)
    elif name not in OTHER_FIELDS:
        raise ChatServerError("garbled", f"not an event stream line: {line[:60]!r}")


def chunk_content(payload: bytes) -> tuple[str, bool]:
    """(the text of one chat completion chunk, whether it ends the reply)."""
    try:
        chunk = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise ChatServerError("garbled", f"not JSON: {payload[:60]!r}") from None
    if isinstance(chunk, dict) and "error" in chunk:
        raise ChatServerError("error", f"the server reported: {_short(chunk['error'])}")
    try:
        choice = chunk["choices"][0] if chunk["choices"] else {}
        content = (choice.get("delta") or {}).get("content") or ""
        finished = bool(choice.get("finish_reason"))
    except (KeyError, TypeError, AttributeError, IndexError):
        raise ChatServerError("garbled", f"not a chat completion chunk: {payload[:60]!r}"
                              ) from None
    if not isinstance(content, str):
        raise ChatServerError("garbled", f"content is not text: {payload[:60]!r}")
    return content, finished


def message_content(body: bytes) -> str:
    """The text of a whole (not streamed) chat completion."""
    try:
        reply: Any = json.loads(body)
        content = reply["choices"][0]["message"]["content"] or ""
    except (ValueError, UnicodeDecodeError, KeyError, TypeError, IndexError):
        raise ChatServerError("garbled", f"not a chat completion: {body[:60]!r}") from None
    if not isinstance(content, str):
        raise ChatServerError("garbled", "content is not text")
    return content


def _short(value: object) -> str:
    text = value.get("message", value) if isinstance(value, dict) else value
    return str(text)[:120]

"""Chat servers for the tests of `llm.backend = "openai"`, on loopback.

`FakeChatServer`: a tiny stdlib HTTP server that answers `/v1/chat/completions` the way
the test says (a good stream, garbage, nothing, 10 MB, a hang, an HTTP error).
`LlamaServer`: llama-cpp-python's own OpenAI-compatible server (`python -m
llama_cpp.server`, the `server` extra) on a GGUF model, a child process.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config_llm import ChatServer, chat_server
from assistant_bench.mosquitto import free_port

#: The modes of `FakeChatServer`.
MODES = ("ok", "garbage", "not_json", "empty", "huge", "long_line", "hang", "hang_midway",
         "http_error", "error_event", "cut", "interrupted", "interrupted_at_once")


def event(content: str, *, finish: str | None = None) -> bytes:
    chunk = {"choices": [{"index": 0, "delta": {"content": content},
                          "finish_reason": finish}]}
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


@dataclass
class FakeChatServer:
    """Answers every chat request by `mode`; `requests` holds the bodies received."""

    mode: str = "ok"
    reply: str = "The fake server answers. It has two sentences."
    requests: list[dict[str, object]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    @property
    def server(self) -> ChatServer:
        return chat_server(f"http://127.0.0.1:{self.port}")

    def respond(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", "0"))
        self.requests.append(json.loads(handler.rfile.read(length)))
        mode = self.mode
        if mode == "hang":
            self.release.wait(30)
            return
        if mode == "http_error":
            handler.send_error(500, "Internal Server Error")
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        out = handler.wfile
        if mode == "ok":
            for word in self.reply.split(" "):
                out.write(event(word + " "))
            out.write(event("", finish="stop") + b"data: [DONE]\n\n")
        elif mode == "garbage":
            out.write(b"\x00\xff garbage \x13\n" * 10)
        elif mode == "not_json":
            out.write(b"data: {this is not json\n\n")
        elif mode == "error_event":
            out.write(b'data: {"error": {"message": "model overloaded"}}\n\n')
        elif mode == "huge":  # 10 MB of well-formed events, no sentence ever ending
            sent = 0
            while sent < 10 * 1024 * 1024:
                piece = event(f"word{sent} ")
                out.write(piece)
                sent += len(piece)
        elif mode == "long_line":  # 10 MB on one line
            out.write(b"data: " + b"x" * (10 * 1024 * 1024))
        elif mode == "interrupted":  # llama_cpp.server when another request comes in
            out.write(event("The first words") + b"data: [DONE]\n\n")
        elif mode == "interrupted_at_once":
            out.write(b"data: [DONE]\n\n")
        elif mode in ("hang_midway", "cut"):
            out.write(event("The first words"))
            out.flush()
            if mode == "hang_midway":
                self.release.wait(30)
        # "empty": the headers, then the connection closes


@contextlib.contextmanager
def fake_chat_server(mode: str = "ok") -> Iterator[FakeChatServer]:
    fake = FakeChatServer(mode=mode)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # the stream ends when the connection closes

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            with contextlib.suppress(OSError):
                fake.respond(self)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    fake.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        httpd.shutdown()
        httpd.server_close()


@dataclass
class LlamaServer:
    """llama-cpp-python's server on `port`, a child process (`kill` it to test a death)."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def server(self) -> ChatServer:
        return chat_server(f"http://127.0.0.1:{self.port}")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start_llama_server(model: Path, log: Path, *, context_tokens: int = 1024,
                       start_s: float = 120.0) -> LlamaServer:
    """Start the server on a free loopback port and wait until it answers (it loads the
    model first); RuntimeError with its log when it does not start."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model),
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(context_tokens),
             "--n_threads", "1", "--verbose", "false"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    running = LlamaServer(process, port, log)
    deadline = time.monotonic() + start_s
    while time.monotonic() < deadline and process.poll() is None:
        if _answers(port):
            return running
        time.sleep(0.2)
    running.kill()
    raise RuntimeError(f"llama_cpp.server did not start: {log.read_text()[-2000:]}")


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/v1/models")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()

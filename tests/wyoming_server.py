"""A real `assistant serve` for the Wyoming tests (its own port, home state and limits), and
the clients that talk to it."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize

from assistant.audio import Audio
from assistant_bench.satellites import ServeProcess

HOST = "127.0.0.1"
READ_TIMEOUT_S = 120.0
IDLE_TIMEOUT_MS = 3000
"""Short, so the silent-client test is quick (the default is 30 s)."""
READY_TIMEOUT_S = 240.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_config(tmp: Path, *, satellites: Sequence[str] = (),
                 serve: Mapping[str, float] | None = None) -> Path:
    """A config with a fresh home state and short idle limits; `serve`: more [serve] keys."""
    path = tmp / "assistant.toml"
    keys = {"idle_timeout_ms": IDLE_TIMEOUT_MS, "first_event_timeout_ms": IDLE_TIMEOUT_MS,
            "reconnect_max_s": 2.0, **(serve or {})}
    listed = ", ".join(f'"{s}"' for s in satellites)
    path.write_text(f'[skills]\nstate_file = "{tmp / "home-state.json"}"\n'
                    f"[serve]\nsatellites = [{listed}]\n"
                    + "".join(f"{key} = {value}\n" for key, value in keys.items()),
                    encoding="utf-8")
    return path


@contextmanager
def running_server(tmp: Path, *, port: int, satellites: Sequence[str] = (),
                   env: dict[str, str] | None = None,
                   serve: Mapping[str, float] | None = None) -> Iterator[ServeProcess]:
    config = serve_config(tmp, satellites=satellites, serve=serve)
    environment = {**(env or os.environ), "XDG_STATE_HOME": str(tmp / "state")}
    server = ServeProcess(["--listen", f"127.0.0.1:{port}"],
                          global_args=["--debug", "--config", str(config)], env=environment)
    try:
        server.wait_for("listening on", timeout=READY_TIMEOUT_S)
        yield server
    finally:
        code = server.stop()
    assert code == 0 and "stopped" in server.lines, server.output()  # a clean SIGTERM stop


# -- clients, as Home Assistant's integration talks (the `wyoming` package's client) ----

def client(server: Any) -> AsyncTcpClient:
    return AsyncTcpClient(HOST, server.port, connect_timeout=10, read_timeout=READ_TIMEOUT_S)


async def describe(server: Any) -> Info:
    async with client(server) as c:
        await c.write_event(Describe().event())
        event = await c.read_event()
        assert event is not None and event.type == "info", event
        return Info.from_event(event)


async def synthesize(server: Any, text: str) -> Audio:
    async with client(server) as c:
        await c.write_event(Synthesize(text=text).event())
        pcm, rate = bytearray(), 0
        while (event := await c.read_event()) is not None and event.type != "audio-stop":
            if event.type == "audio-chunk":
                chunk = AudioChunk.from_event(event)
                pcm += chunk.audio
                rate = chunk.rate
        assert event is not None, "the server closed the connection mid-reply"
        return Audio(bytes(pcm), rate)


async def transcribe(server: Any, audio: Audio, *, extra: list[Event] | None = None) -> str:
    async with client(server) as c:
        await c.write_event(Transcribe(language="en").event())
        await c.write_event(AudioStart(rate=audio.rate, width=audio.width,
                                       channels=audio.channels).event())
        for event in extra or []:
            await c.write_event(event)
        step = 4096
        for i in range(0, len(audio.pcm), step):
            await c.write_event(AudioChunk(rate=audio.rate, width=audio.width,
                                           channels=audio.channels,
                                           audio=audio.pcm[i:i + step]).event())
        await c.write_event(AudioStop().event())
        event = await c.read_event()
        assert event is not None and event.type == "transcript"
        return Transcript.from_event(event).text


def answered(server: Any) -> None:
    """A well-behaved client is still answered."""
    info = asyncio.run(describe(server))
    assert info.asr and info.tts, server.output()


async def raw(server: Any, data: bytes, *, wait_s: float = 10.0) -> bytes:
    """Send raw bytes; what comes back until the server closes (or `wait_s`)."""
    reader, writer = await asyncio.open_connection(HOST, server.port)
    writer.write(data)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), wait_s)
    finally:
        writer.close()

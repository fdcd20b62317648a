"""Events off the wire, with limits: the size of one event, and how long a client may
say nothing. The `wyoming` package's own reader trusts the lengths a client announces
(an event announcing 4 GB would be buffered); this one refuses them first.

Limits (documented in the README): the header line is at most 64 KiB (asyncio's stream
limit); `data_length + payload_length` at most `serve.max_event_bytes`; a connection that
sends nothing for `serve.idle_timeout_ms` is closed; one request buffers at most
`serve.max_audio_s` of audio.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from wyoming.audio import AudioChunk, AudioStart
from wyoming.event import Event

from assistant.audio import Audio


class WireError(Exception):
    """The client broke the protocol; the message says how (for the log line)."""


@dataclass(frozen=True)
class WireLimits:
    max_event_bytes: int = 1_048_576
    idle_timeout_s: float | None = 30.0
    """None: no limit (a satellite may stay quiet until its wake word)."""
    max_audio_s: float = 60.0


async def read_event(reader: asyncio.StreamReader, limits: WireLimits) -> Event | None:
    """The next event; None when the client closed the connection. Raises WireError for
    a malformed or oversized event and TimeoutError when the client stays silent."""
    return await asyncio.wait_for(_read(reader, limits), timeout=limits.idle_timeout_s)


async def _read(reader: asyncio.StreamReader, limits: WireLimits) -> Event | None:
    try:
        line = await reader.readline()
    except ValueError as error:  # asyncio's LimitOverrunError, wrapped
        raise WireError(f"a header line over the stream limit ({error})") from None
    if not line:
        return None
    header = _header(line)
    data_length = _length(header, "data_length")
    payload_length = _length(header, "payload_length")
    if data_length + payload_length > limits.max_event_bytes:
        raise WireError(f"an event of {data_length + payload_length} bytes (limit "
                        f"{limits.max_event_bytes})")
    data = header.get("data") or {}
    if not isinstance(data, dict):
        raise WireError("event data that is not a JSON object")
    try:
        if data_length:
            extra = json.loads(await reader.readexactly(data_length))
            if not isinstance(extra, dict):
                raise WireError("additional data that is not a JSON object")
            data.update(extra)
        payload = await reader.readexactly(payload_length) if payload_length else None
    except asyncio.IncompleteReadError:
        return None  # closed mid-event
    except ValueError as error:
        raise WireError(f"additional data that is not JSON ({error})") from None
    return Event(type=header["type"], data=data, payload=payload)


def _header(line: bytes) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except ValueError:
        raise WireError("a header line that is not JSON") from None
    if not isinstance(header, dict) or not isinstance(header.get("type"), str):
        raise WireError("a header without a \"type\" string")
    return header


def _length(header: dict[str, Any], key: str) -> int:
    value = header.get(key) or 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise WireError(f"{key} {value!r} is not a byte count")
    return value


class AudioIn:
    """One incoming audio stream: the format its `audio-start` announced (if any), and
    at most `max_s` seconds of it. `chunk` returns the chunk as `Audio`, or None (with the
    reason in `problem`) for a chunk in another format or past the limit."""

    def __init__(self, *, max_s: float | None) -> None:
        self._max_s = max_s
        self._format: tuple[int, int, int] | None = None
        self.seconds = 0.0
        self.problem = ""

    def start(self, event: Event) -> None:
        start = AudioStart.from_event(event)
        self._format = (start.rate, start.width, start.channels)
        self.seconds = 0.0

    def chunk(self, event: Event) -> Audio | None:
        try:
            chunk = AudioChunk.from_event(event)
            fmt = (int(chunk.rate), int(chunk.width), int(chunk.channels))
        except (KeyError, TypeError, ValueError):
            self.problem = "an audio chunk without rate, width and channels"
            return None
        if self._format is not None and fmt != self._format:
            self.problem = f"audio as {fmt} (rate, width, channels), announced {self._format}"
            return None
        if fmt[1] not in (1, 2, 4) or not 0 < fmt[2] <= 8 or not 4000 <= fmt[0] <= 192000:
            self.problem = f"audio in a format the assistant cannot read: {fmt}"
            return None
        audio = chunk.audio or b""
        frame = fmt[1] * fmt[2]
        audio = audio[: len(audio) // frame * frame]
        block = Audio(audio, rate=fmt[0], width=fmt[1], channels=fmt[2])
        if self._max_s is not None and self.seconds + block.seconds > self._max_s:
            self.problem = f"more than {self._max_s:.0f} s of audio in one request"
            return None
        self.seconds += block.seconds
        return block

"""Events off the wire, with limits: the size of one event, how long a client may take to
say something, and how much audio one request may buffer. The `wyoming` package's own
reader trusts the lengths a client announces (an event announcing 4 GB would be
buffered); this one refuses them first.

Limits (documented in the README): the header line is at most 64 KiB (asyncio's stream
limit); `data_length + payload_length` at most `serve.max_event_bytes`; a new connection
must send its first event within `serve.first_event_timeout_ms`, and one that then sends
nothing for `serve.idle_timeout_ms` is closed (the time covers a whole event, so a client
dribbling a byte at a time is closed too); a text at most `serve.max_text_chars`; one
request buffers at most `serve.max_audio_s` of audio, counted in samples after conversion
to the speech format (16 kHz mono 16-bit), never in the bytes a client announces.
"""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass
from typing import Any

from wyoming.audio import AudioChunk, AudioStart
from wyoming.event import Event

from assistant.audio import SPEECH_RATE_HZ, Audio, StreamResampler
from assistant.server.deadline import within


class WireError(Exception):
    """The client broke the protocol; the message says how (for the log line)."""


@dataclass(frozen=True)
class WireLimits:
    max_event_bytes: int = 1_048_576
    idle_timeout_s: float | None = 30.0
    """None: no limit (a satellite may stay quiet until its wake word)."""
    first_event_timeout_s: float | None = 10.0
    """A new connection's first event must arrive within this (None: `idle_timeout_s`)."""
    max_audio_s: float = 60.0
    write_timeout_s: float = 10.0
    """A reader that takes longer than this to take one event is dropped."""
    max_text_chars: int = 4000
    """The longest text of one request (transcript, recognize, synthesize, a stream)."""


async def read_event(reader: asyncio.StreamReader, limits: WireLimits, *,
                     first: bool = False) -> Event | None:
    """The next event; None when the client closed the connection. Raises WireError for
    a malformed or oversized event and TimeoutError when the client stays silent (or
    takes too long to send the whole event)."""
    timeout = limits.idle_timeout_s
    if first and limits.first_event_timeout_s is not None:
        timeout = limits.first_event_timeout_s
    return await within(_read(reader, limits), timeout)


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
            extra = _json(await reader.readexactly(data_length))
            if not isinstance(extra, dict):
                raise WireError("additional data that is not a JSON object")
            data.update(extra)
        payload = await reader.readexactly(payload_length) if payload_length else None
    except asyncio.IncompleteReadError:
        return None  # closed mid-event
    except (ValueError, RecursionError) as error:
        raise WireError(f"additional data that is not JSON ({type(error).__name__})") \
            from None
    return Event(type=header["type"], data=data, payload=payload)


def _json(text: bytes) -> Any:
    """Strict JSON: NaN, Infinity and numbers too large for a float (1e400) are refused,
    so every number an event carries is finite."""
    return json.loads(text, parse_constant=_not_a_number, parse_float=_finite)


def _not_a_number(text: str) -> float:
    raise ValueError(f"{text} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large")
    return value


def _header(line: bytes) -> dict[str, Any]:
    try:
        header = _json(line)
    except (ValueError, RecursionError):  # RecursionError: [[[[...]]]] 64 KiB deep
        raise WireError("a header line that is not JSON") from None
    if not isinstance(header, dict) or not isinstance(header.get("type"), str):
        raise WireError("a header without a \"type\" string")
    return header


def _length(header: dict[str, Any], key: str) -> int:
    value = header.get(key) or 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise WireError(f"{key} {value!r} is not a byte count")
    return value


def text_field(event: Event, limits: WireLimits, key: str = "text") -> str:
    """The event's text (a string, at most `max_text_chars`); WireError otherwise (the
    connection answers it with an `error` event and goes on)."""
    text = event.data.get(key)
    if not isinstance(text, str):
        raise WireError(f"a {event.type} event without a {key!r} string")
    if len(text) > limits.max_text_chars:
        raise WireError(f"a {event.type} text of {len(text)} characters (limit "
                        f"{limits.max_text_chars})")
    return text


class AudioIn:
    """One incoming audio stream: the format its `audio-start` announced (if any), and
    at most `max_s` seconds of it. `chunk` returns the chunk converted to the speech format
    (16 kHz mono 16-bit, resampled as one stream), or None (with the reason in `problem`)
    for a chunk in another format or past the limit; `flush` the resampler's tail."""

    def __init__(self, *, max_s: float | None) -> None:
        self._max_samples = None if max_s is None else int(max_s * SPEECH_RATE_HZ)
        self._max_s = max_s
        self._format: tuple[int, int, int] | None = None
        self._resample: StreamResampler | None = None
        self.samples = 0
        self.problem = ""

    def start(self, event: Event) -> None:
        start = AudioStart.from_event(event)
        self._format = (int(start.rate), int(start.width), int(start.channels))
        self.samples = 0

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
        if self._max_samples is not None and self.samples >= self._max_samples:
            self.problem = f"more than {self._max_s:.0f} s of audio in one request"
            return None
        pcm = chunk.audio if isinstance(chunk.audio, bytes) else b""
        frame = fmt[1] * fmt[2]
        block = Audio(pcm[: len(pcm) // frame * frame], rate=fmt[0], width=fmt[1],
                      channels=fmt[2])
        if self._resample is None:
            self._resample = StreamResampler(fmt[0])
        speech = self._resample(block)
        if self._max_samples is not None:
            room = 2 * (self._max_samples - self.samples)
            speech = Audio(speech.pcm[:room], SPEECH_RATE_HZ)
        self.samples += speech.frames
        return speech

    def flush(self) -> Audio | None:
        """The audio the resampler still holds (the end of the stream), if any."""
        if self._resample is None:
            return None
        tail = self._resample.flush()
        if self._max_samples is not None:
            tail = Audio(tail.pcm[: 2 * max(0, self._max_samples - self.samples)],
                         SPEECH_RATE_HZ)
        self.samples += tail.frames
        return tail if tail.frames else None

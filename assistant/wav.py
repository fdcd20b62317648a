"""Read any PCM or float WAV file into `Audio`; write 16-bit WAV files atomically.

The standard `wave` module rejects float and WAVE_FORMAT_EXTENSIBLE files, which
recorders and DAWs write all the time, and the unknown sizes of a WAV written to a pipe,
so the RIFF chunks are parsed here (the package's one RIFF reader).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np

from assistant.atomic import write_atomic
from assistant.audio import Audio, from_float
from assistant.errors import AssistantError

_PCM = 1
_FLOAT = 3
_EXTENSIBLE = 0xFFFE

#: Longest recording accepted (a bound on memory; a voice turn is seconds).
MAX_SECONDS = 600.0
#: The chunks before the audio (format, metadata) are read up to this many bytes.
MAX_HEADER_BYTES = 1 << 20


class WavError(AssistantError, ValueError):
    """A file that is not a usable WAV file; the message says what is wrong."""


def read_wav(path: str | Path, *, max_seconds: float = MAX_SECONDS) -> Audio:
    """Read a WAV file: 8/16/24/32-bit integer or 32/64-bit float, any rate and channels.
    The read is bounded (`_read_bounded`): /dev/zero or a 40 GB file costs little."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            data = _read_bounded(file, name=str(path), max_seconds=max_seconds)
    except IsADirectoryError:
        raise WavError(f"{path}: is a directory, not a WAV file") from None
    except OSError as error:
        raise WavError(f"{path}: cannot read ({error.strerror})") from None
    return parse_wav(data, name=str(path), max_seconds=max_seconds)


def _read_bounded(file: BinaryIO, *, name: str, max_seconds: float) -> bytes:
    """The bytes `parse_wav` needs, chunk by chunk: the chunks before the audio at most
    `MAX_HEADER_BYTES`, the audio at most `max_seconds` (a longer one is refused from its
    declared size). Anything odd stops the read early and `parse_wav` names the problem."""
    out = bytearray(file.read(12))
    if len(out) < 12 or out[:4] != b"RIFF" or out[8:12] != b"WAVE":
        return bytes(out)
    frame_bytes, rate = 0, 0
    while len(header := file.read(8)) == 8:
        out += header
        chunk_id, (size,) = header[:4], struct.unpack("<I", header[4:])
        if chunk_id == b"data":
            if frame_bytes and size > (int(max_seconds * rate) + 1) * frame_bytes:
                raise WavError(f"{name}: too long ({size / frame_bytes / rate:.0f} s); the "
                               f"limit is {max_seconds:.0f} s")
            out += file.read(size if frame_bytes else 0)
            return bytes(out)
        if len(out) + size > MAX_HEADER_BYTES:
            raise WavError(f"{name}: a {chunk_id!r} chunk of {size} bytes before the audio "
                           f"(at most {MAX_HEADER_BYTES} bytes of them are read)")
        body = file.read(size + (size & 1))
        out += body
        if chunk_id == b"fmt " and len(body) >= 16:
            _, channels, rate, bits = _parse_fmt(body[:size], name)
            frame_bytes = channels * bits // 8
    out += header
    return bytes(out)


def parse_wav(data: bytes, *, name: str = "<bytes>", max_seconds: float = MAX_SECONDS,
              streamed: bool = False) -> Audio:
    """Parse the bytes of a WAV file (see `read_wav`). `streamed`: the bytes came through a
    pipe, whose writer could not go back to fill in the sizes (espeak-ng --stdout and sox
    leave a placeholder of 0x7FFFF000 bytes), so the data chunk runs to the end."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        kind = "empty file" if not data else "no RIFF/WAVE header"
        raise WavError(f"{name}: not a WAV file ({kind})")
    fmt: tuple[int, int, int, int] | None = None
    pos = 12
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        if chunk_id == b"data" and streamed:
            size = len(data) - pos - 8
        body = data[pos + 8 : pos + 8 + size]
        if chunk_id == b"fmt ":
            if len(body) < size:
                raise WavError(_truncated(name, "fmt", size, len(body)))
            fmt = _parse_fmt(body, name)
        elif chunk_id == b"data":
            if fmt is None:
                raise WavError(f"{name}: data chunk before the fmt chunk")
            if len(body) < size:
                raise WavError(_truncated(name, "data", size, len(body)))
            return _decode(body, fmt, name, max_seconds)
        pos += 8 + size + (size & 1)
    if fmt is None:
        raise WavError(f"{name}: no fmt chunk (truncated or not a WAV file)")
    raise WavError(f"{name}: no data chunk (truncated file?)")


def _truncated(name: str, chunk: str, declared: int, present: int) -> str:
    return (f"{name}: truncated file ({chunk} chunk declares {declared} bytes, "
            f"only {present} present)")


def _parse_fmt(body: bytes, name: str) -> tuple[int, int, int, int]:
    if len(body) < 16:
        raise WavError(f"{name}: fmt chunk too short ({len(body)} bytes)")
    tag, channels, rate, _, block_align, bits = struct.unpack_from("<HHIIHH", body)
    if tag == _EXTENSIBLE:
        if len(body) < 26:
            raise WavError(f"{name}: extensible fmt chunk too short")
        (tag,) = struct.unpack_from("<H", body, 24)  # first two bytes of the sub-format GUID
    if tag not in (_PCM, _FLOAT):
        raise WavError(
            f"{name}: unsupported encoding (format tag {tag:#x}); "
            "only PCM integer or float WAV is accepted"
        )
    if channels < 1 or channels > 8:
        raise WavError(f"{name}: unsupported channel count {channels}")
    if rate < 1000 or rate > 384000:
        raise WavError(f"{name}: unsupported sample rate {rate} Hz")
    allowed = (8, 16, 24, 32) if tag == _PCM else (32, 64)
    if bits not in allowed:
        kind = "integer" if tag == _PCM else "float"
        raise WavError(f"{name}: unsupported {bits}-bit {kind} samples")
    if block_align != channels * bits // 8:
        raise WavError(f"{name}: inconsistent block alignment {block_align}")
    return tag, channels, rate, bits


def _decode(body: bytes, fmt: tuple[int, int, int, int], name: str, max_seconds: float) -> Audio:
    tag, channels, rate, bits = fmt
    frame = channels * bits // 8
    frames = len(body) // frame
    if frames / rate > max_seconds:
        raise WavError(
            f"{name}: too long ({frames / rate:.0f} s); the limit is {max_seconds:.0f} s"
        )
    body = body[: frames * frame]  # drop a trailing partial frame
    if tag == _FLOAT:
        dtype = "<f4" if bits == 32 else "<f8"
        samples = np.frombuffer(body, dtype=dtype).reshape(-1, channels)
        # NaN is silence; anything beyond full scale (up to 1e308 in a 64-bit file) clips
        samples = np.clip(np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0), -1, 1)
        return from_float(samples, rate)
    return Audio(body, rate, bits // 8, channels)


def write_wav(path: str | Path, audio: Audio) -> Path:
    """Write 16-bit PCM (converting if needed), atomically and owner-only."""
    import io
    import wave

    from assistant.audio import convert

    path = Path(path)
    audio16 = convert(audio, rate=audio.rate, width=2, channels=audio.channels)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(audio16.channels)
        out.setsampwidth(2)
        out.setframerate(audio16.rate)
        out.writeframes(audio16.pcm)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, buffer.getvalue())
    return path

"""The one audio type of the project and its one conversion path.

Every stage passes `Audio`: raw little-endian PCM plus the format it is in, so no
stage guesses a rate or a sample width. `convert` is the only place that changes a
format; resampling goes through soxr.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import soxr

#: Internal format of the speech front end (wake word, VAD, recognizers).
SPEECH_RATE_HZ = 16000

_INT_DTYPES: dict[int, np.dtype[Any]] = {1: np.dtype("u1"), 2: np.dtype("<i2"),
                                         4: np.dtype("<i4")}


@dataclass(frozen=True)
class Audio:
    """A block of signed PCM audio (unsigned for 8-bit), interleaved when stereo.

    `width` is bytes per sample (1, 2, 3 or 4), `rate` samples per second per channel.
    """

    pcm: bytes
    rate: int
    width: int = 2
    channels: int = 1

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError(f"audio rate must be positive, got {self.rate}")
        if self.width not in (1, 2, 3, 4):
            raise ValueError(f"audio width must be 1-4 bytes, got {self.width}")
        if self.channels <= 0:
            raise ValueError(f"audio channels must be positive, got {self.channels}")
        if len(self.pcm) % (self.width * self.channels):
            raise ValueError("audio byte length is not a whole number of frames")

    @property
    def frames(self) -> int:
        """Number of samples per channel."""
        return len(self.pcm) // (self.width * self.channels)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    @property
    def ms(self) -> float:
        return 1000.0 * self.frames / self.rate

    def to_float(self) -> np.ndarray:
        """Samples as float32 in [-1, 1], shape (frames, channels)."""
        if self.width == 3:
            raw = np.frombuffer(self.pcm, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
            ints = (raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)) << 8
            data = ints.astype(np.float32) / 2.0**31
        elif self.width == 1:
            data = (np.frombuffer(self.pcm, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
        else:
            dtype = _INT_DTYPES[self.width]
            data = np.frombuffer(self.pcm, dtype=dtype).astype(np.float32)
            data /= float(2 ** (8 * self.width - 1))
        return data.reshape(-1, self.channels)

    def to_int16(self) -> np.ndarray:
        """Mono-or-interleaved samples as int16, shape (frames * channels,)."""
        if self.width == 2:
            return np.frombuffer(self.pcm, dtype="<i2")
        return _quantize(self.to_float(), 2).reshape(-1)

    def __add__(self, other: Audio) -> Audio:
        if (other.rate, other.width, other.channels) != (self.rate, self.width, self.channels):
            other = convert(other, rate=self.rate, width=self.width, channels=self.channels)
        return Audio(self.pcm + other.pcm, self.rate, self.width, self.channels)


def from_float(samples: np.ndarray, rate: int, *, width: int = 2) -> Audio:
    """Audio from float samples in [-1, 1], shape (frames,) or (frames, channels)."""
    data = np.asarray(samples, dtype=np.float32)
    channels = 1 if data.ndim == 1 else data.shape[1]
    return Audio(_quantize(data, width).tobytes(), rate, width, channels)


def silence(ms: float, *, rate: int = SPEECH_RATE_HZ) -> Audio:
    return Audio(b"\x00\x00" * int(rate * ms / 1000), rate, 2, 1)


def convert(audio: Audio, *, rate: int, width: int = 2, channels: int = 1) -> Audio:
    """Convert to another rate, width and channel count (soxr for the rate)."""
    if (audio.rate, audio.width, audio.channels) == (rate, width, channels):
        return audio
    data = audio.to_float()
    if audio.channels != channels:
        mono = data.mean(axis=1, keepdims=True)
        data = np.repeat(mono, channels, axis=1)
    if audio.rate != rate and len(data):
        data = soxr.resample(data, audio.rate, rate, quality="HQ")
    elif audio.rate != rate:
        data = np.zeros((0, channels), dtype=np.float32)
    return Audio(_quantize(data, width).tobytes(), rate, width, channels)


def to_speech(audio: Audio) -> Audio:
    """The front end's format: 16 kHz, 16-bit, mono."""
    return convert(audio, rate=SPEECH_RATE_HZ, width=2, channels=1)



def audible_end_s(audio: Audio, *, below_peak_db: float = 40.0, window_ms: float = 10.0) -> float:
    """Where the last sound ends: the end of the last `window_ms` window whose level is
    within `below_peak_db` of the loudest one (0.0 for silence). Meant for clean speech
    such as a synthesized voice; in a noisy recording the noise counts as sound."""
    data = audio.to_float().mean(axis=1, dtype=np.float64)
    size = max(1, int(audio.rate * window_ms / 1000))
    count = data.size // size
    if count == 0:
        return 0.0
    power = np.mean(np.square(data[: count * size]).reshape(count, size), axis=1)
    peak = float(power.max())
    if peak <= 0.0:
        return 0.0
    loud = np.nonzero(power >= peak * 10.0 ** (-below_peak_db / 10.0))[0]
    return float((loud[-1] + 1) * size / audio.rate)


def _quantize(data: np.ndarray, width: int) -> np.ndarray:
    """Floats in [-1, 1] to integer codes: the inverse of `Audio.to_float` (full scale is
    2 ** (bits - 1), clipped to the largest code), so int -> float -> int is lossless."""
    scale = float(2 ** (8 * width - 1))
    ints = np.clip(np.round(np.asarray(data, dtype=np.float64) * scale), -scale, scale - 1)
    if width == 1:
        return (ints + 128.0).astype(np.uint8)
    if width == 3:
        ints = ints.astype("<i4")
        return ints.reshape(-1, 1).view(np.uint8)[:, :3]  # little-endian low 3 bytes
    return ints.astype(_INT_DTYPES[width])


class StreamResampler:
    """Resample a stream block by block without clicks at block edges (soxr's stream API).

    Output is 16-bit mono at `out_rate`. soxr holds back a little audio (its filter delay,
    under 0.1 s) until more comes: `flush()` returns it at the end of the stream. A block
    at another rate than `in_rate` ends the old stream (its held-back audio comes first)
    and starts one at the new rate.
    """

    def __init__(self, in_rate: int, out_rate: int = SPEECH_RATE_HZ) -> None:
        self.out_rate = out_rate
        self._start(in_rate)

    def _start(self, in_rate: int) -> None:
        self.in_rate = in_rate
        self._stream = (soxr.ResampleStream(in_rate, self.out_rate, 1, dtype="int16",
                                            quality="HQ")
                        if in_rate != self.out_rate else None)

    def __call__(self, audio: Audio) -> Audio:
        head = b""
        if audio.rate != self.in_rate:
            head = self.flush().pcm
            self._start(audio.rate)
        mono = convert(audio, rate=audio.rate, width=2, channels=1)
        if self._stream is None:
            return Audio(head + mono.pcm, self.out_rate)
        out = self._stream.resample_chunk(mono.to_int16())
        return Audio(head + np.ascontiguousarray(out, dtype="<i2").tobytes(), self.out_rate)

    def flush(self) -> Audio:
        """The audio still inside the resampler (end of the stream); it can be reused after."""
        if self._stream is None:
            return Audio(b"", self.out_rate)
        out = self._stream.resample_chunk(np.zeros(0, dtype=np.int16), last=True)
        self._stream.clear()
        return Audio(np.ascontiguousarray(out, dtype="<i2").tobytes(), self.out_rate)

"""WAV files: every format the reader accepts, the errors it gives, atomic writing, fuzzing,
and odd real recordings (Piper speech rewritten by the writer below) that Whisper hears."""

from __future__ import annotations

import os
import random
import re
import struct
import subprocess
import sys
import warnings
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.audio import Audio, convert, from_float, to_speech
from assistant.models import ModelStore
from assistant.wav import WavError, parse_wav, read_wav, write_wav
from tests import building
from tests.words import heard_enough

ROOT = Path(__file__).resolve().parents[1]

# -- a small, independent WAV writer ----------------------------------------------------------

_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"

#: encoding name -> (format tag, bits per sample)
ENCODINGS = {
    "u8": (1, 8), "s16": (1, 16), "s24": (1, 24), "s32": (1, 32),
    "f32": (3, 32), "f64": (3, 64),
}


def encode(samples: np.ndarray, encoding: str) -> bytes:
    """Interleaved sample bytes of float samples in [-1, 1] (shape (frames, channels))."""
    x = np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0).reshape(-1)
    if encoding == "u8":
        return np.clip(np.round(x * 128 + 128), 0, 255).astype("u1").tobytes()
    if encoding == "s16":
        return np.round(x * 32767).astype("<i2").tobytes()
    if encoding == "s24":
        ints = np.round(x * (2**23 - 1)).astype("<i4")
        return b"".join(int(v).to_bytes(3, "little", signed=True) for v in ints)
    if encoding == "s32":
        return np.round(x * (2**31 - 1)).astype("<i4").tobytes()
    if encoding == "f32":
        return x.astype("<f4").tobytes()
    return x.astype("<f8").tobytes()


def chunk(chunk_id: bytes, body: bytes) -> bytes:
    return chunk_id + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")


def fmt_body(*, tag: int, channels: int, rate: int, bits: int,
             extensible: bool = False) -> bytes:
    align = channels * bits // 8
    if not extensible:
        return struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)
    mask = (1 << channels) - 1
    return (struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * align, align, bits,
                        22, bits, mask) + struct.pack("<H", tag) + _GUID_TAIL)


def wav_bytes(samples: np.ndarray, rate: int, encoding: str = "s16", *,
              extensible: bool = False, extra: bytes = b"") -> bytes:
    """A WAV file of `samples` (frames[, channels]); `extra` chunks go before the data."""
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim == 1:
        samples = samples[:, None]
    tag, bits = ENCODINGS[encoding]
    body = (b"WAVE"
            + chunk(b"fmt ", fmt_body(tag=tag, channels=samples.shape[1], rate=rate, bits=bits,
                                      extensible=extensible))
            + extra + chunk(b"data", encode(samples, encoding)))
    return b"RIFF" + struct.pack("<I", len(body)) + body


def sweep(frames: int, *, channels: int = 1) -> np.ndarray:
    t = np.arange(frames) / frames
    left = 0.6 * np.sin(2 * np.pi * 9.5 * t) * np.linspace(1.0, -1.0, frames)
    return np.stack([left * (c + 1) / channels for c in range(channels)], axis=1)


# -- each format parses ------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("extensible", [False, True])
@pytest.mark.parametrize(("rate", "channels"), [(8000, 1), (44100, 2), (48000, 6)])
def test_each_format_parses_to_its_rate_channels_and_samples(encoding: str, extensible: bool,
                                                              rate: int, channels: int) -> None:
    samples = sweep(301, channels=channels)
    audio = parse_wav(wav_bytes(samples, rate, encoding, extensible=extensible))
    assert (audio.rate, audio.channels, audio.frames) == (rate, channels, 301)
    resolution = 2.0 ** (1 - ENCODINGS[encoding][1]) if encoding != "f64" else 0
    tolerance = max(resolution, 2.0**-15) * 1.01  # floats are stored as 16-bit
    assert np.max(np.abs(audio.to_float() - samples)) <= tolerance


def test_integer_samples_keep_their_width_and_sign() -> None:
    values = np.array([-1.0, -0.5, -2.0**-23, 0.0, 2.0**-23, 0.5, 1.0])
    audio = parse_wav(wav_bytes(values, 16000, "s24"))
    assert audio.width == 3
    raw = np.frombuffer(audio.pcm, dtype=np.uint8).reshape(-1, 3)
    ints = [int.from_bytes(bytes(r), "little", signed=True) for r in raw]
    assert ints == [-(2**23 - 1), -(2**22), -1, 0, 1, 2**22, 2**23 - 1]
    assert parse_wav(wav_bytes(values, 16000, "u8")).pcm[3] == 128  # unsigned: 128 is zero


def test_other_chunks_and_pad_bytes_are_skipped() -> None:
    extra = chunk(b"LIST", b"INFOISFT\x05\x00\x00\x00odd!\x00") + chunk(b"fact", b"\x01")
    audio = parse_wav(wav_bytes(sweep(100), 22050, extra=extra))
    assert (audio.rate, audio.frames) == (22050, 100)


def test_a_trailing_partial_frame_is_dropped() -> None:
    data = wav_bytes(sweep(10, channels=2), 16000)
    patched = bytearray(data + b"\x07")  # one more byte in the data chunk: half a sample
    pos = patched.index(b"data")
    patched[pos + 4 : pos + 8] = struct.pack("<I", 10 * 4 + 1)
    audio = parse_wav(bytes(patched))
    assert audio.frames == 10 and audio.channels == 2


def test_non_finite_and_huge_float_samples_become_full_scale_quietly() -> None:
    values = np.array([np.nan, np.inf, -np.inf, 1e300, -1e300, 0.25])
    data = wav_bytes(np.zeros(6), 16000, "f64")
    data = data[: -6 * 8] + values.astype("<f8").tobytes()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        audio = parse_wav(data)
    assert audio.to_int16().tolist() == [0, 32767, -32768, 32767, -32768, 8192]


def test_read_wav_reads_the_file_and_stdlib_wave_agrees(tmp_path: Path) -> None:
    path = tmp_path / "speech.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(11025)
        out.writeframes(np.arange(-500, 500, dtype="<i2").tobytes())
    audio = read_wav(path)
    assert (audio.rate, audio.channels, audio.width, audio.frames) == (11025, 2, 2, 500)
    assert audio.to_int16().tolist() == list(range(-500, 500))


# -- errors: the file name and what is wrong with it ----------------------------------------------

def riff(*chunks: bytes, size: int | None = None) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body) if size is None else size) + body


_FMT16 = chunk(b"fmt ", fmt_body(tag=1, channels=1, rate=16000, bits=16))


def test_a_wav_streamed_to_a_pipe_reads_to_the_end() -> None:
    """espeak-ng --stdout cannot seek back to fill in the sizes: it leaves 0x7FFFF000."""
    data = bytearray(wav_bytes(sweep(300), 22050))
    sizes = data.index(b"data") + 4
    data[4:8] = data[sizes : sizes + 4] = struct.pack("<I", 0x7FFFF000)
    with pytest.raises(WavError, match="truncated file"):
        parse_wav(bytes(data))
    audio = parse_wav(bytes(data), streamed=True)
    assert (audio.rate, audio.frames) == (22050, 300)

BAD_BYTES = {
    "text": (b"hello, this is not audio\n", "no RIFF/WAVE header"),
    "mp3": (b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x64" + bytes(400), "no RIFF/WAVE header"),
    "mp3-frame": (b"\xff\xfb\x90\x64" + bytes(400), "no RIFF/WAVE header"),
    "ogg": (b"OggS\x00\x02" + bytes(60), "no RIFF/WAVE header"),
    "riff-avi": (b"RIFF\x10\x00\x00\x00AVI LIST" + bytes(8), "no RIFF/WAVE header"),
    "empty": (b"", "empty file"),
    "riff-only": (b"RIFF\x24\x00\x00\x00WAVE", "no fmt chunk"),
    "short-header": (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00",
                     "truncated file (fmt chunk declares 16 bytes, only 2 present)"),
    "header-only": (riff(_FMT16, struct.pack("<4sI", b"data", 32000)),
                    "truncated file (data chunk declares 32000 bytes, only 0 present)"),
    "short-data": (riff(_FMT16, struct.pack("<4sI", b"data", 32000) + bytes(1000)),
                   "truncated file (data chunk declares 32000 bytes, only 1000 present)"),
    "fmt-only": (riff(_FMT16), "no data chunk"),
    "data-first": (riff(chunk(b"data", bytes(8)), _FMT16), "data chunk before the fmt chunk"),
    "fmt-short": (riff(chunk(b"fmt ", bytes(10)), chunk(b"data", bytes(8))),
                  "fmt chunk too short"),
    "adpcm": (riff(chunk(b"fmt ", fmt_body(tag=0x11, channels=1, rate=8000, bits=4)[:16]),
                   chunk(b"data", bytes(8))), "unsupported encoding (format tag 0x11)"),
    "mp3-in-wav": (riff(chunk(b"fmt ", fmt_body(tag=0x55, channels=2, rate=44100, bits=0)),
                        chunk(b"data", bytes(8))), "unsupported encoding (format tag 0x55)"),
    "alaw-ext": (riff(chunk(b"fmt ", fmt_body(tag=6, channels=1, rate=8000, bits=8,
                                              extensible=True)),
                      chunk(b"data", bytes(8))), "unsupported encoding (format tag 0x6)"),
    "ext-short": (riff(chunk(b"fmt ", fmt_body(tag=1, channels=1, rate=8000, bits=16,
                                               extensible=True)[:20]),
                       chunk(b"data", bytes(8))), "extensible fmt chunk too short"),
    "no-channels": (riff(chunk(b"fmt ", fmt_body(tag=1, channels=0, rate=8000, bits=16)),
                         chunk(b"data", bytes(8))), "unsupported channel count 0"),
    "rate-zero": (riff(chunk(b"fmt ", fmt_body(tag=1, channels=1, rate=0, bits=16)),
                       chunk(b"data", bytes(8))), "unsupported sample rate 0 Hz"),
    "12-bit": (riff(chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 12)),
                    chunk(b"data", bytes(8))), "unsupported 12-bit integer samples"),
    "16-bit-float": (riff(chunk(b"fmt ", fmt_body(tag=3, channels=1, rate=8000, bits=16)),
                          chunk(b"data", bytes(8))), "unsupported 16-bit float samples"),
    "bad-align": (riff(chunk(b"fmt ", struct.pack("<HHIIHH", 1, 2, 8000, 32000, 2, 16)),
                       chunk(b"data", bytes(8))), "inconsistent block alignment 2"),
}


@pytest.mark.parametrize("kind", list(BAD_BYTES))
def test_a_bad_file_is_a_wav_error_naming_the_file_and_the_problem(kind: str,
                                                                     tmp_path: Path) -> None:
    data, problem = BAD_BYTES[kind]
    path = tmp_path / f"{kind}.wav"
    path.write_bytes(data)
    with pytest.raises(WavError) as caught:
        read_wav(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message


def test_a_directory_or_a_missing_file_is_a_wav_error(tmp_path: Path) -> None:
    with pytest.raises(WavError, match="is a directory"):
        read_wav(tmp_path)
    missing = tmp_path / "nowhere.wav"
    with pytest.raises(WavError, match=re.escape(f"{missing}: cannot read")):
        read_wav(missing)


def test_a_recording_over_the_limit_is_refused_before_decoding() -> None:
    data = wav_bytes(np.zeros(8000 * 3), 8000)
    assert parse_wav(data, max_seconds=3.0).seconds == pytest.approx(3.0)
    with pytest.raises(WavError, match="too long"):
        parse_wav(data, name="long.wav", max_seconds=2.0)


def test_reading_is_bounded_whatever_the_file_claims(tmp_path: Path) -> None:
    """`transcribe /dev/zero` read without end (a bare MemoryError); a data chunk that
    declares more than the limit is refused from its header, before it is read."""
    with pytest.raises(WavError, match="/dev/zero: not a WAV file"):
        read_wav("/dev/zero")
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    riff = b"RIFF" + struct.pack("<I", 0xFFFFFFF0) + b"WAVE" + b"fmt " + struct.pack("<I", 16)
    huge = tmp_path / "huge.wav"
    huge.write_bytes(riff + fmt + b"data" + struct.pack("<I", 0xFFFFF000) + bytes(100))
    with pytest.raises(WavError, match=r"too long \(268435 s\); the limit is 600 s"):
        read_wav(huge)
    padded = tmp_path / "padded.wav"
    padded.write_bytes(riff + fmt + b"LIST" + struct.pack("<I", 0x7FFFFFFF) + bytes(100))
    with pytest.raises(WavError, match="chunk of 2147483647 bytes before the audio"):
        read_wav(padded)
    within = tmp_path / "within.wav"
    within.write_bytes(wav_bytes(np.zeros(8000 * 3), 8000))
    assert read_wav(within, max_seconds=3.0).seconds == pytest.approx(3.0)
    with pytest.raises(WavError, match="too long"):
        read_wav(within, max_seconds=2.0)


def test_wav_error_is_an_assistant_error_and_a_value_error() -> None:
    from assistant.errors import AssistantError

    assert issubclass(WavError, AssistantError) and issubclass(WavError, ValueError)


CLI_BAD = ["text", "mp3", "empty", "header-only", "short-data", "directory", "missing"]


@pytest.mark.parametrize("kind", CLI_BAD)
def test_transcribe_prints_one_error_line_for_a_bad_file(kind: str, tmp_path: Path) -> None:
    if kind == "directory":
        path = tmp_path / "folder.wav"
        path.mkdir()
    elif kind == "missing":
        path = tmp_path / "missing.wav"
    else:
        path = tmp_path / f"{kind}.wav"
        path.write_bytes(BAD_BYTES[kind][0])
    result = subprocess.run([sys.executable, "-m", "assistant", "transcribe", str(path)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {path}: ")
    assert "Traceback" not in result.stderr


# -- writing -----------------------------------------------------------------------------------

def test_write_wav_writes_16_bit_that_reads_back(tmp_path: Path) -> None:
    samples = sweep(2205, channels=2)
    audio = from_float(samples, 22050, width=3)
    path = write_wav(tmp_path / "sub" / "out.wav", audio)
    assert path == tmp_path / "sub" / "out.wav"
    back = read_wav(path)
    assert (back.rate, back.channels, back.width, back.frames) == (22050, 2, 2, 2205)
    assert np.max(np.abs(back.to_float() - samples)) <= 2.0**-15
    with wave.open(str(path)) as check:  # a plain PCM file every tool reads
        assert (check.getnchannels(), check.getsampwidth(), check.getframerate()) == (2, 2, 22050)
    assert [p.name for p in path.parent.iterdir()] == ["out.wav"]


@dataclass(frozen=True)
class FailingAudio:
    """16-bit audio whose samples cannot be read: the write fails half-way."""

    rate: int = 16000
    width: int = 2
    channels: int = 1

    @property
    def pcm(self) -> bytes:
        raise OSError(28, "No space left on device")


def test_a_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.wav"
    with pytest.raises(OSError, match="No space"):
        write_wav(fresh, FailingAudio())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []

    old = write_wav(tmp_path / "old.wav", from_float(sweep(800), 8000))
    before = old.read_bytes()
    with pytest.raises(OSError, match="No space"):
        write_wav(old, FailingAudio())  # type: ignore[arg-type]
    assert old.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["old.wav"]


def test_writing_over_a_directory_fails_and_leaves_nothing_behind(tmp_path: Path) -> None:
    (tmp_path / "taken.wav").mkdir()
    with pytest.raises(OSError):
        write_wav(tmp_path / "taken.wav", from_float(sweep(100), 8000))
    assert [p.name for p in tmp_path.iterdir()] == ["taken.wav"]
    assert list((tmp_path / "taken.wav").iterdir()) == []


# -- fuzzing: nothing but WavError ever comes out ------------------------------------------

def _valid_wavs() -> list[bytes]:
    out = []
    for encoding in ENCODINGS:
        out.append(wav_bytes(sweep(7, channels=2), 8000, encoding))
        out.append(wav_bytes(sweep(5), 48000, encoding, extensible=True,
                             extra=chunk(b"LIST", b"abc")))
    return out


VALID = _valid_wavs()


def parses_or_wav_error(data: bytes) -> Audio | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy overflow warnings count as failures
            audio = parse_wav(data, max_seconds=5.0)
    except WavError as error:
        assert str(error).startswith("<bytes>: ")
        return None
    assert audio.frames * audio.width * audio.channels == len(audio.pcm)
    return audio


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_wav_error(data: bytes) -> None:
    parses_or_wav_error(data)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=120))
def test_random_bytes_after_a_wave_header_raise_only_wav_error(rest: bytes) -> None:
    parses_or_wav_error(b"RIFF" + struct.pack("<I", len(rest) + 4) + b"WAVE" + rest)


_SPECIAL = [0, 1, 2, 3, 8, 15, 16, 0x7FFF, 0xFFFE, 2**31 - 1, 2**31, 2**32 - 1]


@st.composite
def mutated_wavs(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["byte", "u16", "u32", "cut", "insert", "delete"]))
        if action == "byte" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        elif action in ("u16", "u32"):
            size = 2 if action == "u16" else 4
            value = draw(st.sampled_from(_SPECIAL) | st.integers(0, 2**32 - 1)) % 256**size
            data[where : where + size] = value.to_bytes(size, "little")
        elif action == "cut":
            del data[where:]
        elif action == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=9))
        else:
            del data[where : where + draw(st.integers(1, 9))]
    return bytes(data)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_wavs())
def test_mutated_wavs_raise_only_wav_error(data: bytes) -> None:
    parses_or_wav_error(data)


def test_a_fuzz_run_of_2000_damaged_files_finds_no_crash() -> None:
    rng = random.Random(20240601)
    parsed = refused = 0
    for _ in range(2000):
        data = bytearray(rng.choice(VALID)) if rng.random() < 0.8 else bytearray(
            rng.randbytes(rng.randrange(80)))
        for _ in range(rng.randint(1, 5)):
            pos = rng.randrange(len(data) + 1)
            if rng.random() < 0.5 and data:
                data[pos % len(data)] = rng.randrange(256)
            elif rng.random() < 0.5:
                data[pos : pos + 4] = rng.choice(_SPECIAL).to_bytes(4, "little")
            else:
                del data[pos:]
        if parses_or_wav_error(bytes(data)) is None:
            refused += 1
        else:
            parsed += 1
    assert parsed + refused == 2000 and refused > 0 and parsed > 0


# -- odd files of real speech: the recognizer hears the same words --------------------------------

SENTENCE = "Please turn on the lights in the kitchen."
"""The subject here is the WAV reader, not the recognizer: the words are compared with
tolerance (`heard_enough`), which still fails on a file read at the wrong rate, with the
wrong channels or cut short."""


@pytest.fixture(scope="module")
def whisper(real_store: ModelStore):  # type: ignore[no-untyped-def]

    return building.recognizer(real_store, engine="whisper")


@pytest.fixture(scope="module")
def utterance(real_store: ModelStore) -> Audio:
    """Piper says SENTENCE once (22.05 kHz, no random variation: the same audio on every
    run); every odd file below is made from it."""
    from assistant.engines.tts import synthesize_all

    voice = building.english_voice(real_store)
    return synthesize_all(voice, SENTENCE)


ODD_FILES = {
    # name: (rate, encoding, channels, extensible)
    "8-bit unsigned": (22050, "u8", 1, False),
    "16-bit": (22050, "s16", 1, False),
    "24-bit": (22050, "s24", 1, False),
    "32-bit int": (22050, "s32", 1, False),
    "32-bit float": (22050, "f32", 1, False),
    "64-bit float": (22050, "f64", 1, False),
    "extensible 24-bit": (22050, "s24", 1, True),
    "stereo": (22050, "s16", 2, False),
    "8 kHz": (8000, "s16", 1, False),
    "44.1 kHz stereo float": (44100, "f32", 2, True),
    "48 kHz": (48000, "s16", 1, False),
}


def odd_file(utterance: Audio, name: str) -> bytes:
    rate, encoding, channels, extensible = ODD_FILES[name]
    resampled = convert(utterance, rate=rate, width=2, channels=1).to_float()
    samples = np.repeat(resampled, channels, axis=1)
    if channels == 2:  # not identical channels: the right one is quieter
        samples[:, 1] *= 0.5
    return wav_bytes(samples, rate, encoding, extensible=extensible)


def test_piper_speech_is_heard_before_any_rewriting(whisper, utterance: Audio) -> None:  # type: ignore[no-untyped-def]
    heard = whisper.transcribe(utterance).text
    assert heard_enough(SENTENCE, heard), heard


@pytest.mark.parametrize("name", list(ODD_FILES))
def test_an_odd_wav_of_speech_transcribes_to_the_same_words(
        name: str, whisper, utterance: Audio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "odd.wav"
    path.write_bytes(odd_file(utterance, name))
    audio = read_wav(path)
    rate, _, channels, _ = ODD_FILES[name]
    assert (audio.rate, audio.channels) == (rate, channels)
    assert audio.seconds == pytest.approx(utterance.seconds, abs=0.01)
    assert to_speech(audio).seconds == pytest.approx(utterance.seconds, abs=0.01)
    heard = whisper.transcribe(audio).text
    assert heard_enough(SENTENCE, heard), heard


def test_the_cli_transcribes_an_odd_wav(utterance: Audio, tmp_path: Path) -> None:
    path = tmp_path / "float stereo 44k.wav"
    path.write_bytes(odd_file(utterance, "44.1 kHz stereo float"))
    result = subprocess.run([sys.executable, "-m", "assistant", "transcribe", str(path),
                             "--engine", "whisper"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert heard_enough(SENTENCE, result.stdout), result.stdout


def test_whisper_hears_an_odd_file_fed_in_30_ms_blocks(whisper, utterance: Audio) -> None:  # type: ignore[no-untyped-def]
    """A stream resamples continuously: blocks of 1323 frames at 44.1 kHz, like a sound card."""
    audio = parse_wav(odd_file(utterance, "44.1 kHz stereo float"))
    stream = whisper.stream()
    step = int(audio.rate * 0.03) * audio.width * audio.channels
    for start in range(0, len(audio.pcm), step):
        stream.accept(Audio(audio.pcm[start : start + step], audio.rate, audio.width,
                            audio.channels))
    stream.prepare()
    transcript = stream.finish().result()
    assert transcript.audio_seconds == pytest.approx(audio.seconds, abs=0.001)
    assert heard_enough(SENTENCE, transcript.text), transcript.text

"""The audio type and its one conversion path (no models)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.audio import (
    Audio,
    StreamResampler,
    audible_end_s,
    convert,
    from_float,
    silence,
    to_speech,
)


def chirp(seconds: float, rate: int, *, level: float = 0.5) -> np.ndarray:
    """A 200-3000 Hz sweep: energy across the speech band, below every Nyquist used here."""
    t = np.arange(int(seconds * rate)) / rate
    return level * np.sin(2 * np.pi * (200 * t + 1400 * t**2 / seconds))


def tone(ms: float, *, hz: float = 440.0, level: float = 0.3, rate: int = 16000) -> Audio:
    t = np.arange(int(rate * ms / 1000)) / rate
    return from_float(level * np.sin(2 * np.pi * hz * t), rate)


def from_int16(samples: np.ndarray, rate: int, channels: int = 1) -> Audio:
    return Audio(np.asarray(samples, dtype="<i2").tobytes(), rate, 2, channels)


def int16_signal(frames: int, *, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = rng.integers(-32768, 32768, size=frames, dtype=np.int64)
    values[:4] = [32767, -32768, 0, -1]  # the extremes always take part
    return values.astype("<i2")


# -- Audio --------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "word"), [
    ({"pcm": b"", "rate": 0}, "rate"),
    ({"pcm": b"", "rate": -16000}, "rate"),
    ({"pcm": b"", "rate": 16000, "width": 5}, "width"),
    ({"pcm": b"", "rate": 16000, "width": 0}, "width"),
    ({"pcm": b"", "rate": 16000, "channels": 0}, "channels"),
    ({"pcm": b"\x00" * 3, "rate": 16000, "width": 2}, "frames"),
    ({"pcm": b"\x00" * 6, "rate": 16000, "width": 2, "channels": 2}, "frames"),
    ({"pcm": b"\x00" * 4, "rate": 16000, "width": 3}, "frames"),
])
def test_audio_rejects_an_impossible_format(kwargs: dict[str, object], word: str) -> None:
    with pytest.raises(ValueError, match=word):
        Audio(**kwargs)  # type: ignore[arg-type]


def test_audio_measures_frames_and_duration() -> None:
    audio = Audio(b"\x00" * 4 * 8000, 8000, 2, 2)
    assert audio.frames == 8000
    assert audio.seconds == pytest.approx(1.0)
    assert audio.ms == pytest.approx(1000.0)
    assert silence(250).ms == pytest.approx(250.0)


def test_audio_joins_end_to_end() -> None:
    audio = tone(1000)
    first, second = Audio(audio.pcm[:12800], 16000), Audio(audio.pcm[12800:], 16000)
    assert first.ms == pytest.approx(400) and second.ms == pytest.approx(600)
    assert (first + second).pcm == audio.pcm


def test_adding_audio_of_another_format_converts_it() -> None:
    joined = silence(100) + tone(100, rate=48000)
    assert (joined.rate, joined.width, joined.channels) == (16000, 2, 1)
    assert joined.ms == pytest.approx(200, abs=1)


def test_audible_end_is_where_the_last_sound_stops() -> None:
    speech = silence(100) + tone(300, level=0.5) + silence(50) + tone(200, level=0.05)
    assert audible_end_s(speech + silence(400)) == pytest.approx(0.65, abs=0.011)
    # a faint tail 50 dB under the peak is not sound, nor is silence
    assert audible_end_s(speech + tone(300, level=0.5 * 10 ** (-50 / 20))) == \
        pytest.approx(0.65, abs=0.011)
    assert audible_end_s(silence(300)) == 0.0
    assert audible_end_s(Audio(b"", 16000)) == 0.0
    stereo = convert(tone(200) + silence(100), rate=44100, channels=2)
    assert audible_end_s(stereo) == pytest.approx(0.2, abs=0.011)


# -- convert: widths, channels, rates --------------------------------------------------------

@pytest.mark.parametrize("width", [3, 4])
def test_widening_and_narrowing_16_bit_audio_is_lossless(width: int) -> None:
    audio = from_int16(int16_signal(4000), 16000)
    wide = convert(audio, rate=16000, width=width)
    assert wide.width == width and wide.frames == audio.frames
    back = convert(wide, rate=16000, width=2)
    assert np.array_equal(back.to_int16(), audio.to_int16())


def test_widening_8_bit_audio_and_back_is_lossless() -> None:
    audio = Audio(bytes(range(256)) * 4, 8000, 1)
    back = convert(convert(audio, rate=8000, width=2), rate=8000, width=1)
    assert back.pcm == audio.pcm


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_each_width_keeps_the_signal_within_its_resolution(width: int) -> None:
    samples = chirp(0.5, 16000)
    audio = from_float(samples, 16000, width=width)
    # one quantization step of this width (to_float works in float32: 24 bits of mantissa)
    step = max(2.0 ** (1 - 8 * width), 2.0**-23)
    assert np.max(np.abs(audio.to_float()[:, 0] - samples)) <= step
    assert np.max(np.abs(to_speech(audio).to_float()[:, 0] - samples)) <= step + 2.0**-15


def test_full_scale_floats_clip_to_the_extreme_codes() -> None:
    audio = from_float(np.array([2.0, 1.0, -1.0, -3.0, np.inf, -np.inf]), 16000)
    assert audio.to_int16().tolist() == [32767, 32767, -32768, -32768, 32767, -32768]


def test_stereo_with_equal_channels_becomes_the_same_mono() -> None:
    mono = from_int16(int16_signal(2000, seed=1), 16000)
    stereo = from_int16(np.repeat(mono.to_int16(), 2), 16000, channels=2)
    assert stereo.frames == mono.frames
    assert np.array_equal(convert(stereo, rate=16000, channels=1).to_int16(),
                          mono.to_int16())


def test_stereo_is_mixed_down_and_mono_is_copied_to_both_channels() -> None:
    left, right = np.full(100, 0.5), np.full(100, -0.25)
    stereo = from_float(np.stack([left, right], axis=1), 16000)
    assert stereo.channels == 2
    mono = convert(stereo, rate=16000, channels=1)
    assert np.allclose(mono.to_float(), 0.125, atol=1e-4)
    again = convert(mono, rate=16000, channels=2)
    assert again.channels == 2 and np.allclose(again.to_float(), 0.125, atol=1e-4)


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000])
def test_resampling_there_and_back_keeps_the_signal(rate: int) -> None:
    samples = chirp(1.0, 16000)
    audio = from_float(samples, 16000)
    there = convert(audio, rate=rate)
    assert there.rate == rate
    assert there.frames == pytest.approx(rate, abs=2)
    back = convert(there, rate=16000)
    assert back.frames == pytest.approx(audio.frames, abs=2)
    n = min(back.frames, audio.frames)
    error = back.to_float()[:n, 0] - audio.to_float()[:n, 0]
    # the edges ring (the filter sees a cut); the body matches to better than -40 dB
    body = slice(400, n - 400)
    assert np.sqrt(np.mean(error[body] ** 2)) < 0.01 * np.sqrt(np.mean(samples**2))


def test_convert_to_the_same_format_is_the_same_audio() -> None:
    audio = tone(50)
    assert convert(audio, rate=16000) is audio


def test_converting_empty_audio_gives_empty_audio() -> None:
    empty = Audio(b"", 44100, 4, 2)
    out = convert(empty, rate=16000, width=2, channels=1)
    assert (out.rate, out.width, out.channels, out.frames) == (16000, 2, 1, 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-32768, 32767), max_size=64),
       st.sampled_from([1, 2, 3, 4]), st.sampled_from([1, 2]))
def test_any_int16_block_converts_to_whole_frames(values: list[int], width: int,
                                                   channels: int) -> None:
    values = values[: len(values) // channels * channels]
    audio = from_int16(np.array(values, dtype="<i2"), 16000, channels=channels)
    out = convert(audio, rate=16000, width=width, channels=3 - channels)
    assert out.frames == audio.frames
    assert len(out.pcm) == out.frames * width * (3 - channels)


# -- StreamResampler ---------------------------------------------------------------------------

@pytest.mark.parametrize(("rate", "block_ms"), [(48000, 30), (44100, 20), (8000, 100),
                                                (22050, 30), (22050, 7)])
def test_stream_resampling_block_by_block_matches_the_whole_signal(rate: int,
                                                                    block_ms: int) -> None:
    audio = from_float(chirp(1.5, rate), rate)
    resampler = StreamResampler(rate)
    step = int(rate * block_ms / 1000) * audio.width
    pieces = [resampler(Audio(audio.pcm[i : i + step], rate))
              for i in range(0, len(audio.pcm), step)]
    assert all(p.rate == 16000 and p.channels == 1 and p.width == 2 for p in pieces)
    held = resampler.flush()
    # soxr holds back its filter delay (and hands out whole internal blocks) until the end
    assert 0 < held.frames < 16000 * 0.12
    streamed = np.concatenate([p.to_float()[:, 0] for p in [*pieces, held]])
    whole = convert(audio, rate=16000).to_float()[:, 0]
    assert streamed.size == whole.size
    assert np.max(np.abs(streamed - whole)) <= 2 * 2.0**-15


def test_block_by_block_conversion_without_a_stream_resampler_clicks() -> None:
    """Why streams keep one resampler: converting each 30 ms block alone rings at every
    block edge (and 661.5-frame blocks of 22.05 kHz do not even keep their length)."""
    rate = 44100
    audio = from_float(chirp(1.0, rate), rate)
    step = int(rate * 0.03) * 2
    alone = np.concatenate([to_speech(Audio(audio.pcm[i : i + step], rate)).to_float()[:, 0]
                            for i in range(0, len(audio.pcm), step)])
    whole = to_speech(audio).to_float()[:, 0]
    assert np.max(np.abs(alone - whole)) > 0.05


def test_a_flushed_stream_resampler_starts_a_new_stream() -> None:
    resampler = StreamResampler(22050)
    assert resampler.flush().frames == 0
    for _ in range(2):
        out = resampler(tone(500, rate=22050))
        assert out.frames + resampler.flush().frames == 8000


def test_a_block_at_another_rate_starts_a_new_stream() -> None:
    resampler = StreamResampler(48000)
    first = resampler(tone(300, rate=48000))
    second = resampler(tone(300, rate=8000))  # what the 48 kHz stream held comes first
    assert resampler.in_rate == 8000
    total = first.frames + second.frames + resampler.flush().frames
    assert total == 2 * 4800
    third = resampler(tone(100))  # 16 kHz: no resampling at all
    assert third.frames == 1600 and resampler.flush().frames == 0


def test_stream_resampler_at_the_speech_rate_only_mixes_down() -> None:
    stereo = from_float(np.stack([chirp(0.1, 16000)] * 2, axis=1), 16000, width=4)
    resampler = StreamResampler(16000)
    out = resampler(stereo)
    assert (out.rate, out.width, out.channels, out.frames) == (16000, 2, 1, stereo.frames)
    assert resampler.flush().frames == 0

"""Leading silence cut before a whole recording is decoded (real Silero VAD, real speech:
the LibriVox recordings of Debian's pocketsphinx-testdata)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.audio import Audio, silence, to_speech
from assistant.engines.trim import LEAD_MS, speech_start_ms, trim_leading_silence
from assistant.engines.vad import SileroVad
from assistant.wav import read_wav

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")


@pytest.fixture(scope="module")
def speech() -> Audio:
    wav = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0870.wav"
    if not wav.exists():
        pytest.skip("pocketsphinx-testdata is not installed (Debian: pocketsphinx-testdata)")
    audio = to_speech(read_wav(wav))
    start = speech_start_ms(SileroVad(), audio)
    assert start is not None
    return audio if start <= LEAD_MS else trim_leading_silence(audio, SileroVad())


@pytest.mark.parametrize("lead_ms", [300, 1000, 2500])
def test_leading_silence_is_cut_to_a_short_run_in(speech: Audio, lead_ms: int) -> None:
    vad = SileroVad()
    onset_ms = speech_start_ms(vad, speech)
    assert onset_ms is not None
    trimmed = trim_leading_silence(silence(lead_ms) + speech, vad)
    kept_ms = trimmed.ms - (speech.ms - onset_ms)  # before the speech's first frame
    # each onset is found to within a frame (Silero scores 32 ms frames where they fall)
    assert abs(kept_ms - LEAD_MS) <= 2 * vad.frame_ms, kept_ms
    onset = int(onset_ms * speech.rate / 1000) * speech.width
    assert trimmed.pcm.endswith(speech.pcm[onset:])  # the speech itself is untouched


def test_audio_that_starts_with_speech_or_has_none_is_left_alone(speech: Audio) -> None:
    vad = SileroVad()
    assert trim_leading_silence(speech, vad) == speech
    quiet = silence(2000)
    assert speech_start_ms(vad, quiet) is None and trim_leading_silence(quiet, vad) == quiet


def test_any_format_is_trimmed_in_its_own_format(speech: Audio) -> None:
    from assistant.audio import convert

    stereo = convert(silence(800) + speech, rate=44100, channels=2)
    trimmed = trim_leading_silence(stereo, SileroVad())
    assert (trimmed.rate, trimmed.channels) == (44100, 2)
    assert stereo.seconds - trimmed.seconds > 0.6

"""The recognizer's confidence: what `Transcript.confidence` means per engine, the
`heard_clearly` verdict, and the real recognizers on clean speech against noise."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.audio import SPEECH_RATE_HZ, Audio
from assistant.config import SttConfig
from assistant.engines.stt import Transcript, heard_clearly
from assistant.engines.tts import EspeakSynthesizer, synthesize_all
from assistant.models import ModelStore
from tests import building
from tests.conftest import require_models
from tests.words import heard_enough

THRESHOLD = SttConfig().min_confidence


def transcript(text: str = "what time is it", **scores: float) -> Transcript:
    return Transcript(text, "test", "en", 1.0, **scores)  # type: ignore[arg-type]


def test_whisper_confidence_is_token_probability_times_speech_probability() -> None:
    heard = transcript(avg_logprob=math.log(0.8), no_speech_prob=0.25)
    assert heard.confidence == pytest.approx(0.6)
    assert transcript(avg_logprob=-math.inf).confidence == 0.0


def test_vosk_confidence_is_the_mean_word_confidence() -> None:
    assert transcript(word_confidence=0.7).confidence == 0.7
    assert transcript().confidence is None


def test_heard_clearly() -> None:
    assert heard_clearly(transcript(word_confidence=0.5), threshold=0.4)
    assert not heard_clearly(transcript(word_confidence=0.3), threshold=0.4)
    # nothing heard, or no confidence given: nothing to doubt
    assert heard_clearly(transcript("", word_confidence=0.0), threshold=0.4)
    assert heard_clearly(transcript(), threshold=0.4)
    # 0 switches the check off
    assert heard_clearly(transcript(word_confidence=0.0), threshold=0.0)


def test_the_default_threshold_is_on() -> None:
    assert 0.2 <= THRESHOLD <= 0.6


@pytest.fixture(scope="module")
def voice(real_store: ModelStore):  # type: ignore[no-untyped-def]
    return building.english_voice(real_store)


def hum(seconds: float = 2.0) -> Audio:
    t = np.arange(int(seconds * SPEECH_RATE_HZ)) / SPEECH_RATE_HZ
    x = 0.1 * sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 5))
    return Audio((x * 32767).astype("<i2").tobytes(), SPEECH_RATE_HZ)


def white_noise(seconds: float = 2.0) -> Audio:
    x = np.random.default_rng(3).normal(0.0, 0.1, int(seconds * SPEECH_RATE_HZ))
    return Audio((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes(), SPEECH_RATE_HZ)


@pytest.mark.parametrize("model", ["whisper-tiny-en", "whisper-base"])
def test_real_whisper_is_sure_of_speech_and_not_of_noise(real_store: ModelStore, voice,  # type: ignore[no-untyped-def]
                                                         model: str) -> None:
    require_models(real_store, model)
    recognizer = building.recognizer(real_store, model_id=model)
    try:
        said = "What time is it?"
        clean = recognizer.transcribe(synthesize_all(voice, said))
        assert heard_enough(said, clean.text), clean.text
        assert clean.avg_logprob is not None and clean.no_speech_prob is not None
        assert heard_clearly(clean, threshold=THRESHOLD), clean
        for noise in (white_noise(), hum()):
            heard = recognizer.transcribe(noise)
            assert not heard_clearly(heard, threshold=THRESHOLD) or not heard.text.strip(), heard
    finally:
        recognizer.close()


def test_real_vosk_gives_word_confidences(real_store: ModelStore) -> None:
    require_models(real_store, "vosk-ko")
    recognizer = building.recognizer(real_store, code="ko", engine="vosk")
    heard = recognizer.transcribe(synthesize_all(EspeakSynthesizer(voice="ko"), "안녕하세요"))
    assert heard.text and heard.word_confidence is not None
    assert 0.0 < heard.word_confidence <= 1.0

"""Vosk with the real Korean model on real Korean speech (espeak-ng's `ko` voice):
whole recordings, streaming partials, phrase grammars, the CLI and the `auto` choice."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.audio import SPEECH_RATE_HZ, Audio, to_speech
from assistant.config import Config, SttConfig, SttEngine, TtsConfig
from assistant.engines.stt import choose_engine
from assistant.engines.stt.vosk import VoskRecognizer
from assistant.loading import load_final_recognizer, load_recognizer, load_synthesizer
from assistant.models import ModelStore
from assistant.wav import write_wav
from tests import building
from tests.conftest import require_models
from tests.words import heard_enough

ROOT = Path(__file__).resolve().parents[1]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
KOREAN = "안녕하세요 오늘 날씨가 좋습니다"
PHRASES = ["안녕하세요", "감사합니다"]


@pytest.fixture(scope="module")
def store(real_store: ModelStore) -> ModelStore:
    require_models(real_store, "vosk-ko")
    return real_store


@pytest.fixture(scope="module")
def vosk(store: ModelStore) -> VoskRecognizer:
    recognizer = building.recognizer(store, code="ko", engine="vosk")
    assert isinstance(recognizer, VoskRecognizer)
    assert recognizer.language == "ko"
    return recognizer


@pytest.fixture(scope="module")
def speak(store: ModelStore):  # type: ignore[no-untyped-def]
    """Korean text -> speech, through the assistant's own espeak-ng voice (22.05 kHz)."""
    from assistant.engines.tts import synthesize_all

    voice = load_synthesizer(TtsConfig(), store, voice="espeak-ko")
    return lambda text: synthesize_all(voice, text)


def blocks(audio: Audio, ms: int = 100) -> Iterator[Audio]:
    """The audio in `ms` blocks, as a microphone would deliver it."""
    step = audio.rate * ms // 1000 * audio.width * audio.channels
    for start in range(0, len(audio.pcm), step):
        yield Audio(audio.pcm[start : start + step], audio.rate, audio.width, audio.channels)


def test_auto_picks_vosk_for_korean_and_whisper_for_english(store: ModelStore) -> None:
    korean = choose_engine(SttConfig(), store, language="ko")
    assert (korean.engine, korean.model_id) == ("vosk", "vosk-ko")
    assert "vosk-ko" in korean.reason
    english = choose_engine(SttConfig(), store, language="en")
    assert english.engine == "whisper"


def test_auto_passes_over_a_vosk_model_without_the_vosk_extra(store: ModelStore) -> None:
    choice = choose_engine(SttConfig(), store, language="ko", has_module=lambda name: False)
    assert choice.engine == "whisper"
    assert "vosk-ko is installed but not the vosk extra" in choice.reason
    asked = choose_engine(SttConfig(engine=SttEngine.VOSK), store, language="ko",
                          has_module=lambda name: False)
    assert asked.engine == "vosk"  # asked for by name: loading it says which extra is missing


def test_a_korean_recording_becomes_korean_text(vosk: VoskRecognizer, speak) -> None:  # type: ignore[no-untyped-def]
    audio = speak(KOREAN)
    transcript = vosk.transcribe(audio)
    assert transcript.engine == "vosk" and transcript.language == "ko"
    assert transcript.audio_seconds == pytest.approx(audio.seconds, abs=0.01)
    assert transcript.text.strip()
    assert len(HANGUL.findall(transcript.text)) >= 4, transcript.text
    assert "[unk]" not in transcript.text


def test_streaming_gives_partials_before_the_final_text(vosk: VoskRecognizer, speak) -> None:  # type: ignore[no-untyped-def]
    audio = speak(KOREAN)
    stream = vosk.stream()
    partials = [stream.accept(block) for block in blocks(audio, 100)]
    assert any(HANGUL.search(p) for p in partials), partials
    assert stream.prepared_text() == partials[-1]
    final = stream.finish().result().text
    assert len(HANGUL.findall(final)) >= 4, final


def test_streaming_at_another_rate_hears_the_same_as_at_16_khz(vosk: VoskRecognizer,
                                                                speak) -> None:  # type: ignore[no-untyped-def]
    audio = speak(KOREAN)
    at_16k = vosk.stream()
    for block in blocks(to_speech(audio), 100):
        at_16k.accept(block)
    at_22k = vosk.stream()
    for block in blocks(audio, 100):
        at_22k.accept(block)
    assert audio.rate != SPEECH_RATE_HZ
    # Resampled block by block or all at once, the samples differ in the last bits, and
    # Vosk may then hear a short first word differently ("나 이 - 의 ..." / "아 - 의 ...");
    # a wrong rate would leave almost nothing in common.
    heard_at_16k = at_16k.finish().result().text
    assert heard_at_16k and heard_enough(heard_at_16k, at_22k.finish().result().text, share=0.7)


@pytest.mark.parametrize("said", PHRASES)
def test_a_grammar_restricts_the_output_to_its_phrases(vosk: VoskRecognizer, speak,
                                                       said: str) -> None:  # type: ignore[no-untyped-def]
    stream = vosk.stream(phrases=PHRASES)
    for block in blocks(speak(said), 100):
        stream.accept(block)
    # Without the grammar this voice comes out as other words (CER about 80 %); with it,
    # always one of the phrases: the one said on this CPU, a near one maybe on another.
    assert stream.finish().result().text in PHRASES


def test_a_grammar_maps_other_speech_only_onto_its_phrases(vosk: VoskRecognizer,
                                                           speak) -> None:  # type: ignore[no-untyped-def]
    stream = vosk.stream(phrases=PHRASES)
    for block in blocks(speak("오늘 날씨가 좋습니다"), 100):
        stream.accept(block)
    text = stream.finish().result().text
    # Vosk may cut the utterance at its own endpoints: each piece is a phrase or nothing
    assert all(word in PHRASES for word in text.split()), text


def test_silence_gives_an_empty_transcript(vosk: VoskRecognizer) -> None:
    stream = vosk.stream(phrases=PHRASES)
    assert stream.accept(Audio(bytes(2 * 16000), 16000)) == ""
    assert stream.finish().result().text == ""


def test_the_cli_transcribes_korean_with_vosk(store: ModelStore, speak,  # type: ignore[no-untyped-def]
                                              tmp_path: Path) -> None:
    path = write_wav(tmp_path / "korean.wav", speak(KOREAN))
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "transcribe", str(path), "--engine", "vosk",
         "--language", "ko", "--verbose"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    text, info = result.stdout.splitlines()
    assert len(HANGUL.findall(text)) >= 4, text
    assert info.startswith("# engine=vosk ")


def test_vosk_chosen_in_the_config_keeps_the_final_recognizer_loadable(
        store: ModelStore) -> None:
    """`stt.engine = "vosk"` is the main recognizer's engine; the default final model
    (Whisper base) still loads with its own engine instead of stopping the start."""
    config = Config(language="ko", stt=SttConfig(engine=SttEngine.VOSK))
    korean = SimpleNamespace(code="ko", recognizer_prompt=None, recognizer_model=None)
    main = load_recognizer(config.stt, store, language="ko")
    final = load_final_recognizer(config, korean, store, main)  # type: ignore[arg-type]
    try:
        assert isinstance(main, VoskRecognizer)
        assert final is not None and final is not main and not isinstance(final, VoskRecognizer)
    finally:
        main.close()
        if final is not None:
            final.close()

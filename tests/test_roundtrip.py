"""`say` then `transcribe` on the command line: the real voice speaks into a WAV file,
the real recognizer hears it, and the words come back (compared as words, not bytes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from assistant.bench.text import WordErrors, normalize, word_errors
from assistant.models import ModelStore
from assistant.wav import read_wav

ROOT = Path(__file__).resolve().parents[1]

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Please turn off the lights in the living room.",
    "What is the weather like in Paris this morning?",
    "Remind me to call my sister after dinner.",
]


def words(text: str) -> list[str]:
    """The benchmark's normalized words ("Paris?" and "paris" are the same word)."""
    return normalize(text).split()


def assistant(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True,
                            text=True, cwd=cwd, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, f"assistant {' '.join(args)}: {result.stderr}"
    return result


def say_and_transcribe(text: str, tmp_path: Path, *extra: str) -> str:
    out = tmp_path / "spoken.wav"
    said = assistant("say", text, "--out", str(out), *extra, cwd=tmp_path)
    assert said.stdout.startswith(f"wrote {out}")
    audio = read_wav(out)
    assert audio.width == 2 and audio.channels == 1
    assert 0.1 * len(words(text)) < audio.seconds < len(words(text)) + 1.0  # plausible speech
    return assistant("transcribe", str(out), cwd=tmp_path).stdout.strip()


def test_piper_speech_round_trips_through_whisper(real_store: ModelStore,
                                                  tmp_path: Path) -> None:
    errors = WordErrors()
    for text in SENTENCES:
        heard = say_and_transcribe(text, tmp_path)
        expected = words(text)
        found = sum(1 for w in expected if w in words(heard))
        assert found >= 0.8 * len(expected), f"said {text!r}, heard {heard!r}"
        errors += word_errors(text, heard)
    assert errors.rate <= 0.25, f"word error rate {errors.rate:.2f}"


def test_a_very_different_voice_is_heard_too(real_store: ModelStore, tmp_path: Path) -> None:
    """espeak-ng's formant voice sounds nothing like Piper's neural one."""
    text = "Please turn on the kitchen lights and close the door."
    heard = say_and_transcribe(text, tmp_path, "--voice", "espeak")
    assert word_errors(text, heard).rate <= 0.25, heard


def test_say_refuses_an_empty_text(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "assistant", "say", "  ", "--out",
                             str(tmp_path / "x.wav")], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["error: nothing to say: TEXT is empty"]
    assert not (tmp_path / "x.wav").exists()


def test_transcribe_verbose_names_the_engine(real_store: ModelStore, tmp_path: Path) -> None:
    out = tmp_path / "hello.wav"
    assistant("say", "Hello there.", "--out", str(out), cwd=tmp_path)
    lines = assistant("transcribe", str(out), "--verbose", cwd=tmp_path).stdout.splitlines()
    assert words(lines[0]) == ["hello", "there"]
    assert lines[1].startswith("# engine=whisper audio=")

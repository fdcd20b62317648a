"""`--debug` without what was said: transcripts, replies and the voice library's text
appear in the log only with `--log-transcripts` (a debug log goes into bug reports)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECRET = "the spare key is under the blue flowerpot"


def assistant(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True,
                            text=True, cwd=cwd, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("transcripts", [False, True])
def test_debug_logs_what_was_said_only_when_asked(tmp_path: Path, transcripts: bool) -> None:
    flags = ["--debug", *(["--log-transcripts"] if transcripts else [])]
    matched = assistant(*flags, "intents", "recognize", "turn", "on", "the", "kitchen",
                        "light", cwd=tmp_path)
    assert "HomeTurnOn" in matched.stdout  # asked for: printed
    assert ("'turn on the kitchen light' -> HomeTurnOn" in matched.stderr) == transcripts
    assert "DEBUG assistant.sandbox" in matched.stderr  # the rest of --debug is there
    not_a_command = assistant(*flags, "intents", "recognize", *SECRET.split(), cwd=tmp_path)
    assert ("flowerpot" in not_a_command.stderr) == transcripts


@pytest.mark.parametrize("transcripts", [False, True])
def test_the_voice_library_does_not_log_the_text(real_store: object, tmp_path: Path,
                                                 transcripts: bool) -> None:
    """Piper logs every text it speaks, and its phonemes, at DEBUG."""
    flags = ["--debug", *(["--log-transcripts"] if transcripts else [])]
    said = assistant(*flags, "say", SECRET, "--out", str(tmp_path / "x.wav"), cwd=tmp_path)
    assert ("flowerpot" in said.stderr) == transcripts

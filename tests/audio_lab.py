"""The live tests' side of the audio lab (`assistant_bench.lab`: a private PulseAudio
daemon with a virtual microphone, speaker and room).

`AssistantProcess` runs `assistant run` as a subprocess against it and parses its
`--verbose` turn lines.

Everything is skipped with a clear reason when PulseAudio or PortAudio is missing,
unless ASSISTANT_REQUIRE_MODELS=1 (CI), where a missing piece is a failure.
"""

from __future__ import annotations

import ctypes.util
import os

import pytest

from assistant_bench.lab import AudioLab, Recording, missing_tools, sound_spans
from assistant_bench.lab_process import AssistantProcess, Turn

__all__ = ["AssistantProcess", "AudioLab", "Recording", "Turn", "require_audio_lab",
           "sound_spans"]



def require_audio_lab() -> None:
    """Skip (or fail under ASSISTANT_REQUIRE_MODELS=1) when the lab cannot run here."""
    missing = missing_tools()
    problems = []
    if missing:
        problems.append(f"{', '.join(missing)} not installed (Debian: apt-get install "
                        "pulseaudio pulseaudio-utils libasound2-plugins)")
    if ctypes.util.find_library("portaudio") is None:
        problems.append("PortAudio not installed (Debian: apt-get install libportaudio2)")
    if problems:
        message = "live audio tests need a private PulseAudio daemon: " + "; ".join(problems)
        if os.environ.get("ASSISTANT_REQUIRE_MODELS") == "1":
            pytest.fail(message)
        pytest.skip(message)

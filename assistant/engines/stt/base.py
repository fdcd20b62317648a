"""Speech recognition: the `SpeechRecognizer` protocol and its result, `Transcript`.

A recognizer is loaded once and shared by every session; each utterance is a
`RecognitionStream` fed block by block while it is spoken. `finish()` returns a
future, so the thread that feeds the microphone never waits for a decode.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol

from assistant.audio import Audio


@dataclass(frozen=True)
class Transcript:
    """A final recognition result, with the recognizer's own confidence where it gives one."""

    text: str
    engine: str
    language: str
    audio_seconds: float
    avg_logprob: float | None = None
    """Whisper: the mean log-probability of the tokens (faster-whisper's `avg_logprob`)."""
    no_speech_prob: float | None = None
    """Whisper: the probability that the audio held no speech at all."""
    word_confidence: float | None = None
    """Vosk: the mean of its word confidences (0 to 1)."""
    alternatives: tuple[str, ...] = ()
    """Other readings of the same audio, most likely first (Whisper's beam, when asked
    for): what a command may have been if `text` is not one."""
    language_probability: float | None = None
    """A recognizer that detects the language: how sure it is of `language` (among the
    languages it was told are spoken)."""
    elsewhere: tuple[tuple[str, str], ...] = ()
    """(language, text): the same audio read in another language, when the detection
    was in doubt (a short command said in the other language)."""
    echoes_prompt: bool = False
    """The text is word for word a sentence of the recognizer's own prompt (the hint):
    Whisper copies its prompt when it cannot make out the audio."""

    @property
    def confidence(self) -> float | None:
        """How sure the recognizer is of the words, 0 to 1; None when it does not say.

        Whisper: the mean token probability (exp of `avg_logprob`) times the probability
        that there was speech; Vosk: the mean word confidence.
        """
        if self.avg_logprob is not None:
            speech = 1.0 - (self.no_speech_prob or 0.0)
            return math.exp(self.avg_logprob) * speech
        return self.word_confidence


ECHO_CONFIDENCE = 0.85
"""A transcript that only repeats a sentence of the prompt must be at least this sure to
count as heard (on the Mandarin tuning set, copies of the hint scored 0.60-0.78 and the
two commands said as the hint words them 0.95-0.98)."""


def heard_clearly(transcript: Transcript, *, threshold: float) -> bool:
    """False when the recognizer's confidence in the words it wrote is below `threshold`
    (they may never have been said: noise, mumbling, a far voice), or below
    `ECHO_CONFIDENCE` for words that only echo its prompt. Nothing heard, or a recognizer
    that gives no confidence, counts as clear: there is nothing to doubt."""
    confidence = transcript.confidence
    if transcript.echoes_prompt:
        threshold = max(threshold, ECHO_CONFIDENCE)
    return not transcript.text.strip() or confidence is None or confidence >= threshold


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
               hints: Mapping[str, str] | None = None, owner: str = "") -> RecognitionStream:
        """Start recognizing one utterance. `phrases` restricts the output to those phrases
        where the engine supports a grammar; `hint` is a soft bias (words likely to come);
        `hints` the same per language code, for a recognizer that detects the language.
        `owner` (a session id) is whose turn the decodes wait for in the shared queue."""
        ...

    def transcribe(self, audio: Audio) -> Transcript:
        """Recognize a whole recording at once (blocking)."""
        ...

    def close(self) -> None:
        """Stop the decode workers (queued decodes are cancelled) and free the model."""
        ...

"""Typed events that flow between the pipeline's stages (no string sentinels).

Times named `*_s` are on the stream clock: seconds of microphone audio processed
since the pipeline started (the virtual clock of the test mode). Times named `t_*`
are wall-clock `time.perf_counter()` readings, used for latency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.engines.stt import RecognitionStream


@dataclass(frozen=True)
class WakeDetected:
    at_s: float
    barge_in: bool = False
    """True when the wake word interrupted a reply."""


@dataclass(frozen=True)
class SpeechStarted:
    at_s: float


@dataclass(frozen=True)
class ListenTimeout:
    """Nobody spoke after the wake word (or in the follow-up window)."""

    at_s: float
    follow_up: bool


@dataclass(frozen=True)
class Utterance:
    """The end of a user turn: speech ended (audio), or typed text (test mode)."""

    turn: int
    stream: RecognitionStream | None
    text: str | None
    wake: bool
    follow_up: bool
    speech_end_s: float
    decided_s: float
    t_decided: float
    truncated: bool = False
    """True when the maximum utterance length cut the speech."""


@dataclass(frozen=True)
class Interrupt:
    """Stop the current reply now (barge-in or shutdown); jumps the queue."""

    reason: str


@dataclass(frozen=True)
class Announcement:
    """Speech nobody asked for, e.g. a finished timer."""

    text: str


@dataclass
class TurnTimings:
    """Latency of one turn; see `latency_ms` for the derived figures."""

    eos_delay_ms: float = 0.0
    t_decided: float = 0.0
    t_transcript: float | None = None
    t_routed: float | None = None
    t_first_token: float | None = None
    t_first_synth: float | None = None
    t_first_audio: float | None = None

    def latency_ms(self) -> dict[str, float | None]:
        def since(t: float | None) -> float | None:
            return None if t is None else round(1000.0 * (t - self.t_decided), 1)

        first_audio = since(self.t_first_audio)
        return {
            "eos_delay": round(self.eos_delay_ms, 1),
            "stt": since(self.t_transcript),
            "intent": since(self.t_routed),
            "first_token": since(self.t_first_token),
            "first_synth": since(self.t_first_synth),
            "first_audio": first_audio,
            "end_of_speech_to_first_audio": None if first_audio is None
            else round(self.eos_delay_ms + first_audio, 1),
        }


@dataclass
class TurnResult:
    """What one user turn produced; the test mode's report is built from these."""

    turn: int
    transcript: str
    wake: bool
    follow_up: bool
    route: str
    intent: str | None
    slots: dict[str, Any]
    reply: str
    interrupted: bool
    timings: TurnTimings
    expects_reply: bool = False
    truncated: bool = False
    tokens: int = 0
    t_last_token: float | None = None
    reply_audio_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TurnFinished:
    result: TurnResult


@dataclass(frozen=True)
class AnnouncementSpoken:
    text: str


Event = (WakeDetected | SpeechStarted | ListenTimeout | Utterance | Interrupt | Announcement
         | TurnFinished | AnnouncementSpoken)

"""The messages that flow between a session's stages: plain, immutable data.

No event carries an engine object or anything live: audio goes into the listener,
text, timings and verdicts come out. That keeps every stage testable on its own and
lets a session run on a remote satellite's audio as well as on a local microphone.

Times named `*_s` are on the session's stream clock: seconds of microphone audio
processed since the session started (the virtual clock of the test mode). Times named
`t_*` are wall-clock `time.perf_counter()` readings, used for latency.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Route(str, enum.Enum):
    """Who answered a turn."""

    SKILL = "skill"
    """A command the skills know (intent match)."""
    LLM = "llm"
    """Open conversation: the chat model."""
    CONTROL = "control"
    """"Stop", "cancel", "never mind": ends the reply, says nothing."""
    UNCLEAR = "unclear"
    """The recognizer was not sure what it heard: the assistant asks again."""
    NONE = "none"
    """Nothing to answer (only the wake word, or an interrupted turn)."""


class Completeness(str, enum.Enum):
    """Whether what was said so far is already a whole request (see `Router.is_complete`):
    the listener then ends the utterance without waiting out the full silence."""

    COMMAND = "command"
    QUESTION = "question"


class InputKind(str, enum.Enum):
    SPEECH = "speech"
    TEXT = "text"


class InterruptReason(str, enum.Enum):
    WAKE_WORD = "wake word"
    SPEECH = "speech"
    SHUTDOWN = "shutdown"


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
class UtteranceEnded:
    """The user stopped speaking; the final transcript is being decoded."""

    turn: int
    wake: bool
    follow_up: bool
    speech_end_s: float
    """Where the last speech frame ended."""
    decided_s: float
    """When the listener decided the user had finished."""
    t_decided: float
    truncated: bool = False
    """True when the maximum utterance length cut the speech."""


@dataclass(frozen=True)
class UserTurn:
    """What the user said (recognized speech) or typed: the responder's input."""

    turn: int
    text: str
    kind: InputKind
    wake: bool
    """The turn began with the wake word: a new conversation (see memory settings)."""
    follow_up: bool
    t_decided: float
    eos_delay_ms: float = 0.0
    """From the end of speech to the listener's decision (0 for typed text)."""
    t_transcript: float | None = None
    truncated: bool = False
    heard_clearly: bool = True
    """False when the recognizer's confidence says the words may never have been said."""
    language: str | None = None
    """The language the recognizer heard (None: typed, or not said)."""
    alternatives: tuple[str, ...] = ()
    """The recognizer's other readings of the words, in the same language."""
    elsewhere: tuple[tuple[str, str], ...] = ()
    """(language, text): the same audio read in another language (a doubtful detection)."""


@dataclass(frozen=True)
class Interrupt:
    """Stop the current reply now (barge-in or shutdown); jumps the queue."""

    reason: InterruptReason


@dataclass(frozen=True)
class Announcement:
    """Speech nobody asked for, e.g. a finished timer."""

    text: str


@dataclass(frozen=True)
class AnnouncementSpoken:
    text: str


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class TurnResult:
    """What one user turn produced; the test mode's report is built from these."""

    turn: int
    transcript: str
    wake: bool
    follow_up: bool
    route: Route
    intent: str | None
    slots: dict[str, Any]
    reply: str
    interrupted: bool
    timings: TurnTimings
    expects_reply: bool = False
    truncated: bool = False
    tokens: int = 0
    t_last_token: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    language: str = ""
    """The language of the reply (a code)."""


@dataclass(frozen=True)
class TurnFinished:
    result: TurnResult


Event = (WakeDetected | SpeechStarted | ListenTimeout | UtteranceEnded | UserTurn | Interrupt
         | Announcement | AnnouncementSpoken | TurnFinished)

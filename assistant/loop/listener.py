"""The front end: wake word, voice activity and end of speech, on 16 kHz mono blocks.

A state machine fed one microphone block at a time (by the microphone worker, or
directly by the test mode's driver, so both run the same code):

    IDLE --wake word--> AWAKE --speech--> CAPTURING --trailing silence--> BUSY
      ^                   |  (timeout)                                      |
      +-------------------+<------- reply finished, follow-up window -------+

While BUSY (the assistant is answering) only the wake word is listened for (or, with
`barge_in = "speech"`, any speech), and it interrupts the reply (barge-in).
Every block of an utterance goes to the listener's own recognizer stream as it arrives;
when speech ends it emits `UtteranceEnded`, and `UserTurn` (the words, and the language
heard) once the shared recognizer has decoded them, from whichever thread finished the
decode. The listener never waits.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field

from assistant.audio import Audio, to_speech
from assistant.config import BargeIn
from assistant.engines.stt import RecognitionStream, SpeechRecognizer, Transcript, heard_clearly
from assistant.engines.stt.split import SplitStream
from assistant.engines.vad import VoiceActivityDetector
from assistant.engines.wake import WakeWordDetector
from assistant.logs import SAID
from assistant.loop.events import (
    Completeness,
    Event,
    InputKind,
    Interrupt,
    InterruptReason,
    ListenTimeout,
    SpeechStarted,
    UserTurn,
    UtteranceEnded,
    WakeDetected,
)

log = logging.getLogger(__name__)


#: A wake word is over within this long after speech starts.
WAKE_WORD_MAX_MS = 2000
#: With `barge_in = "speech"`: the frames (32 ms) over which speech is counted.
BARGE_IN_WINDOW_FRAMES = 16


class State(enum.Enum):
    IDLE = "idle"
    AWAKE = "awake"
    CAPTURING = "capturing"
    BUSY = "busy"


@dataclass(frozen=True)
class ListenerSettings:
    wake_enabled: bool = True
    follow_up_ms: int = 5000
    threshold: float = 0.5
    silence_ms: int = 500
    min_speech_ms: int = 150
    max_utterance_ms: int = 15000
    no_speech_timeout_ms: int = 5000
    barge_in: BargeIn = BargeIn.WAKE
    pre_roll_ms: int = 250
    barge_in_speech_ms: int = 300
    hint: str = ""
    """What people usually say to this assistant (the skills' vocabulary): a soft bias."""
    barge_in_hint: str = ""
    """Words likely right after interrupting the assistant (the language's "Stop. Cancel."):
    a soft bias (tiny.en hears a lone "stop" as "star" now and then)."""
    hints: Mapping[str, str] = field(default_factory=dict)
    barge_in_hints: Mapping[str, str] = field(default_factory=dict)
    """Per language code, the two above (a recognizer that detects the language takes
    those of the language it hears)."""
    wake_tail_ms: int = 300
    """After the wake word, speech this long is its tail, unless a pause comes first."""
    predecode_ms: int = 100
    """Silence after which the recognizer starts decoding early (the user may be done)."""
    early_cut_ms: int = 0
    """If > 0: end the utterance after this much silence when what was said so far is a
    complete command, instead of waiting for the full `silence_ms`."""
    min_confidence: float = 0.0
    """A transcript the recognizer is less sure of is not heard clearly."""
    question_cut_ms: int = 300
    """The same for a question: longer, as people pause inside questions ("What is the
    capital of... France?") and the recognizer may put a "?" after the fragment."""


class Listener:
    """Turns microphone blocks into events; `process` is called for every block."""

    def __init__(self, *, recognizer: SpeechRecognizer, vad: VoiceActivityDetector,
                 wake: WakeWordDetector | None, settings: ListenerSettings,
                 emit: Callable[[Event], None],
                 is_complete: Callable[[str], Completeness | None] | None = None,
                 owner: str = "", final: SpeechRecognizer | None = None,
                 read_ahead: Callable[[str, bool], None] | None = None) -> None:
        """`is_complete(text)` says whether `text` is already a whole request (see
        `early_cut_ms`); `read_ahead(text, wake)` is told the early transcript of a question
        once (the chat model reads it while the question's silence runs out), and whether
        it came after the wake word. `owner` names the session to the shared recognizer
        (whose turn its decodes are). With a `final` recognizer, the recognizer's
        transcript is kept for commands only (`is_complete` says COMMAND) and `final`
        writes every other turn, without the hint (see `SplitStream`)."""
        self._recognizer = recognizer
        self._final = final
        self._vad = vad
        self._wake = wake if settings.wake_enabled else None
        self._settings = settings
        self._emit = emit
        self._is_complete = is_complete
        self._read_ahead = read_ahead
        self._read = ""
        """The early transcript `read_ahead` was last told of."""
        self._owner = owner
        self._lock = threading.RLock()
        self.state = State.IDLE if self._wake is not None else State.AWAKE
        self.now_s = 0.0
        self._awake_since = 0.0
        self._awake_timeout_ms: float | None = None
        self._awake_by_wake = False
        self._in_wake_tail = False
        self._after_barge_in = False
        self._follow_up = False
        self._recent: deque[Audio] = deque()
        self._stream: RecognitionStream | None = None
        self._capture_start = 0.0
        self._last_voiced = 0.0
        self._voiced_ms = 0.0
        self._held: list[Audio] = []
        self._prepared = False
        self._last_block_voiced = False
        self._barge_frames: deque[bool] = deque(maxlen=BARGE_IN_WINDOW_FRAMES)
        self._turn = 0
        self._busy_turn: int | None = None

    # -- called from other threads ------------------------------------------------------

    def reply_finished(self, turn: int, follow_up: bool) -> None:
        """The answer to `turn` has been spoken (or there was none): listen again."""
        with self._lock:
            if self.state is not State.BUSY or self._busy_turn != turn:
                return  # barge-in already moved on
            self._busy_turn = None
            if follow_up and self._settings.follow_up_ms > 0:
                self._enter_awake(timeout_ms=self._settings.follow_up_ms, follow_up=True)
            else:
                self._enter_idle()

    def wake_elsewhere(self) -> None:
        """A wake word heard by another detector (a satellite's own): listen for the
        request now, as if this listener had heard it."""
        with self._lock:
            self._on_wake()

    # -- the block loop -------------------------------------------------------------------

    def process(self, block: Audio) -> None:
        block = to_speech(block)
        with self._lock:
            self._process(block)

    def _process(self, block: Audio) -> None:
        start_s = self.now_s
        self.now_s += block.seconds
        if self.state is State.CAPTURING:
            if self._wake_word_opens_capture(block):
                self._stream = None  # it was the wake word, not the request: start again
                self._on_wake()
                return
            self._capture(block, start_s)
            return
        heard_wake = self._wake is not None and self._wake.process(block)
        if heard_wake:
            self._wake.reset()  # type: ignore[union-attr]
            self._on_wake()
            return
        if self.state is State.BUSY:
            self._watch_speech_barge_in(block)
        elif self.state is State.AWAKE:
            self._await_speech(block, start_s)

    def _wake_word_opens_capture(self, block: Audio) -> bool:
        """In the follow-up window speech starts a capture at once; if that speech is the
        wake word ("Hey Jarvis, open the blinds"), the request only starts after it."""
        if self._wake is None or self._awake_by_wake:
            return False
        if (self.now_s - self._capture_start) * 1000 > WAKE_WORD_MAX_MS:
            return False
        if self._wake.process(block):
            self._wake.reset()
            return True
        return False

    def _on_wake(self) -> None:
        barge_in = self.state is State.BUSY
        if barge_in:
            if self._settings.barge_in is BargeIn.OFF:
                return
            self._busy_turn = None
            self._emit(Interrupt(InterruptReason.WAKE_WORD))
        self._emit(WakeDetected(self.now_s, barge_in=barge_in))
        self._enter_awake(timeout_ms=self._settings.no_speech_timeout_ms, follow_up=False,
                          by_wake=True, barge_in=barge_in)

    def _enter_idle(self) -> None:
        if self._wake is None:
            self._enter_awake(timeout_ms=None, follow_up=False)
            return
        self.state = State.IDLE
        self._recent.clear()

    def _enter_awake(self, *, timeout_ms: float | None, follow_up: bool,
                     by_wake: bool = False, barge_in: bool = False) -> None:
        self.state = State.AWAKE
        self._awake_since = self.now_s
        self._awake_timeout_ms = timeout_ms
        self._awake_by_wake = by_wake
        self._in_wake_tail = by_wake
        self._last_block_voiced = by_wake  # right after the wake word, its tail is speech
        self._after_barge_in = barge_in
        self._follow_up = follow_up
        self._recent.clear()
        self._vad.reset()

    def _frames(self, block: Audio) -> tuple[list[float], bool]:
        """VAD scores of the block's complete frames, and whether the block is speech. A
        block shorter than the rest of a frame has no score: it keeps the last verdict."""
        scores = self._vad.process(block)
        if scores:
            self._last_block_voiced = any(p >= self._settings.threshold for p in scores)
        return scores, self._last_block_voiced

    def _frame_end_s(self, scores: list[float], index: int) -> float:
        """Stream time at which frame `index` of the latest `process` call ended."""
        later = len(scores) - 1 - index
        return self.now_s - self._vad.pending_ms / 1000.0 - later * self._vad.frame_ms / 1000.0

    def _await_speech(self, block: Audio, start_s: float) -> None:
        scores, voiced = self._frames(block)
        if self._in_wake_tail:
            # The detector fires before the wake word has quite ended: its last syllable
            # ("...vis") is not the request. Skip it until the first pause.
            tail_ms = (self.now_s - self._awake_since) * 1000
            if voiced and tail_ms < self._settings.wake_tail_ms:
                return
            self._in_wake_tail = False
        self._recent.append(block)
        while sum(b.ms for b in self._recent) > self._settings.pre_roll_ms + block.ms:
            self._recent.popleft()
        if voiced:
            self._start_capture(start_s)
            return
        timeout = self._awake_timeout_ms
        if timeout is not None and (self.now_s - self._awake_since) * 1000 >= timeout:
            self._emit(ListenTimeout(self.now_s, follow_up=self._follow_up))
            self._enter_idle()

    def _start_capture(self, start_s: float) -> None:
        self.state = State.CAPTURING
        self._emit(SpeechStarted(start_s))
        settings, barge = self._settings, self._after_barge_in
        # the barge-in words last: a hint too long for Whisper loses its front
        hints = {code: " ".join(filter(None, [words, barge * settings.barge_in_hints.get(
            code, "")])) for code, words in settings.hints.items()}
        hint = " ".join(filter(None, [settings.hint, barge * settings.barge_in_hint]))
        self._stream = self._recognizer.stream(hint=hint or None, hints=hints or None,
                                               owner=self._owner)
        if self._final is not None:
            self._stream = SplitStream(self._stream, self._final.stream(owner=self._owner),
                                       keep_early=self._is_command,
                                       start_final=self._is_question)
        self._capture_start = self.now_s - sum(b.seconds for b in self._recent)
        self._last_voiced = self.now_s
        self._voiced_ms = 0.0
        self._held = []
        self._prepared = False
        self._last_block_voiced = True
        self._read = ""
        for past in self._recent:
            self._stream.accept(past)
        self._recent.clear()

    def _capture(self, block: Audio, start_s: float) -> None:
        """One block of an utterance. After `predecode_ms` of silence the recognizer starts
        decoding; later silent blocks are held back from it until speech resumes, so that
        decode stays valid when the user has in fact finished."""
        assert self._stream is not None
        settings = self._settings
        scores, voiced = self._frames(block)
        for i, p in enumerate(scores):
            if p >= settings.threshold:
                self._voiced_ms += self._vad.frame_ms
                self._last_voiced = self._frame_end_s(scores, i)
        if voiced:
            for held in self._held:
                self._stream.accept(held)
            self._held = []
            self._prepared = False
            self._stream.accept(block)
        elif not self._prepared:
            self._stream.accept(block)  # a short pause: the end of a word can be quiet
        else:
            self._held.append(block)
        silence_ms = (self.now_s - self._last_voiced) * 1000
        length_ms = (self.now_s - self._capture_start) * 1000
        long_enough = self._voiced_ms >= settings.min_speech_ms
        if long_enough and not self._prepared and silence_ms >= settings.predecode_ms:
            self._stream.prepare()
            self._prepared = True
        if silence_ms >= settings.silence_ms:
            if long_enough:
                self._finish_utterance(truncated=False)
            else:  # a click or a cough: keep waiting for real speech, on the same clock
                self._stream = None
                self.state = State.AWAKE
                self._recent.clear()
        elif length_ms >= settings.max_utterance_ms:
            for held in self._held:
                self._stream.accept(held)
            self._finish_utterance(truncated=True)
        elif (self._prepared and settings.early_cut_ms and silence_ms >= settings.early_cut_ms
              and self._is_complete is not None):
            text = self._stream.prepared_text() or ""
            kind = self._is_complete(text) if text else None
            if kind is Completeness.QUESTION and self._read_ahead and text != self._read:
                self._read = text
                self._read_ahead(text, self._awake_by_wake)
            if kind is Completeness.COMMAND or (kind is Completeness.QUESTION
                                                and silence_ms >= settings.question_cut_ms):
                self._finish_utterance(truncated=False)

    def _is_command(self, text: str) -> bool:
        return (self._is_complete is not None
                and self._is_complete(text) is Completeness.COMMAND)

    def _is_question(self, text: str) -> bool:
        return (self._is_complete is not None
                and self._is_complete(text) is Completeness.QUESTION)

    def _finish_utterance(self, *, truncated: bool) -> None:
        stream, self._stream = self._stream, None
        assert stream is not None
        self._turn += 1
        self._busy_turn = self._turn
        self.state = State.BUSY
        self._barge_frames.clear()
        self._vad.reset()
        if self._wake is not None:
            self._wake.reset()
        ended = UtteranceEnded(turn=self._turn, wake=self._awake_by_wake,
                               follow_up=self._follow_up, speech_end_s=self._last_voiced,
                               decided_s=self.now_s, t_decided=time.perf_counter(),
                               truncated=truncated)
        self._emit(ended)
        stream.finish().add_done_callback(lambda done: self._transcribed(ended, done))

    def _transcribed(self, ended: UtteranceEnded, done: Future[Transcript]) -> None:
        """The final transcript is ready (on the decoding thread): the user's turn."""
        if done.cancelled():
            return  # the session is closing
        try:
            transcript = done.result()
        except Exception:  # noqa: BLE001 - the turn still ends, with nothing heard
            log.exception("speech recognition failed")
            transcript = Transcript("", "none", "", 0.0)
        clear = heard_clearly(transcript, threshold=self._settings.min_confidence)
        if not clear:
            log.debug("not heard clearly (confidence %.2f): %s", transcript.confidence,
                      transcript.text, extra=SAID)
        self._emit(UserTurn(
            turn=ended.turn, text=transcript.text, kind=InputKind.SPEECH, wake=ended.wake,
            follow_up=ended.follow_up, t_decided=ended.t_decided,
            eos_delay_ms=1000.0 * (ended.decided_s - ended.speech_end_s),
            t_transcript=time.perf_counter(), truncated=ended.truncated, heard_clearly=clear,
            language=transcript.language or None, alternatives=transcript.alternatives,
            elsewhere=transcript.elsewhere))

    def _watch_speech_barge_in(self, block: Audio) -> None:
        if self._settings.barge_in is not BargeIn.SPEECH:
            return
        scores, _ = self._frames(block)
        self._barge_frames.extend(p >= self._settings.threshold for p in scores)
        voiced_ms = sum(self._barge_frames) * self._vad.frame_ms
        if voiced_ms >= self._settings.barge_in_speech_ms:  # most of the last half second
            self._busy_turn = None
            self._emit(Interrupt(InterruptReason.SPEECH))
            self._emit(WakeDetected(self.now_s, barge_in=True))
            self._enter_awake(timeout_ms=self._settings.no_speech_timeout_ms, follow_up=False,
                              by_wake=False, barge_in=True)

    def typed_turn(self, text: str, *, wake: bool = False) -> int:
        """A typed turn (test mode `text:`, `chat`): answered like speech, and the listener
        waits for its reply like any other. Returns the turn number."""
        with self._lock:
            self._turn += 1
            self._busy_turn = self._turn
            self.state = State.BUSY
            turn = self._turn
        self._emit(UserTurn(turn=turn, text=text, kind=InputKind.TEXT, wake=wake,
                            follow_up=False, t_decided=time.perf_counter()))
        return turn

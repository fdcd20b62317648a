"""The voice loop: listener -> responder -> speaker, wired by typed events.

`Pipeline` is the one object both `assistant run` (microphone and sound card) and
the test mode (scripted audio and a capturing sink) drive: only the device differs.
Audio goes in through `feed`; replies come out of the sink it was given.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from assistant.audio import Audio, silence, to_speech
from assistant.config import Config
from assistant.engines.stt import SpeechRecognizer
from assistant.engines.tts import SpeechSynthesizer
from assistant.engines.vad import VoiceActivityDetector
from assistant.engines.wake import WakeWordDetector
from assistant.loop.controls import AssistantControls
from assistant.loop.events import Announcement, Event, Interrupt, Utterance, WakeDetected
from assistant.loop.listener import Listener, ListenerSettings, State
from assistant.loop.responder import Responder, strip_wake_phrase
from assistant.loop.router import Router
from assistant.loop.speaker import BufferedSink, Speaker

log = logging.getLogger(__name__)


@dataclass
class Engines:
    """Every loaded model the loop needs; loaded once, before listening starts."""

    recognizer: SpeechRecognizer
    vad: VoiceActivityDetector
    wake: WakeWordDetector | None
    voice: SpeechSynthesizer
    router: Router
    controls: AssistantControls
    load_seconds: float = 0.0
    new_conversation_on_wake: bool = True


def load_engines(config: Config, *, wake: bool = True,
                 wallclock: Callable[[], datetime] = datetime.now) -> Engines:
    """Load recognizer, VAD, wake word, voice and router (chat model + skills)."""
    from assistant.assembly import build_router, model_store
    from assistant.engines.stt import load_recognizer
    from assistant.engines.tts import load_synthesizer
    from assistant.engines.vad import SileroVad
    from assistant.engines.wake import MicroWakeWordDetector

    start = time.perf_counter()
    store = model_store(config)
    controls = AssistantControls(volume=config.audio.volume)
    recognizer: SpeechRecognizer = load_recognizer(config.stt, store)
    voice = load_synthesizer(config.tts, store)
    router = build_router(config, controls=controls, wallclock=wallclock)
    detector = MicroWakeWordDetector(config.wake.word) if wake and config.wake.enabled else None
    engines = Engines(recognizer=recognizer, vad=SileroVad(), wake=detector, voice=voice,
                      router=router, controls=controls,
                      new_conversation_on_wake=config.memory.new_conversation_on_wake)
    warm_up(engines)
    if config.privacy.record_dir:  # after the warm-up: only the user's words are recorded
        from assistant.privacy.recorder import RecordingRecognizer

        engines.recognizer = RecordingRecognizer(
            recognizer, Path(config.privacy.record_dir).expanduser())
    engines.load_seconds = time.perf_counter() - start
    return engines


def warm_up(engines: Engines) -> None:
    """Run every engine once, so the first real turn does not pay for lazy set-up; the
    chat model keeps the system prompt in its KV cache for every later turn. The
    recognizer warms up on real speech (the voice saying "Ready."): on silence or a tone,
    Whisper's short-window decode would take its slow fallback path instead."""
    quiet = silence(300)
    spoken = [to_speech(block) for block in engines.voice.synthesize("Ready.")]
    stream = engines.recognizer.stream()
    for block in [quiet, *spoken, quiet]:
        stream.accept(block)
    stream.finish()
    engines.vad.process(quiet)
    engines.vad.reset()
    if engines.wake is not None:
        engines.wake.process(quiet)
        engines.wake.reset()
    engines.router.warm_up()


def listener_settings(config: Config, *, wake: bool = True) -> ListenerSettings:
    return ListenerSettings(
        wake_enabled=wake and config.wake.enabled, follow_up_ms=config.wake.follow_up_ms,
        threshold=config.vad.threshold, silence_ms=config.vad.silence_ms,
        min_speech_ms=config.vad.min_speech_ms, max_utterance_ms=config.vad.max_utterance_ms,
        no_speech_timeout_ms=config.vad.no_speech_timeout_ms, barge_in=config.audio.barge_in,
        early_cut_ms=config.vad.early_cut_ms, question_cut_ms=config.vad.question_cut_ms,
    )


class Pipeline:
    """Owns the listener, responder and speaker; `feed` it microphone blocks."""

    def __init__(self, engines: Engines, *, sink: BufferedSink,
                 settings: ListenerSettings) -> None:
        self.engines = engines
        self.sink = sink
        self._observers: list[Callable[[Event], None]] = []
        hint = getattr(engines.router.skills, "hint", "")
        if hint and not settings.hint:
            settings = dataclasses.replace(settings, hint=hint)
        self.speaker = Speaker(engines.voice, sink, volume=engines.controls.volume)
        skills = engines.router.skills
        announcements = getattr(skills, "due_announcements", None)
        phrase = engines.wake.phrase if engines.wake is not None else ""

        def is_complete(text: str) -> str | None:
            return engines.router.is_complete(strip_wake_phrase(text, phrase))

        self.listener = Listener(recognizer=engines.recognizer, vad=engines.vad,
                                 wake=engines.wake, settings=settings, emit=self._emit,
                                 announcements=announcements, is_complete=is_complete)
        self.responder = Responder(router=engines.router, speaker=self.speaker,
                                   controls=engines.controls, emit=self._emit,
                                   reply_done=self.listener.reply_finished, wake_phrase=phrase,
                                   new_conversation_on_wake=engines.new_conversation_on_wake)
        self._started = False

    def observe(self, callback: Callable[[Event], None]) -> None:
        """Call `callback` with every event (from the thread that produced it)."""
        self._observers.append(callback)

    def start(self) -> None:
        if not self._started:
            self.speaker.start()
            self.responder.start()
            self._started = True

    def stop(self) -> None:
        if self._started:
            self.responder.stop()
            self.speaker.stop()
            self._started = False

    def __enter__(self) -> Pipeline:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def feed(self, block: Audio) -> None:
        """One microphone block, in any format (the listener converts to 16 kHz mono)."""
        self.listener.process(block)

    def submit_text(self, text: str) -> int:
        """A typed turn: skips the audio front end, answered like speech. Returns the turn."""
        turn = self.listener.begin_typed_turn()
        now = self.listener.now_s
        self._emit(Utterance(turn=turn, stream=None, text=text, wake=False, follow_up=False,
                             speech_end_s=now, decided_s=now, t_decided=time.perf_counter()))
        return turn

    def busy(self) -> bool:
        """True while a turn is being captured, answered or played."""
        return (self.listener.state in (State.CAPTURING, State.BUSY)
                or self.responder.busy() or self.sink.pending_ms() > 0)

    @property
    def now_s(self) -> float:
        return self.listener.now_s

    def _emit(self, event: Event) -> None:
        if isinstance(event, Interrupt):
            self.responder.interrupt()
        elif isinstance(event, WakeDetected) and not event.barge_in and (
                not self.speaker.idle() or self.sink.pending_ms() > 0):
            self.speaker.flush()  # the wake word also silences an announcement
        elif isinstance(event, Utterance):
            self.responder.submit(event)
        elif isinstance(event, Announcement):
            self.responder.announce(event.text)
        for callback in self._observers:
            try:
                callback(event)
            except Exception:  # noqa: BLE001 - an observer must not break the loop
                log.exception("event observer failed")

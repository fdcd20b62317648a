"""A session: one conversation on one audio endpoint, over the engines everyone shares.

`assistant run` is one session on the local microphone and speaker, the test mode one
session on scripted audio and a capturing speaker, a Wyoming satellite one session on
a network connection: only the endpoint differs. A session owns its listener state,
conversation memory, skills (timers, pending confirmations), reply queue and speaker;
the engines (recognizer, voice, chat model, VAD and wake-word models, the home) are
loaded once and shared, their CPU-heavy work queued fairly between sessions.

Audio goes in through `feed`; replies come out of the sink the session was given.
Lifecycle: `start()` starts the responder; `close()` interrupts, joins it, drops queued
work and releases the session's detectors. The engines are closed by their owner.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from assistant.audio import Audio
from assistant.engines.llm import ChatModel
from assistant.language import Language
from assistant.loop.clock import Clock
from assistant.loop.controls import AssistantControls
from assistant.loop.conversation import Conversation
from assistant.loop.events import (
    AnnouncementSpoken,
    Completeness,
    Event,
    Interrupt,
    InterruptReason,
    TurnFinished,
    UserTurn,
    WakeDetected,
)
from assistant.loop.listener import Listener, ListenerSettings, State
from assistant.loop.memory import ConversationMemory
from assistant.loop.output import BufferedSink
from assistant.loop.responder import Responder, strip_wake_phrase
from assistant.loop.ringer import Ringer, chime
from assistant.loop.router import ChatSettings, Router, Speaking
from assistant.loop.shared import Engines, Tongue
from assistant.loop.speaker import Speaker
from assistant.skills import Capabilities, SkillsEngine
from assistant.skills.home_access import HomeAccess

log = logging.getLogger(__name__)

WALL_RECHECK_S = 60.0
"""Alarms are due on the wall clock, which may jump (a clock set at boot, summer time):
the session looks again at least this often while one is waiting."""
ALARM_MIN_VOLUME = 0.3
"""An alarm's chime is never quieter than this, even with the volume turned down."""


@dataclass(frozen=True)
class SessionSettings:
    """What one conversation needs from the configuration, resolved for its language by
    the assembly (`assistant.assembly.session_settings`)."""

    chat: ChatSettings
    listener: ListenerSettings = ListenerSettings()
    memory_tokens: int = 768
    new_conversation_on_wake: bool = True
    volume: float = 1.0
    alarm_every_s: float = 6.0
    """A ringing alarm's chime is played again this often."""
    alarm_limit_s: float = 600.0
    """An alarm nobody stops rings this long."""
    chats: Mapping[str, ChatSettings] = field(default_factory=dict)
    """The chat settings of the other languages spoken, by code (else `chat`)."""


def conversation(*, language: Language, chat: ChatModel | None,
                 skills_engine: SkillsEngine | None, settings: SessionSettings,
                 owner: str = "", wallclock: Callable[[], datetime] = datetime.now,
                 capabilities: Capabilities | None = None,
                 others: Sequence[Tongue] = (),
                 home: HomeAccess | None = None) -> Conversation:
    """One conversation over what every conversation shares (the language, the chat
    model, the skills' home): its own memory, controls and skills (timers,
    confirmations). What a session, the Wyoming conversation agent and `assistant chat`
    each talk to. `others`: more languages it speaks, with the same memory, timers and
    controls; `home`: another view of the home, such as the agent's, whose commands Home
    Assistant carries out."""
    memory = ConversationMemory(max_tokens=settings.memory_tokens,
                                count_tokens=chat.count_tokens if chat else _rough_tokens)
    controls = AssistantControls(memory, volume=settings.volume)
    skills = (skills_engine.session(controls=controls, wallclock=wallclock,
                                    capabilities=capabilities, room=owner or "local",
                                    home=home)
              if skills_engine is not None else None)
    speaking = [Speaking(tongue.language,
                         tongue.skills.session(controls=controls, wallclock=wallclock,
                                               capabilities=capabilities, room=owner or "local",
                                               along=skills)
                         if tongue.skills is not None else None,
                         settings.chats.get(tongue.language.code, settings.chat))
                for tongue in others]
    router = Router(chat=chat, skills=skills, memory=memory, language=language,
                    settings=settings.chat, owner=owner, others=speaking,
                    grounding=skills_engine.grounding if skills_engine is not None else None)
    return Conversation(router=router, controls=controls)


def _rough_tokens(text: str) -> int:
    """About four characters per token, for when no tokenizer is loaded."""
    return max(1, len(text) // 4)


class Session:
    """Owns the listener, responder and speaker of one conversation; `feed` it audio."""

    def __init__(self, engines: Engines, *, sink: BufferedSink, settings: SessionSettings,
                 clock: Clock, name: str = "local",
                 wallclock: Callable[[], datetime] = datetime.now) -> None:
        """`clock` runs the skills' timers; `wallclock` is the time of day they tell."""
        self.name = name
        self.engines = engines
        self.sink = sink
        self.clock = clock
        self._wallclock = wallclock
        self.conversation = conversation(language=engines.language, chat=engines.chat,
                                         skills_engine=engines.skills, settings=settings,
                                         owner=name, wallclock=wallclock,
                                         others=engines.others)
        self.controls = self.conversation.controls
        self.router = self.conversation.router
        self._observers: list[Callable[[Event], None]] = []
        self._timer_armed: float | None = None
        self._lock = threading.Lock()
        listener_settings = settings.listener
        skills = self.router.skills
        if skills is not None and skills.hint and not listener_settings.hint:
            listener_settings = dataclasses.replace(listener_settings, hint=skills.hint)
        if engines.others:  # a recognizer that detects the language: a hint for each
            listener_settings = dataclasses.replace(
                listener_settings,
                hints={s.language.code: s.skills.hint for s in self.router.speaking
                       if s.skills is not None},
                barge_in_hints={s.language.code: s.language.barge_in_hint
                                for s in self.router.speaking})
        self._vad = engines.vad.detector()
        self._wake = engines.wake.detector() if engines.wake is not None else None
        self.phrase = engines.wake.phrase if engines.wake is not None else ""
        self._new_topic_on_wake = settings.new_conversation_on_wake
        self.speaker = Speaker(engines.voice, engines.synthesis, sink, owner=name,
                               volume=self.controls.volume, phrases=engines.phrases)
        self.listener = Listener(recognizer=engines.recognizer, vad=self._vad, wake=self._wake,
                                 settings=listener_settings, emit=self._emit,
                                 is_complete=self._is_complete, owner=name,
                                 final=engines.final_recognizer, read_ahead=self._read_ahead)
        self.responder = Responder(
            conversation=self.conversation, speaker=self.speaker,
            emit=self._emit, reply_done=self.listener.reply_finished, now=clock.now,
            wake_phrase=self.phrase, new_conversation_on_wake=settings.new_conversation_on_wake)
        self.ringer = Ringer(clock=clock, play=self._chime, busy=self._talking,
                             ringing=lambda: skills is not None and skills.ringing(),
                             over=self._ring_over, every_s=settings.alarm_every_s,
                             limit_s=settings.alarm_limit_s)
        self._started = False

    def observe(self, callback: Callable[[Event], None]) -> None:
        """Call `callback` with every event (from the thread that produced it)."""
        self._observers.append(callback)

    def start(self) -> None:
        if not self._started:
            self.responder.start()
            self._started = True
            self._arm_timers()

    def close(self) -> None:
        """Stop answering (the reply in progress is cut), join the responder, cancel this
        session's queued work and release its detectors. Idempotent."""
        self.ringer.stop()
        if self._started:
            self.responder.stop()
            self._started = False
        self.speaker.flush()
        self._vad.reset()
        if self._wake is not None:
            self._wake.close()
            self._wake = None

    def __enter__(self) -> Session:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def feed(self, block: Audio) -> None:
        """One microphone block, in any format (the listener converts to 16 kHz mono)."""
        self.listener.process(block)

    def wake(self) -> None:
        """The wake word was heard elsewhere (a satellite's own detector): listen now."""
        self.listener.wake_elsewhere()

    def submit_text(self, text: str, *, wake: bool = False) -> int:
        """A typed turn: skips the audio front end, answered like speech. `wake`: it
        begins a new conversation like a spoken wake word. Returns the turn."""
        return self.listener.typed_turn(text, wake=wake)

    def busy(self) -> bool:
        """True while a turn is being captured, answered or played."""
        return (self.listener.state in (State.CAPTURING, State.BUSY)
                or self.responder.busy() or self.sink.pending_ms() > 0)

    @property
    def now_s(self) -> float:
        return self.listener.now_s

    def announce(self, text: str) -> None:
        """Say something nobody asked for (a finished timer), between two sentences of a
        reply if one is playing."""
        def heard(_: str) -> None:
            self.controls.said(text, announcement=True)
            self._emit(AnnouncementSpoken(text))

        self.speaker.say(text, urgent=True, on_start=heard)

    def _is_complete(self, text: str) -> Completeness | None:
        return self.router.is_complete(strip_wake_phrase(text, self.phrase))

    def _read_ahead(self, text: str, wake: bool) -> None:
        """On the audio thread: whatever goes wrong only loses the head start."""
        try:
            self.router.prepare(strip_wake_phrase(text, self.phrase),
                                new_topic=wake and self._new_topic_on_wake)
        except Exception:  # noqa: BLE001 - the reply reads its prompt itself
            log.warning("reading the question ahead failed", exc_info=True)

    def _emit(self, event: Event) -> None:
        if isinstance(event, Interrupt):
            self.responder.interrupt()
        elif isinstance(event, WakeDetected) and not event.barge_in and (
                not self.speaker.idle() or self.sink.pending_ms() > 0):
            self.speaker.flush()  # the wake word also silences an announcement
        elif isinstance(event, UserTurn):
            for notice in self.engines.take_notices():  # once per process, before an answer
                self.announce(notice)
            self.responder.submit(event)
        elif isinstance(event, TurnFinished):
            self._arm_timers()
        for callback in self._observers:
            try:
                callback(event)
            except Exception:  # noqa: BLE001 - an observer must not break the loop
                log.exception("event observer failed")

    def _arm_timers(self) -> None:
        """Have the clock call back when the next timer, alarm or reminder is due (once
        per due time; a wall-clock one is looked at again after WALL_RECHECK_S)."""
        skills = self.router.skills
        due = skills.next_due() if skills is not None else None
        wall = skills.next_wall_due() if skills is not None else None
        if wall is not None:
            ahead = (wall - self._wallclock()).total_seconds()
            when = self.clock.now() + min(max(ahead, 0.0), WALL_RECHECK_S)
            due = when if due is None else min(due, when)
        with self._lock:
            if due is None or (self._timer_armed is not None and self._timer_armed <= due):
                return
            self._timer_armed = due
        self.clock.call_at(due, self._timers_due)

    def _timers_due(self) -> None:
        with self._lock:
            self._timer_armed = None
        skills = self.router.current.skills  # said in the language of the last turn
        if skills is not None:
            for text in skills.due_announcements(self.clock.now()):
                self.announce(text)
            for ring in skills.wall_due(self._wallclock()):
                if ring.chime:
                    self._chime()
                self.announce(ring.text)
                if ring.alarm:
                    self.ringer.start()
        self._arm_timers()

    def _talking(self) -> bool:
        """Someone is speaking to the assistant, or it is answering: the chime waits."""
        return self.listener.state in (State.CAPTURING, State.BUSY) or self.responder.answering()

    def _ring_over(self) -> None:
        skills = self.router.skills
        if skills is not None:
            skills.ring_over()

    def _chime(self) -> None:
        """The alarm's sound, next on the output (between two sentences of a reply)."""
        volume = max(self.controls.volume(), ALARM_MIN_VOLUME)
        self.sink.play(chime(self.sink.rate, volume=round(0.5 * volume, 2)), next_up=True)

    def interrupt(self) -> None:
        """Stop the reply now, as the wake word would (shutdown, a satellite's request)."""
        self._emit(Interrupt(InterruptReason.SHUTDOWN))

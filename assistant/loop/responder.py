"""The answering worker of a session: the user's turn -> router -> spoken reply.

One turn at a time, in its own thread, so the microphone side keeps listening (for
the wake word that interrupts) while this side thinks and talks. An interrupt cancels
the turn being answered and every turn submitted before it that has not started.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable

from assistant.logs import SAID
from assistant.loop.conversation import Answer, Conversation
from assistant.loop.events import (
    Event,
    InputKind,
    Route,
    TurnFinished,
    TurnResult,
    TurnTimings,
    UserTurn,
)
from assistant.loop.reply import ReplySpeaker, SpokenReply
from assistant.loop.router import Reply
from assistant.loop.speaker import Speaker

log = logging.getLogger(__name__)

ECHO_MARGIN_S = 0.15
"""After the last sample left the device: room echo before listening for a follow-up."""


def strip_wake_phrase(text: str, phrase: str) -> str:
    """Remove a wake phrase the recognizer heard at the start ("Hey Jarvis, what...")."""
    words = [re.escape(w) for w in phrase.lower().split()]
    if not words:
        return text.strip()
    pattern = r"^\W*(?:" + r"\W+".join(words) + r"|" + words[-1] + r")\b[\s,.!?]*"
    return re.sub(pattern, "", text.strip(), flags=re.IGNORECASE)


class Responder:
    """Consumes user turns; `busy()` is true from submission until the reply was heard."""

    def __init__(self, *, conversation: Conversation, speaker: Speaker,
                 emit: Callable[[Event], None], reply_done: Callable[[int, bool], None],
                 now: Callable[[], float], wake_phrase: str = "",
                 new_conversation_on_wake: bool = True) -> None:
        """`now` is the session's clock for the skills (timers); `reply_done(turn,
        follow_up)` tells the listener the reply was heard."""
        self._conversation = conversation
        self._speaker = speaker
        self._emit = emit
        self._reply_done = reply_done
        self._now = now
        self._wake_phrase = wake_phrase
        self._new_conversation_on_wake = new_conversation_on_wake
        self._turns: queue.Queue[UserTurn | None] = queue.Queue()
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._current: ReplySpeaker | None = None
        self._submitted = 0
        self._interrupted_upto = 0
        """Turns submitted up to an interrupt are cancelled, even those not started yet."""
        self._pending = 0
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="responder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Cancel what is being answered and what waits, then join the worker."""
        self.interrupt()
        self._turns.put(None)
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def submit(self, turn: UserTurn) -> None:
        with self._lock:
            self._pending += 1
            self._submitted = max(self._submitted, turn.turn)
        self._turns.put(turn)

    def interrupt(self) -> None:
        """Stop the current reply now: generation, synthesis and playback (and a submitted
        turn whose answer has not started yet)."""
        with self._lock:
            self._interrupted_upto = self._submitted
            self._cancel.set()
            current = self._current
        if current is not None:
            current.wake()
        self._speaker.flush()

    def answering(self) -> bool:
        """True while a turn is waiting or being answered (not counting what is said
        unasked, such as an announcement)."""
        with self._lock:
            return self._pending > 0

    def busy(self) -> bool:
        """True while a turn is waiting, being answered or heard."""
        with self._lock:
            pending = self._pending
        return pending > 0 or not self._speaker.idle()

    def _run(self) -> None:
        while (turn := self._turns.get()) is not None:
            try:
                self._handle(turn)
            except Exception:  # noqa: BLE001 - a failed turn must not end the assistant
                log.exception("turn failed")
                self._reply_done(turn.turn, False)
            finally:
                with self._lock:
                    self._pending -= 1
                self._speaker.poke()

    def _handle(self, turn: UserTurn) -> None:
        with self._lock:
            self._cancel = cancel = threading.Event()
            if turn.turn <= self._interrupted_upto:
                cancel.set()  # interrupted before its answer began
        text = strip_wake_phrase(turn.text, self._wake_phrase)
        log.debug("heard: %s", text, extra=SAID)
        if turn.wake and self._new_conversation_on_wake:
            self._conversation.new_topic()
        answer = self._answer(turn, text, cancel)
        t_routed = time.perf_counter()
        if answer.route is Route.CONTROL:
            self._speaker.flush()
        spoken = self._speak(answer, turn.turn, cancel)
        finished = self._wait_heard(cancel)
        interrupted = not finished or cancel.is_set()
        answer.finish(heard=spoken.heard, interrupted=interrupted)
        log.debug("replied (%s, from %s): %s", answer.route.value, answer.source or "-",
                  spoken.text, extra=SAID)
        route = answer.route
        listen_again = route in (Route.SKILL, Route.LLM, Route.UNCLEAR) and not interrupted
        if turn.text.strip() and not text:
            listen_again = True  # only the wake word was heard: the request comes next
        self._reply_done(turn.turn, listen_again)
        self._emit(TurnFinished(_result(turn, text, answer, spoken, t_routed, interrupted)))

    def _answer(self, turn: UserTurn, text: str, cancel: threading.Event) -> Answer:
        """Interrupted before its answer began: nothing is run (no skill acts on the home).
        Typed turns are always heard clearly."""
        if cancel.is_set():
            return Answer(question=text, reply=Reply(Route.NONE),
                          conversation=self._conversation)
        clear = turn.heard_clearly or turn.kind is not InputKind.SPEECH
        phrase = self._wake_phrase
        return self._conversation.answer(
            text, now=self._now(), cancel=cancel, heard_clearly=clear, language=turn.language,
            alternatives=tuple(strip_wake_phrase(t, phrase) for t in turn.alternatives),
            elsewhere=tuple((code, strip_wake_phrase(t, phrase)) for code, t in turn.elsewhere))

    def _speak(self, answer: Answer, turn: int, cancel: threading.Event) -> SpokenReply:
        chat = self._conversation.router.chat if answer.route is Route.LLM else None
        streamer = ReplySpeaker(self._speaker, turn=turn, cancel=cancel, chat=chat)
        with self._lock:
            self._current = streamer
        try:
            return streamer.speak(answer)
        finally:
            answer.close()  # an interrupted reply stops the model writing
            with self._lock:
                self._current = None

    def _wait_heard(self, cancel: threading.Event) -> bool:
        """Until the reply (and any announcement that came up meanwhile) has been heard:
        played out, plus the device's own latency and a margin, so that the follow-up
        window does not open on the tail of the assistant's own voice."""
        finished = self._speaker.wait_done(cancel)
        if finished and self._speaker.output_latency_s:
            cancel.wait(self._speaker.output_latency_s + ECHO_MARGIN_S)
        return finished


def _result(turn: UserTurn, text: str, answer: Answer, spoken: SpokenReply, t_routed: float,
            interrupted: bool) -> TurnResult:
    timings = TurnTimings(eos_delay_ms=turn.eos_delay_ms, t_decided=turn.t_decided,
                          t_transcript=turn.t_transcript or turn.t_decided, t_routed=t_routed,
                          t_first_token=spoken.t_first_token,
                          t_first_synth=spoken.t_first_synth,
                          t_first_audio=spoken.t_first_audio)
    guard = answer.guard
    extra: dict[str, str] = {"source": answer.source} if answer.source else {}
    if turn.language:
        extra["heard_language"] = turn.language
    if guard is not None:
        extra.update(guard=guard.verdict.value, guard_reason=guard.reason)
    return TurnResult(turn=turn.turn, transcript=text, wake=turn.wake, follow_up=turn.follow_up,
                      route=answer.route, intent=answer.intent, slots=answer.slots,
                      reply=spoken.text, interrupted=interrupted, timings=timings,
                      expects_reply=answer.expects_reply, truncated=turn.truncated,
                      tokens=spoken.tokens, t_last_token=spoken.t_last_token, extra=extra,
                      language=answer.language)

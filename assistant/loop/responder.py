"""The answering worker: final transcript -> router -> sentences -> the speaker.

One utterance at a time, in its own thread, so the microphone side keeps listening
(for the wake word that interrupts) while this side thinks and talks. Announcements
(finished timers) are spoken when idle, or between two sentences of a reply.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator

from assistant.loop.controls import AssistantControls
from assistant.loop.events import (
    AnnouncementSpoken,
    Event,
    TurnFinished,
    TurnResult,
    TurnTimings,
    Utterance,
)
from assistant.loop.router import Reply, Router
from assistant.loop.sentences import SentenceSplitter, clean_for_speech
from assistant.loop.speaker import Speaker

log = logging.getLogger(__name__)

FIRST_SYNTH_WAIT_S = 2.0
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
    """Consumes utterances; `busy()` is true from submission until the reply was heard."""

    def __init__(self, *, router: Router, speaker: Speaker, controls: AssistantControls,
                 emit: Callable[[Event], None], reply_done: Callable[[int, bool], None],
                 wake_phrase: str = "", first_pause_words: int = 1,
                 new_conversation_on_wake: bool = True) -> None:
        self._router = router
        self._speaker = speaker
        self._controls = controls
        self._emit = emit
        self._reply_done = reply_done
        self._wake_phrase = wake_phrase
        self._first_pause_words = first_pause_words
        self._new_conversation_on_wake = new_conversation_on_wake
        self._utterances: queue.Queue[Utterance | None] = queue.Queue()
        self._announcements: queue.Queue[str] = queue.Queue()
        self._cancel = threading.Event()
        self._submitted = 0
        self._interrupted_upto = 0
        """Turns submitted up to an interrupt are cancelled, even those not started yet."""
        self._pending = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="responder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._cancel.set()
        self._utterances.put(None)
        if self._thread is not None:
            self._thread.join(timeout=30)

    def submit(self, utterance: Utterance) -> None:
        with self._lock:
            self._pending += 1
            self._submitted = max(self._submitted, utterance.turn)
        self._utterances.put(utterance)

    def announce(self, text: str) -> None:
        with self._lock:
            self._pending += 1
        self._announcements.put(text)

    def interrupt(self) -> None:
        """Stop the current reply now: generation, synthesis and playback (and a submitted
        turn whose answer has not started yet)."""
        with self._lock:
            self._interrupted_upto = self._submitted
            self._cancel.set()
        self._speaker.flush()

    def busy(self) -> bool:
        """True while an utterance or announcement is waiting, being answered or heard."""
        with self._lock:
            pending = self._pending
        return pending > 0 or not self._speaker.idle()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._speak_announcements(turn=0)
            try:
                item = self._utterances.get(timeout=0.02)
            except queue.Empty:
                continue
            if item is None:
                return
            try:
                self._handle(item)
            except Exception:  # noqa: BLE001 - a failed turn must not end the assistant
                log.exception("turn failed")
                self._reply_done(item.turn, False)
            finally:
                with self._lock:
                    self._pending -= 1

    def _speak_announcements(self, *, turn: int) -> None:
        while True:
            try:
                text = self._announcements.get_nowait()
            except queue.Empty:
                return
            self._speaker.say(text, turn=turn, urgent=True)
            with self._lock:
                self._pending -= 1
            self._controls.said(text)
            self._emit(AnnouncementSpoken(text))

    def _handle(self, utterance: Utterance) -> None:
        with self._lock:
            self._cancel = cancel = threading.Event()
            if utterance.turn <= self._interrupted_upto:
                cancel.set()  # interrupted before its answer began
        timings = TurnTimings(
            eos_delay_ms=1000.0 * (utterance.decided_s - utterance.speech_end_s),
            t_decided=utterance.t_decided,
        )
        if utterance.text is not None:
            heard = utterance.text
        else:
            assert utterance.stream is not None
            heard = utterance.stream.finish().text
        text = strip_wake_phrase(heard, self._wake_phrase)
        timings.t_transcript = time.perf_counter()
        log.debug("heard: %s", text)
        if utterance.wake and self._new_conversation_on_wake:
            self._router.memory.clear()
        # Interrupted before its answer began: nothing is run (no skill acts on the home).
        reply = Reply("none") if cancel.is_set() else self._router.respond(
            text, now=utterance.decided_s, cancel=cancel)
        timings.t_routed = time.perf_counter()
        result = TurnResult(turn=utterance.turn, transcript=text, wake=utterance.wake,
                            follow_up=utterance.follow_up, route=reply.route,
                            intent=reply.intent, slots=reply.slots, reply="",
                            interrupted=False, timings=timings,
                            expects_reply=reply.expects_reply, truncated=utterance.truncated)
        if reply.route == "control":
            self._speaker.flush()
        spoken: list[str] = []
        written = self._stream_reply(reply.pieces, utterance.turn, timings, spoken, cancel, result)
        finished = self._wait_heard(cancel, turn=utterance.turn)
        result.interrupted = not finished or cancel.is_set()
        result.reply = written
        said = " ".join(spoken) if result.interrupted else written
        if reply.route == "llm" and not result.interrupted:
            # Memory is for the chat model's follow-ups; commands would only distract it,
            # and an interrupted answer is a topic the user cut short.
            self._router.remember(text, said)
        if reply.route in ("skill", "llm"):
            self._controls.said(said)
        log.debug("replied (%s): %s", reply.route, written)
        listen_again = reply.route in ("skill", "llm") and not result.interrupted
        if heard.strip() and not text:
            listen_again = True  # only the wake word was heard: the request comes next
        self._reply_done(utterance.turn, listen_again)
        self._emit(TurnFinished(result))

    def _wait_heard(self, cancel: threading.Event, *, turn: int) -> bool:
        """Until the reply (and any announcement that came up meanwhile) has been heard:
        played out, plus the device's own latency and a margin, so that the follow-up
        window does not open on the tail of the assistant's own voice."""
        def announce() -> None:
            self._speak_announcements(turn=turn)

        finished = self._speaker.wait_done(cancel, meanwhile=announce)
        while finished and not self._announcements.empty():
            finished = self._speaker.wait_done(cancel, meanwhile=announce)
        if finished:
            cancel.wait(self._speaker.output_latency_s + ECHO_MARGIN_S
                        if self._speaker.output_latency_s else 0.0)
        return finished

    def _stream_reply(self, pieces: Iterator[str], turn: int, timings: TurnTimings,
                      spoken: list[str], cancel: threading.Event, result: TurnResult) -> str:
        splitter = SentenceSplitter(first_pause_words=self._first_pause_words)
        written: list[str] = []

        first_synth = threading.Event()

        def on_synth() -> None:
            if timings.t_first_synth is None:
                timings.t_first_synth = time.perf_counter()
            first_synth.set()

        def on_start(sentence: str) -> None:
            if timings.t_first_audio is None:  # heard once through the device's buffer
                timings.t_first_audio = time.perf_counter() + self._speaker.output_latency_s
            spoken.append(sentence)

        use_all_cores = getattr(self._router.chat, "use_all_cores", None)
        if use_all_cores is not None:
            use_all_cores(True)  # nothing else runs until the first sentence is written

        def say(sentences: list[str]) -> None:
            for sentence in sentences:
                if cancel.is_set():
                    return
                written.append(sentence)
                self._speaker.say(sentence, turn=turn, on_synth=on_synth, on_start=on_start)
                if len(written) == 1:
                    if use_all_cores is not None:
                        use_all_cores(False)  # from now on speech is synthesized beside it
                    # On a small CPU, generating the rest would slow down synthesizing the
                    # first sentence: hold the model until the first sound is ready
                    # (generation is faster than speech, so it catches up while it plays).
                    deadline = time.perf_counter() + FIRST_SYNTH_WAIT_S
                    while not (first_synth.wait(0.01) or cancel.is_set()
                               or self._speaker.idle() or time.perf_counter() > deadline):
                        pass

        for piece in pieces:
            if timings.t_first_token is None:
                timings.t_first_token = time.perf_counter()
            result.tokens += 1
            if cancel.is_set():
                break
            say(splitter.push(piece))
            self._speak_announcements(turn=turn)
        result.t_last_token = time.perf_counter()
        if not cancel.is_set():
            say(splitter.flush())
        return clean_for_speech(" ".join(written))

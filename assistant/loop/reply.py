"""Speak a reply while it is being written: an answer's sentences -> the speaker.

The answer (loop/conversation.py) cuts the chat model's pieces into checked sentences
(the first one earlier, at the first natural pause); each goes to the speaker as soon as
it is complete. On a small CPU
the model and the voice compete for the cores, so the first sentence is written on
every core, and then the model is held until that sentence's audio is ready:
generating is faster than speaking, so it catches up while the first sentence plays.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from assistant.engines.llm import ChatModel
from assistant.loop.conversation import Answer
from assistant.loop.speaker import Speaker
from assistant.sentences import clean_for_speech

FIRST_SYNTH_WAIT_S = 2.0
"""At most this long the model waits for the first sentence's audio (a failed synthesis
never reports it)."""


@dataclass
class SpokenReply:
    """What was written and what was heard of one reply, with its timings."""

    written: list[str] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)
    """Sentences whose first sample reached the output (less when interrupted)."""
    tokens: int = 0
    t_first_token: float | None = None
    t_last_token: float | None = None
    t_first_synth: float | None = None
    t_first_audio: float | None = None

    @property
    def text(self) -> str:
        return clean_for_speech(" ".join(self.written))


class ReplySpeaker:
    """Speaks one answer; `wake()` (from an interrupt) ends any wait at once."""

    def __init__(self, speaker: Speaker, *, turn: int, cancel: threading.Event,
                 chat: ChatModel | None = None) -> None:
        """`chat`: the model writing the answer, whose threads are switched (see module)."""
        self._speaker = speaker
        self._turn = turn
        self._cancel = cancel
        self._chat = chat
        self._first_synth = threading.Event()
        self.reply = SpokenReply()

    def wake(self) -> None:
        self._first_synth.set()

    def speak(self, answer: Answer) -> SpokenReply:
        """Speak the answer's sentences as they come (stopping early when cancelled)."""
        reply = self.reply
        if self._chat is not None:
            self._chat.use_all_cores(True)  # nothing else runs until the first sentence
        try:
            for sentence in answer.sentences(cancel=self._cancel, on_piece=self._on_piece):
                self._say(sentence)
        finally:
            reply.t_last_token = time.perf_counter()
            if self._chat is not None:
                self._chat.use_all_cores(False)
        return reply

    def _on_piece(self, piece: str) -> None:
        if self.reply.t_first_token is None:
            self.reply.t_first_token = time.perf_counter()
        self.reply.tokens += 1

    def _say(self, sentence: str) -> None:
        self.reply.written.append(sentence)
        self._speaker.say(sentence, turn=self._turn, on_synth=self._on_synth,
                          on_start=self._on_start)
        if len(self.reply.written) == 1 and self._chat is not None:
            self._chat.use_all_cores(False)  # from now on speech is synthesized beside it
            self._first_synth.wait(FIRST_SYNTH_WAIT_S)

    def _on_synth(self) -> None:
        if self.reply.t_first_synth is None:
            self.reply.t_first_synth = time.perf_counter()
        self._first_synth.set()

    def _on_start(self, sentence: str) -> None:
        if self.reply.t_first_audio is None:  # heard once through the device's buffer
            self.reply.t_first_audio = time.perf_counter() + self._speaker.output_latency_s
        self.reply.heard.append(sentence)

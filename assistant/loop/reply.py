"""Speak a reply while it is being written: pieces -> sentences -> the speaker.

The chat model's pieces are cut into sentences (the first one earlier, at the first
natural pause) and each goes to the speaker as soon as it is complete. On a small CPU
the model and the voice compete for the cores, so the first sentence is written on
every core, and then the model is held until that sentence's audio is ready:
generating is faster than speaking, so it catches up while the first sentence plays.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from assistant.engines.llm import ChatModel
from assistant.loop.reply_guard import ReplyGuard, guarded
from assistant.loop.sentences import SentenceSplitter, clean_for_speech
from assistant.loop.speaker import Speaker

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
    """Speaks one reply; `wake()` (from an interrupt) ends any wait at once."""

    def __init__(self, speaker: Speaker, *, turn: int, cancel: threading.Event,
                 chat: ChatModel | None = None, first_pause_words: int = 1,
                 guard: ReplyGuard | None = None) -> None:
        """`chat`: the model writing the pieces, whose threads are switched (see module);
        `guard` checks each sentence before it is spoken (and may end the reply)."""
        self._speaker = speaker
        self._turn = turn
        self._cancel = cancel
        self._chat = chat
        self._splitter = SentenceSplitter(first_pause_words=first_pause_words)
        self._guard = guard
        self._first_synth = threading.Event()
        self.reply = SpokenReply()

    def wake(self) -> None:
        self._first_synth.set()

    def speak(self, pieces: Iterator[str]) -> SpokenReply:
        """Consume `pieces` (stopping early when cancelled) and queue every sentence."""
        reply = self.reply
        if self._chat is not None:
            self._chat.use_all_cores(True)  # nothing else runs until the first sentence
        for piece in pieces:
            if reply.t_first_token is None:
                reply.t_first_token = time.perf_counter()
            reply.tokens += 1
            if self._cancel.is_set() or self._ended():
                break
            self._say(self._splitter.push(piece))
        reply.t_last_token = time.perf_counter()
        if not self._cancel.is_set() and not self._ended():
            self._say(self._splitter.flush())
        if self._chat is not None:
            self._chat.use_all_cores(False)
        return reply

    def _say(self, sentences: list[str]) -> None:
        for sentence in guarded(sentences, self._guard):  # a failed or full reply ends
            if self._cancel.is_set():
                return
            self.reply.written.append(sentence)
            self._speaker.say(sentence, turn=self._turn, on_synth=self._on_synth,
                              on_start=self._on_start)
            if len(self.reply.written) == 1 and self._chat is not None:
                self._chat.use_all_cores(False)  # from now on speech is synthesized beside it
                self._first_synth.wait(FIRST_SYNTH_WAIT_S)

    def _ended(self) -> bool:
        """The guard ended the reply: the model need not write on."""
        return self._guard is not None and self._guard.done

    def _on_synth(self) -> None:
        if self.reply.t_first_synth is None:
            self.reply.t_first_synth = time.perf_counter()
        self._first_synth.set()

    def _on_start(self, sentence: str) -> None:
        if self.reply.t_first_audio is None:  # heard once through the device's buffer
            self.reply.t_first_audio = time.perf_counter() + self._speaker.output_latency_s
        self.reply.heard.append(sentence)

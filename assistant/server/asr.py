"""The `asr` service: `transcribe`, `audio-start`, `audio-chunk`..., `audio-stop` -> `transcript`.

The audio is collected as it arrives (at most `serve.max_audio_s`) and decoded in a
worker thread by the shared recognizers, in the connection's turn in their queues, the way
the voice loop decodes a turn: Home Assistant sends what it heard before the speech
started, so leading silence is cut first (`assistant.engines.trim`); the command
recognizer decodes with the skills' vocabulary as its hint, and when that is not a
command the final recognizer (`stt.final_model`) writes it without the hint. Without the
hint and with 0.3 s of silence first, Whisper tiny.en heard "Turn on the kitchen light"
as "Pern on the kitchen light".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from wyoming.asr import Transcribe, Transcript
from wyoming.event import Event

from assistant.audio import Audio
from assistant.engines.stt import SpeechRecognizer
from assistant.engines.trim import trim_leading_silence
from assistant.engines.vad import VadModel
from assistant.loop.shared import Engines


class TranscribeRequest:
    """One `transcribe` request's audio; `transcript()` decodes it."""

    def __init__(self, recognizer: SpeechRecognizer, *, owner: str,
                 event: Event | None = None, vad: VadModel | None = None,
                 hint: str | None = None, final: SpeechRecognizer | None = None,
                 is_command: Callable[[str], bool] | None = None) -> None:
        """`vad`: cut leading silence with it; `hint`: the command recognizer's vocabulary;
        `final` writes what `is_command` says is not a command."""
        self._recognizer = recognizer
        self._owner = owner
        self._vad = vad
        self._hint = hint
        self._final = final if is_command is not None else None
        self._is_command = is_command
        self.language = recognizer.language
        if event is not None:
            self.language = Transcribe.from_event(event).language or self.language
        self._blocks: list[Audio] = []

    def add(self, block: Audio) -> None:
        self._blocks.append(block)

    async def transcript(self) -> Event:
        text = await asyncio.to_thread(self._decode)
        return Transcript(text=text, language=self._recognizer.language).event()

    def _decode(self) -> str:
        if not self._blocks:
            return ""
        first = self._blocks[0]
        audio = Audio(b"".join(b.pcm for b in self._blocks), rate=first.rate,
                      width=first.width, channels=first.channels)
        if self._vad is not None:
            audio = trim_leading_silence(audio, self._vad.detector())
        text = self._run(self._recognizer, audio, hint=self._hint)
        if self._final is None or not text or (self._is_command and self._is_command(text)):
            return text
        return self._run(self._final, audio, hint=None)

    def _run(self, recognizer: SpeechRecognizer, audio: Audio, *, hint: str | None) -> str:
        stream = recognizer.stream(hint=hint, owner=self._owner)
        stream.accept(audio)
        return stream.finish().result().text.strip()


def transcribe_request(engines: Engines, *, owner: str,
                       event: Event | None = None) -> TranscribeRequest:
    """A request decoded as the voice loop decodes a turn (see the module docstring)."""
    skills = engines.skills

    def is_command(text: str) -> bool:
        return skills is not None and skills.recognizer.recognize(text) is not None

    return TranscribeRequest(
        engines.recognizer, owner=owner, event=event, vad=engines.vad,
        hint=skills.hint if skills is not None else None, final=engines.final_recognizer,
        is_command=is_command if skills is not None else None)

"""The `asr` service: `transcribe`, `audio-start`, `audio-chunk`..., `audio-stop` -> `transcript`.

The audio is collected as it arrives (at most `serve.max_audio_s`) and decoded in a
worker thread by the shared recognizer, in the connection's turn in its queue.
"""

from __future__ import annotations

import asyncio

from wyoming.asr import Transcribe, Transcript
from wyoming.event import Event

from assistant.audio import Audio
from assistant.engines.stt import SpeechRecognizer


class TranscribeRequest:
    """One `transcribe` request's audio; `transcript()` decodes it."""

    def __init__(self, recognizer: SpeechRecognizer, *, owner: str,
                 event: Event | None = None) -> None:
        self._recognizer = recognizer
        self._owner = owner
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
        stream = self._recognizer.stream(owner=self._owner)
        for block in self._blocks:
            stream.accept(block)
        return stream.finish().result().text.strip()

"""The `tts` service: `synthesize` -> `audio-start`, `audio-chunk`..., `audio-stop`, and
Wyoming's streaming synthesis (Home Assistant 2025.7 and later):
`synthesize-start`, `synthesize-chunk`..., `synthesize-stop` -> the same audio events, the
first sentence's audio as soon as its text is complete, then `synthesize-stopped`.

Text is cut into sentences and each is one job on the shared voice's fair queue, so a
long text never holds up another connection for more than a sentence. Synthesis keeps at
most `AHEAD` sentences ahead of what the client has taken: audio is written with
backpressure (`write_event` waits until the client reads, and drops it after
`serve.write_timeout_ms`), so a client that never reads costs one or two sentences of
work and memory, not the whole text.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import Future

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.tts import SynthesizeStopped

from assistant.audio import Audio, convert
from assistant.loop.shared import Engines
from assistant.sentences import SentenceSplitter

log = logging.getLogger(__name__)

Send = Callable[[Event], Awaitable[None]]

SAMPLES_PER_CHUNK = 1024
"""Audio samples per `audio-chunk` event (as wyoming-piper sends them)."""
AHEAD = 1
"""Sentences synthesized beyond the one being sent."""


def audio_chunks(audio: Audio, *, rate: int) -> list[Event]:
    """`audio` as 16-bit mono `audio-chunk` events at `rate`."""
    pcm = convert(audio, rate=rate, width=2, channels=1).pcm
    step = 2 * SAMPLES_PER_CHUNK
    return [AudioChunk(rate=rate, width=2, channels=1, audio=pcm[i:i + step]).event()
            for i in range(0, len(pcm), step)]


class SpeechStream:
    """Sentences in (`say`, then `end`), the voice's audio out as one `audio-start` ...
    `audio-stop` stream (`run`). Jobs run on the voice's fair queue under `owner`."""

    def __init__(self, engines: Engines, *, owner: str, send: Send) -> None:
        self._engines = engines
        self._owner = owner
        self._send = send
        self._sentences: asyncio.Queue[str | None] = asyncio.Queue()
        self._jobs: deque[Future[list[Audio]]] = deque()
        self._stopped = False

    def say(self, sentence: str) -> None:
        self._sentences.put_nowait(sentence)

    def end(self) -> None:
        """No more sentences: `run` returns once the last one is sent."""
        self._sentences.put_nowait(None)

    def stop(self) -> None:
        """Send nothing more: `run` returns at its next step (cancelling its task is not
        enough alone: a cancellation may be lost, see `deadline`)."""
        self._stopped = True
        self._sentences.put_nowait(None)

    async def run(self) -> None:
        """Synthesize and send until `end`; cancelled (the client left) drops queued jobs."""
        rate = self._engines.voice.rate
        ended = False
        try:
            await self._send(AudioStart(rate=rate, width=2, channels=1).event())
            while not ended or self._jobs:
                if self._stopped:
                    return
                while not ended and len(self._jobs) <= AHEAD and (
                        not self._jobs or not self._sentences.empty()):
                    sentence = await self._sentences.get()  # waits only with no job ready
                    if sentence is None:
                        ended = True
                    else:
                        self._jobs.append(self._submit(sentence))
                if self._jobs:
                    for block in await asyncio.wrap_future(self._jobs.popleft()):
                        for chunk in audio_chunks(block, rate=rate):
                            if self._stopped:
                                return
                            await self._send(chunk)
            await self._send(AudioStop().event())
        finally:
            self._engines.synthesis.cancel(self._owner)  # the client went away: drop them
            for job in self._jobs:
                job.cancel()

    def _submit(self, sentence: str) -> Future[list[Audio]]:
        phrases = self._engines.phrases
        assert phrases is not None
        return self._engines.synthesis.submit(self._owner, phrases.synthesize, sentence)


async def synthesize(engines: Engines, text: str, *, owner: str, send: Send) -> None:
    """Speak a `synthesize` event's text back to the client."""
    stream = SpeechStream(engines, owner=owner, send=send)
    _say_all(stream, engines.language.text.split_sentences(text))
    stream.end()
    await stream.run()


def _say_all(stream: SpeechStream, sentences: Iterable[str]) -> None:
    for sentence in sentences:
        stream.say(sentence)


class StreamingRequest:
    """One `synthesize-start` ... `synthesize-stop` request: text chunks are cut into
    sentences as they come, each spoken as soon as it is complete."""

    def __init__(self, engines: Engines, *, owner: str, send: Send, max_chars: int) -> None:
        self._send = send
        self._splitter = SentenceSplitter()
        self._stream = SpeechStream(engines, owner=owner, send=send)
        self._task = asyncio.get_running_loop().create_task(self._stream.run())
        self._max_chars = max_chars
        self.chars = 0

    def add(self, text: str) -> bool:
        """A `synthesize-chunk`'s text; False (and nothing added) past `max_chars` in all."""
        if self.chars + len(text) > self._max_chars:
            return False
        self.chars += len(text)
        _say_all(self._stream, self._splitter.push(text))
        return True

    async def finish(self) -> None:
        """`synthesize-stop`: speak the rest, wait for the audio, send `synthesize-stopped`."""
        _say_all(self._stream, self._splitter.flush())
        self._stream.end()
        await self._task
        await self._send(SynthesizeStopped().event())

    async def cancel(self) -> None:
        """The connection closed mid-request."""
        self._stream.stop()
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

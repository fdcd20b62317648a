"""The `tts` service: `synthesize` -> `audio-start`, `audio-chunk`..., `audio-stop`.

The text is cut into sentences and each is one job on the shared voice's fair queue, so
a long text never holds up another connection for more than a sentence; the first
sentence's audio is sent while the next is synthesized.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.tts import Synthesize

from assistant.audio import Audio, convert
from assistant.loop.shared import Engines

SAMPLES_PER_CHUNK = 1024
"""Audio samples per `audio-chunk` event (as wyoming-piper sends them)."""


def audio_chunks(audio: Audio, *, rate: int) -> list[Event]:
    """`audio` as 16-bit mono `audio-chunk` events at `rate`."""
    pcm = convert(audio, rate=rate, width=2, channels=1).pcm
    step = 2 * SAMPLES_PER_CHUNK
    return [AudioChunk(rate=rate, width=2, channels=1, audio=pcm[i:i + step]).event()
            for i in range(0, len(pcm), step)]


async def synthesize(engines: Engines, event: Event, *, owner: str,
                     send: Callable[[Event], Awaitable[None]]) -> None:
    """Speak the text of a `synthesize` event back to the client."""
    text = Synthesize.from_event(event).text
    rate = engines.voice.rate
    phrases = engines.phrases
    assert phrases is not None
    jobs = [engines.synthesis.submit(owner, phrases.synthesize, sentence)
            for sentence in engines.language.text.split_sentences(text)]
    try:
        await send(AudioStart(rate=rate, width=2, channels=1).event())
        for job in jobs:
            for block in await asyncio.wrap_future(job):
                for chunk in audio_chunks(block, rate=rate):
                    await send(chunk)
        await send(AudioStop().event())
    finally:
        engines.synthesis.cancel(owner)  # the client went away: drop what is queued

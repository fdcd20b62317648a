"""Leading silence cut off a whole recording before it is decoded.

Audio that did not come through the live loop's own voice activity detection (a Wyoming
`transcribe` from Home Assistant, which sends what it heard before the speech started; a
WAV given to `assistant transcribe`; a test-mode recording) may start with any amount of
silence. Whisper tiny.en on a 10 s window is thrown by it: with 0.3 s of silence first,
"Turn on the kitchen light" came back as "Pern on the kitchen light" (0.2 s made it repeat
a sentence). Measured on six spoken commands with 0 to 1 s of silence or faint noise first
(108 decodes each): tiny.en without a prompt misheard 9 even after this cut (its short
window is chaotic in the first words), and none with the skills' vocabulary as its prompt,
cut or not; so the Wyoming server decodes as the voice loop does, with the hint, and cuts
the silence as well (less to decode, nothing for Whisper to invent words in). Audio that
starts with speech is left alone; so is audio with no speech at all (the recognizer
decides what to make of it).
"""

from __future__ import annotations

from assistant.audio import Audio
from assistant.engines.vad import VoiceActivityDetector

LEAD_MS = 200.0
"""Kept before the first speech frame: Silero marks a frame as speech a little after the
sound starts (a soft "t" or "s"), and Whisper does best with a short run-in."""


def speech_start_ms(vad: VoiceActivityDetector, audio: Audio, *,
                    threshold: float = 0.5) -> float | None:
    """Where the first speech frame of `audio` starts (ms), None when there is none. The
    detector is reset before and after."""
    vad.reset()
    try:
        for index, probability in enumerate(vad.process(audio)):
            if probability >= threshold:
                return index * vad.frame_ms
        return None
    finally:
        vad.reset()


def trim_leading_silence(audio: Audio, vad: VoiceActivityDetector, *, threshold: float = 0.5,
                         lead_ms: float = LEAD_MS) -> Audio:
    """`audio` from `lead_ms` before its first speech frame (unchanged when the speech
    starts earlier than that, or when there is no speech)."""
    start = speech_start_ms(vad, audio, threshold=threshold)
    if start is None or start <= lead_ms:
        return audio
    frame_bytes = audio.width * audio.channels
    skip = int((start - lead_ms) * audio.rate / 1000) * frame_bytes
    return Audio(audio.pcm[skip:], rate=audio.rate, width=audio.width, channels=audio.channels)

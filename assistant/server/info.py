"""`describe` -> `info`: what this assistant really has, as Home Assistant reads it.

Every program and model named here is one the engines loaded: the recognizer and its
language (asr), the voice (tts), the wake word (wake), and the skills plus the chat model
as a conversation agent (handle), whose reply streams as handled-start / handled-chunk /
handled / handled-stop.

No `intent` program is advertised, though `recognize` is answered: Home Assistant's
Wyoming conversation entity (homeassistant/components/wyoming/conversation.py, read in
HA 2025.4.4 and in current HA) takes its name from the first installed intent program and
then marks the agent as controlling devices (ConversationEntityFeature.CONTROL), so HA called ours
"assistant-intents" and treated it as its device controller. With the handle program alone
it is "assistant-conversation", and `supports_home_control` stays False: the skills control
the assistant's own home, not HA's devices.
"""

from __future__ import annotations

from wyoming.info import (
    AsrModel,
    AsrProgram,
    Attribution,
    HandleModel,
    HandleProgram,
    Info,
    TtsProgram,
    TtsVoice,
    WakeModel,
    WakeProgram,
)

from assistant import __version__
from assistant.loop.shared import Engines

ATTRIBUTION = Attribution(name="assistant (local, offline)", url="")
"""The project itself: a program on this machine, nothing to link to."""


def describe(engines: Engines, *, language: str) -> Info:
    """The `info` answer for these engines; `language` is the skills' language."""
    info = Info(asr=[_asr(engines)], tts=[_tts(engines)], intent=[], handle=[])
    if engines.wake is not None:
        info.wake = [_wake(engines, language)]
    info.handle = [_handle(engines, language)]
    return info


def _asr(engines: Engines) -> AsrProgram:
    recognizer = engines.recognizer
    return AsrProgram(
        name="assistant-asr", attribution=ATTRIBUTION, installed=True,
        description="the assistant's speech recognizer", version=__version__,
        models=[AsrModel(name=recognizer.name, attribution=ATTRIBUTION, installed=True,
                         description=f"{recognizer.name} ({recognizer.language})",
                         version=None, languages=[recognizer.language])],
        supports_transcript_streaming=False)


def _tts(engines: Engines) -> TtsProgram:
    voice = engines.voice
    language = _voice_language(voice.name)
    return TtsProgram(
        name="assistant-tts", attribution=ATTRIBUTION, installed=True,
        description="the assistant's voice", version=__version__,
        voices=[TtsVoice(name=voice.name, attribution=ATTRIBUTION, installed=True,
                         description=f"{voice.name} at {voice.rate} Hz", version=None,
                         languages=[language])],
        supports_synthesize_streaming=True)


def _wake(engines: Engines, language: str) -> WakeProgram:
    assert engines.wake is not None
    return WakeProgram(
        name="assistant-wake", attribution=ATTRIBUTION, installed=True,
        description="the assistant's wake word (microWakeWord)", version=__version__,
        models=[WakeModel(name=engines.wake.name, attribution=ATTRIBUTION, installed=True,
                          description=engines.wake.phrase, version=None,
                          languages=[language], phrase=engines.wake.phrase)])


def _handle(engines: Engines, language: str) -> HandleProgram:
    parts = ["skills"] if engines.skills is not None else []
    if engines.chat is not None:
        parts.append(f"chat model {engines.chat.name}")
    models = [HandleModel(name=engines.chat.name if engines.chat else "skills",
                          attribution=ATTRIBUTION, installed=True,
                          description=" + ".join(parts), version=None, languages=[language])]
    return HandleProgram(
        name="assistant-conversation", attribution=ATTRIBUTION, installed=True,
        description="the assistant as a conversation agent: " + " + ".join(parts),
        version=__version__, models=models, supports_handled_streaming=True,
        supports_home_control=False)


def _voice_language(name: str) -> str:
    """"piper-en_US-joe-medium" -> "en_US"; espeak voices -> "en"."""
    parts = name.split("-")
    return parts[1] if name.startswith("piper-") and len(parts) > 2 else "en"

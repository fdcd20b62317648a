"""Wake word detection: the `WakeWordDetector` protocol and microWakeWord (pymicro-wakeword).

The models are the ones bundled with the pymicro-wakeword package (okay_nabu, hey_jarvis,
alexa, hey_mycroft); nothing is downloaded.
"""

from __future__ import annotations

from typing import Protocol

from assistant.audio import Audio, to_speech
from assistant.errors import AssistantError

BUILTIN_WAKE_WORDS = ("hey_jarvis", "okay_nabu", "alexa", "hey_mycroft")


class WakeWordDetector(Protocol):
    """Streams audio in and says when the wake word was heard."""

    name: str
    phrase: str

    def process(self, audio: Audio) -> bool:
        """Feed audio of any length; True when the wake word ended inside it."""
        ...

    def reset(self) -> None:
        """Forget buffered audio (after a detection, or when listening restarts)."""
        ...


class MicroWakeWordDetector:
    """A bundled microWakeWord model (TFLite micro, 10 ms feature steps)."""

    def __init__(self, name: str = "hey_jarvis") -> None:
        from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures, Model

        if name not in BUILTIN_WAKE_WORDS:
            raise AssistantError(
                f"unknown wake word {name!r}; choose one of {', '.join(BUILTIN_WAKE_WORDS)}"
            )
        self.name = name
        self._model = MicroWakeWord.from_builtin(Model(name))
        self._features = MicroWakeWordFeatures()
        self.phrase = self._model.wake_word

    def process(self, audio: Audio) -> bool:
        detected = False
        for features in self._features.process_streaming(to_speech(audio).pcm):
            if self._model.process_streaming(features):
                detected = True
        return detected

    def reset(self) -> None:
        self._model.reset()
        self._features.reset()

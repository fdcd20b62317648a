"""Wake word detection: the `WakeWordDetector` protocol and microWakeWord (pymicro-wakeword).

The models are the ones bundled with the pymicro-wakeword package (okay_nabu, hey_jarvis,
alexa, hey_mycroft); nothing is downloaded. A microWakeWord model is a streaming
TFLite network whose interpreter carries state from one 10 ms step to the next, so
`MicroWakeWordModel` checks the name once and every audio stream gets a detector
(an interpreter) of its own, released by `close()`.
"""

from __future__ import annotations

import json
from pathlib import Path
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

    def close(self) -> None:
        """Release the detector's interpreter."""
        ...


class WakeWordModel(Protocol):
    """A wake word every session can listen for: makes one detector per audio stream."""

    name: str
    phrase: str

    def detector(self) -> WakeWordDetector: ...


class MicroWakeWordModel:
    """A bundled microWakeWord model, by name (its JSON config names the phrase)."""

    def __init__(self, name: str = "hey_jarvis") -> None:
        _check_name(name)
        self.name = name
        self.phrase: str = json.loads(_config_path(name).read_text(encoding="utf-8"))[
            "wake_word"]

    def detector(self) -> MicroWakeWordDetector:
        return MicroWakeWordDetector(self.name)


class MicroWakeWordDetector:
    """One stream's microWakeWord interpreter (TFLite micro, 10 ms feature steps)."""

    def __init__(self, name: str = "hey_jarvis") -> None:
        from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures

        _check_name(name)
        self.name = name
        self._model = MicroWakeWord.from_config(_config_path(name))
        self._features = MicroWakeWordFeatures()
        self.phrase: str = self._model.wake_word

    def process(self, audio: Audio) -> bool:
        detected = False
        for features in self._features.process_streaming(to_speech(audio).pcm):
            if self._model.process_streaming(features):
                detected = True
        return detected

    def reset(self) -> None:
        self._model.reset()
        self._features.reset()

    def close(self) -> None:
        self._model.close()


def _check_name(name: str) -> None:
    if name not in BUILTIN_WAKE_WORDS:
        raise AssistantError(
            f"unknown wake word {name!r}; choose one of {', '.join(BUILTIN_WAKE_WORDS)}")


def _config_path(name: str) -> Path:
    """The model's JSON config inside the installed pymicro-wakeword package."""
    import pymicro_wakeword

    return Path(pymicro_wakeword.__file__).parent / "models" / f"{name}.json"

"""Which voice speaks a language, and what happens when its voice is not installed.

Without the language's Piper voice the assistant keeps working: replies still come as
text (the test mode's report, `assistant chat`), the default voice stays loaded for
what it can say, and the user hears once, in English, which voice to fetch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from assistant.audio import Audio
from assistant.engines.tts import SpeechSynthesizer

log = logging.getLogger(__name__)


def missing_voice_notice(language_name: str, voice_id: str) -> str:
    """The English sentence said once when a language's voice is missing."""
    return (f"A {language_name} voice is not installed, so I will answer in text only. "
            f"To hear me, fetch it with: assistant models fetch {voice_id}.")


class VoiceWithoutScript:
    """The default voice, silent for text in a script it cannot read (`unreadable`):
    Piper's English voice would spell Chinese characters out as noise."""

    def __init__(self, inner: SpeechSynthesizer, *, unreadable: Callable[[str], bool]) -> None:
        self._inner = inner
        self._unreadable = unreadable
        self.name = inner.name
        self.rate = inner.rate

    def synthesize(self, text: str) -> Iterator[Audio]:
        if self._unreadable(text):
            log.debug("no voice for this text; answering in text only")
            return iter(())
        return self._inner.synthesize(text)

    def close(self) -> None:
        self._inner.close()

"""Which voice speaks a language, and what happens when its voice is not installed.

Without the language's Piper voice the assistant keeps working: replies still come as
text (the test mode's report, `assistant chat`), the default voice stays loaded for
what it can say, and the user hears once, in English, which voice to fetch
(`MissingVoice`, said by the English pack).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from assistant.audio import Audio
from assistant.engines.tts import SpeechSynthesizer
from assistant.skills.base import Outcome

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MissingVoice(Outcome):
    """Said once, in a language the fallback voice can read, when the language's voice is
    not installed."""

    language: str
    """The language's English name."""
    voice: str
    """The voice model to fetch."""


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


class VoiceByScript:
    """Voices for more than one language: a sentence in a script one of `others` reads
    (`written_in`) goes to that voice, everything else to `default`."""

    def __init__(self, default: SpeechSynthesizer, *,
                 others: Sequence[tuple[Callable[[str], bool], SpeechSynthesizer]]) -> None:
        self._default = default
        self._others = list(others)
        self.name = default.name
        self.rate = default.rate

    def synthesize(self, text: str) -> Iterator[Audio]:
        for written_in, voice in self._others:
            if written_in(text):
                return voice.synthesize(text)
        return self._default.synthesize(text)

    def close(self) -> None:
        self._default.close()
        for _, voice in self._others:
            voice.close()

"""What every conversation (session) of one process shares: the loaded engines.

`Engines` is built once by `assistant.assembly.load_engines` before listening starts,
handed to every session (the microphone's, each satellite's, the test mode's), and
closed once when the process is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.engines.llm import ChatModel
from assistant.engines.stt import SpeechRecognizer
from assistant.engines.tts import PhraseCache, SpeechSynthesizer
from assistant.engines.vad import VadModel
from assistant.engines.wake import WakeWordModel
from assistant.language import Language
from assistant.scheduling.fair import FairExecutor
from assistant.skills import SkillsEngine


@dataclass(frozen=True)
class Tongue:
    """Another language the program speaks (`language = "auto"`): its pack, and its skills
    over the same home."""

    language: Language
    skills: SkillsEngine | None


@dataclass
class Engines:
    """Every loaded model the sessions share. `close()` stops their workers."""

    language: Language
    """The language spoken: its pack, loaded once by the assembly."""
    recognizer: SpeechRecognizer
    vad: VadModel
    wake: WakeWordModel | None
    voice: SpeechSynthesizer
    chat: ChatModel | None
    skills: SkillsEngine | None
    synthesis: FairExecutor = field(
        default_factory=lambda: FairExecutor("voice", workers=1, per_owner=1))
    """The voice's queue: sessions take turns, a sentence at a time, in order each."""
    phrases: PhraseCache | None = None
    load_seconds: float = 0.0
    final_recognizer: SpeechRecognizer | None = None
    """`stt.final_model`: writes every turn that is not a command (see SplitStream)."""
    notices: list[str] = field(default_factory=list)
    """Said once, by the first session that starts (e.g. which voice to fetch)."""
    others: tuple[Tongue, ...] = ()
    """The other languages spoken, after `language` (`language = "auto"`): each turn is
    answered in the language the recognizer heard."""

    def __post_init__(self) -> None:
        if self.phrases is None:
            self.phrases = PhraseCache(self.voice)

    def take_notices(self) -> list[str]:
        """The notices not said yet, each handed to one session only (sessions of several
        rooms ask from their own threads; list.pop is atomic, a check-then-pop is not)."""
        taken = []
        while True:
            try:
                taken.append(self.notices.pop(0))
            except IndexError:
                return taken

    def close(self) -> None:
        """Cancel queued work and join every engine worker (running work finishes);
        disconnect the home."""
        self.synthesis.close()
        for skills in (self.skills, *(tongue.skills for tongue in self.others)):
            if skills is not None:
                skills.close()
        if self.chat is not None:
            self.chat.close()
        self.recognizer.close()
        if self.final_recognizer is not None:  # may be the recognizer: close() twice is fine
            self.final_recognizer.close()
        self.voice.close()

    def __enter__(self) -> Engines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

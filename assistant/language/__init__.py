"""The language layer: what the assistant needs to know to listen and speak a language.

A language is a folder, a *pack* (assistant/language/en/, assistant/language/zh/):
`pack.yaml` (its data: recognizer, voice, chat models and prompt, control phrases, the
words the skills check slots with), `intents/` (the commands it understands, hassil
templates, a file per area), `responses/` (its phrasebook: how every outcome is said, a
file per area; a small pack may use one intents.yaml and one responses.yaml), `home.toml` (the
built-in home with names in the language) and optionally `hooks.py` (code for what data
cannot say: how numbers, times and dates are spoken, how a transcript is normalized, how a
sentence ends). A new language is a new folder; nothing outside it changes
(`assistant.language.packs` finds and loads it). This module is the contract, `Language`,
which the rest of the program is handed and never looks up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only types here: `assistant --help` lists the languages without loading
    from assistant.intents import SlotValidator
    from assistant.language.phrasebook import Phrasebook
    from assistant.skills.base import Outcome
    from assistant.skills.registry import IntentMatcher, SkillWords

    #: Builds a language's intent recognizer: (template file, home lists, validators).
    IntentLoader = Callable[[Path, Mapping[str, Sequence[tuple[str, Any]]],
                             Mapping[str, SlotValidator]], IntentMatcher]

PACKS_DIR = Path(__file__).resolve().parent


def available_languages() -> list[str]:
    """The codes of the shipped packs ("en", "zh"), sorted: the folders here that hold a
    pack.yaml (cheap: nothing is loaded)."""
    return sorted(p.parent.name for p in PACKS_DIR.glob("*/pack.yaml"))


@dataclass(frozen=True)
class TextRules:
    """The code hooks of a language's text (defaults in `assistant.language.packs`)."""

    normalize: Callable[[str], str]
    """One written form for every recognizer's output (what the intents match)."""
    match_key: Callable[[str], str]
    """What a control phrase is compared by (English: its words; Mandarin: its pinyin,
    so "听" still stops like "停")."""
    parse_number: Callable[[str], float | None]
    split_sentences: Callable[[str], list[str]]
    """A whole reply cut into sentences for the voice."""
    sounds_finished: Callable[[str], bool]
    """True when a transcript reads as a whole question or request, so the listener need
    not wait out the whole end-of-speech silence."""
    unfinished: Callable[[str], bool]
    """True when a transcript ends on a word that needs more ("Turn on the")."""
    written_in: Callable[[str], bool]
    """True for text in the language's own script that another language's voice cannot
    read (always False for a Latin-script language)."""
    usual_script: Callable[[str], str] = str
    """A transcript in the script the language's users write (Mandarin: Simplified
    characters, where Whisper wrote Traditional ones), as the chat model is asked."""


@dataclass(frozen=True)
class LiveFacts:
    """How to tell a sentence that states a live fact (today's weather, a score, a price)
    the assistant has no source for: `topics` says what it is about, `now` that it is
    said of today, `honest` that it says there is no way to know."""

    topics: tuple[tuple[str, re.Pattern[str]], ...]
    """(topic, pattern): the topics of `assistant.skills.live_facts.TOPICS`."""
    now: re.Pattern[str]
    honest: re.Pattern[str]


@dataclass(frozen=True)
class ChatSetup:
    """How the chat model is spoken to in the language."""

    system_prompt: str
    examples: tuple[tuple[str, str], ...]
    """Few-shot (question, answer) pairs shown before every conversation."""
    models: tuple[str, ...]
    """Chat models that speak the language, best first (() = any chat model)."""
    live_facts: LiveFacts | None = None
    """What the reply guard holds back (None: nothing)."""


@dataclass(frozen=True)
class Language:
    """One language pack, loaded: its data, its phrasebook and its text hooks."""

    code: str
    name: str
    """The language's English name ("Mandarin"), for messages and logs."""
    folder: Path
    recognizer_model: str | None
    """The speech recognizer model for the language (None = the first installed one)."""
    recognizer_prompt: str | None
    """Whisper's initial prompt: the script and style to write (None = the skills' hint)."""
    voice: str
    chat: ChatSetup
    control_phrases: frozenset[str]
    """Phrases that stop a reply ("stop", "停"), as `text.match_key` spells them."""
    ignored_words: tuple[str, ...]
    """Words and phrases left out before comparing a control phrase ("please",
    "thank you")."""
    barge_in_hint: str
    """What the recognizer expects right after a barge-in ("Stop. Cancel.")."""
    home_file: Path
    skill_words: SkillWords
    text: TextRules
    phrasebook: Phrasebook
    load_intents: IntentLoader
    recognizer_alternatives: int = 0
    """How many other readings of each utterance the recognizer returns (its beam's; the
    skills try them when the best reading is not a command)."""
    recognizer_hint_areas: tuple[str, ...] = ()
    """The template files (areas: "home", "timers") whose commands the generated hint
    says, in this order; () = every file. Whisper keeps about 190 tokens of a hint."""
    recognizer_doubts_echoes: bool = False
    """A transcript that only repeats sentences of the recognizer's hint must be heard
    with more confidence (`ECHO_CONFIDENCE`): Whisper base copies its Mandarin hint when it
    cannot make out the audio. English commands said as the hint words them are not doubted
    (the everyday benchmark: "Snooze." was asked about)."""

    @property
    def intents_path(self) -> Path:
        """The intent templates: intents/ (a file per area), or one intents.yaml."""
        folder = self.folder / "intents"
        return folder if folder.is_dir() else self.folder / "intents.yaml"

    def say(self, outcome: Outcome, variant: str = "default") -> str:
        """`outcome` in words of this language."""
        return self.phrasebook.say(outcome, variant)

    def render(self, key: str, **values: Any) -> str:
        """A phrasebook entry that is not an outcome (the recognizer hint)."""
        return self.phrasebook.render(key, **values)

    def is_control(self, text: str) -> bool:
        """True for a phrase that stops a reply, with or without the ignored words."""
        key = self.text.match_key(text)
        if key in self.control_phrases:
            return True
        padded = f" {key} "
        for phrase in self.ignored_words:  # longest first (see packs)
            padded = padded.replace(f" {phrase} ", " ")
        kept = " ".join(padded.split())
        return bool(kept) and kept in self.control_phrases

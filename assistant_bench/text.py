"""Word error rate (counted by jiwer), and the text normalization both sides go through
before counting.

Recognizers and references disagree on form, not words: Whisper writes "Mr. Dashwood
has 10 cats." where the LibriVox reference says "mister dashwood has ten cats". Both
sides are normalized the same way (lowercase, numbers spelled out, punctuation and
apostrophes removed, hyphens split) so that only real word differences count.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import jiwer

from assistant.language.en.wording import number_words, ordinal_words, year_words

_ABBREVIATIONS = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint",
                  "vs": "versus", "ok": "okay"}
_SYMBOLS = {"%": " percent ", "&": " and ", "+": " plus ", "=": " equals ", "°": " degrees ",
            "@": " at "}
_CURRENCY = re.compile(r"([$€£])\s*(\d[\d,]*(?:\.\d+)?)")
_CURRENCY_WORDS = {"$": "dollars", "€": "euros", "£": "pounds"}
_NUMBER = re.compile(r"(\d+)(?:[.,](\d+))?(st|nd|rd|th)?")


def _spell_match(match: re.Match[str]) -> str:
    """Digits as the words a reader says (hyphens are split later, with punctuation)."""
    whole, fraction, suffix = match.group(1), match.group(2), match.group(3)
    text = match.group(0)
    if fraction is not None and "," in text and len(fraction) == 3:
        return f" {number_words(int(whole + fraction))} "  # 1,000 -> one thousand
    if suffix:
        return f" {ordinal_words(int(whole))} "
    if re.fullmatch(r"1[1-9]\d\d", whole) and whole[2:] != "00" and fraction is None:
        # 1811 -> "eighteen eleven": how years are said (2024 stays "two thousand ...")
        return f" {year_words(int(whole))} "
    spoken = number_words(int(whole))
    if fraction is not None:
        spoken += " point " + " ".join(number_words(int(d)) for d in fraction)
    return f" {spoken} "


def normalize(text: str, *, language: str = "en") -> str:
    """Lowercase words with numbers spelled out and no punctuation, space-separated.
    Numbers and symbols become English words only for English; other languages keep
    digits (as both sides wrote them)."""
    text = unicodedata.normalize("NFKC", text).lower()
    if language == "en":
        text = _CURRENCY.sub(lambda m: f"{m.group(2)} {_CURRENCY_WORDS[m.group(1)]}", text)
        for symbol, word in _SYMBOLS.items():
            text = text.replace(symbol, word)
        text = _NUMBER.sub(_spell_match, text)
    text = re.sub(r"[’'`]", "", text)  # it's -> its, on both sides
    text = re.sub(r"[^\w\s]|_", " ", text)  # hyphens and punctuation split words
    words = [_ABBREVIATIONS.get(word, word) if language == "en" else word
             for word in text.split()]
    return " ".join(words)


@dataclass(frozen=True)
class WordErrors:
    """Edit operations between a reference and a hypothesis, in words."""

    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0
    reference_words: int = 0

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float:
        """Word error rate: errors / reference words (can exceed 1 with insertions)."""
        if self.reference_words == 0:
            return 0.0 if self.errors == 0 else 1.0
        return self.errors / self.reference_words

    def __add__(self, other: WordErrors) -> WordErrors:
        return WordErrors(self.substitutions + other.substitutions,
                          self.deletions + other.deletions, self.insertions + other.insertions,
                          self.reference_words + other.reference_words)


def word_errors(reference: str, hypothesis: str, *, units: str = "words",
                language: str = "en") -> WordErrors:
    """The minimum edits (jiwer's alignment) between the normalized texts; `units="chars"`
    counts characters (spaces removed), the usual measure for Korean, whose spacing varies."""
    ref = normalize(reference, language=language)
    hyp = normalize(hypothesis, language=language)
    if units == "chars":
        ref, hyp = ref.replace(" ", ""), hyp.replace(" ", "")
        found: jiwer.WordOutput | jiwer.CharacterOutput = jiwer.process_characters(ref, hyp)
    else:
        found = jiwer.process_words(ref, hyp)
    return WordErrors(found.substitutions, found.deletions, found.insertions,
                      found.hits + found.substitutions + found.deletions)

"""Word error rate, and the text normalization both sides go through before counting.

Recognizers and references disagree on form, not words: Whisper writes "Mr. Dashwood
has 10 cats." where the LibriVox reference says "mister dashwood has ten cats". Both
sides are normalized the same way (lowercase, numbers spelled out, punctuation and
apostrophes removed, hyphens split) so that only real word differences count.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand"))
_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                  "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}
_ABBREVIATIONS = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint",
                  "vs": "versus", "ok": "okay"}
_SYMBOLS = {"%": " percent ", "&": " and ", "+": " plus ", "=": " equals ", "°": " degrees ",
            "@": " at "}
_CURRENCY = re.compile(r"([$€£])\s*(\d[\d,]*(?:\.\d+)?)")
_CURRENCY_WORDS = {"$": "dollars", "€": "euros", "£": "pounds"}
_NUMBER = re.compile(r"(\d+)(?:[.,](\d+))?(st|nd|rd|th)?")


def spell_number(value: int) -> str:
    """English words for a whole number: 391 -> "three hundred ninety one".

    No "and" and no hyphens, the form the normalized references use.
    """
    if value < 0:
        return "minus " + spell_number(-value)
    if value < 20:
        return _ONES[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        return _ONES[hundreds] + " hundred" + ("" if rest == 0 else " " + spell_number(rest))
    for scale, name in _SCALES:
        if value >= scale:
            high, rest = divmod(value, scale)
            return (spell_number(high) + " " + name
                    + ("" if rest == 0 else " " + spell_number(rest)))
    raise AssertionError("unreachable")  # pragma: no cover


def spell_ordinal(value: int) -> str:
    """21 -> "twenty first", 12 -> "twelfth"."""
    words = spell_number(value).split()
    last = words[-1]
    if last in _ORDINAL_WORDS:
        words[-1] = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def _spell_match(match: re.Match[str]) -> str:
    whole, fraction, suffix = match.group(1), match.group(2), match.group(3)
    text = match.group(0)
    if fraction is not None and "," in text and len(fraction) == 3:
        return f" {spell_number(int(whole + fraction))} "  # 1,000 -> one thousand
    if suffix:
        return f" {spell_ordinal(int(whole))} "
    if re.fullmatch(r"1[1-9]\d\d", whole) and whole[2:] != "00" and fraction is None:
        # 1811 -> "eighteen eleven": how years are said (2024 stays "two thousand ...")
        return f" {spell_number(int(whole[:2]))} {spell_number(int(whole[2:]))} "
    spoken = spell_number(int(whole))
    if fraction is not None:
        spoken += " point " + " ".join(_ONES[int(d)] for d in fraction)
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
    """Levenshtein alignment of the normalized texts; `units="chars"` counts characters
    (spaces removed), the usual measure for Korean, whose spacing varies."""
    ref = normalize(reference, language=language).split()
    hyp = normalize(hypothesis, language=language).split()
    if units == "chars":
        ref, hyp = list("".join(ref)), list("".join(hyp))
    # cost[j] = (errors, subs, dels, ins) aligning ref[:i] with hyp[:j]
    previous = [(j, 0, 0, j) for j in range(len(hyp) + 1)]
    for i in range(1, len(ref) + 1):
        current = [(i, 0, i, 0)]
        for j in range(1, len(hyp) + 1):
            diagonal = previous[j - 1]
            if ref[i - 1] == hyp[j - 1]:
                best = diagonal
            else:
                up, left = previous[j], current[j - 1]
                best = min((diagonal[0] + 1, diagonal[1] + 1, diagonal[2], diagonal[3]),
                           (up[0] + 1, up[1], up[2] + 1, up[3]),
                           (left[0] + 1, left[1], left[2], left[3] + 1))
            current.append(best)
        previous = current
    _, subs, dels, ins = previous[-1]
    return WordErrors(subs, dels, ins, len(ref))

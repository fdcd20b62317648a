"""Cut a token stream into speakable sentences as it arrives.

Each complete sentence goes to synthesis while the model writes the next one. The
first chunk may be cut earlier, at the first natural pause (a comma, or a new clause
such as "because ..." after a few words), so the first sound comes sooner. Markdown
and symbols a voice would read out literally are cleaned away.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset([
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "vs", "etc", "e.g", "i.e", "a.m", "p.m",
    "no", "approx", "dept", "fig", "inc", "ltd", "co",
])
# Chinese and Japanese full stops and commas need no space after them.
_END = re.compile(r"[.!?]+[\"')\]]*(?=\s)|[。！？]+[”」』）]*|\n+")
_PAUSE = re.compile(r"[,;:](?=\s)|[，；：、]")
# A new clause or phrase is a natural pause too, even without a comma (whole word, then
# a space): "The sky is blue | because ...", "Bees fly far | when it is warm". Not "by"
# ("written | by", "one | by one") nor "so" ("is | so nice"): they cut phrases in half.
_CLAUSE = re.compile(r"\s(?=(?:because|but|which|although|while|whereas|since|when|where|"
                     r"if|unless|until|using|including)\s)", re.IGNORECASE)
CLAUSE_MIN_WORDS = 4
_LOOKAHEAD = 8
"""Characters past `max_chars` a sentence end may use (closing quotes, the space after)."""
_WORD_WINDOW = 32
"""Characters before a full stop searched for an abbreviation or a list number."""
_MARKDOWN = re.compile(r"[*_`#>|~]+|^\s*[-+]\s+|^\s*\d+[.)]\s+", re.MULTILINE)
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_NON_SPEECH = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0000fe0f\U0000200d]+"
)


def clean_for_speech(text: str) -> str:
    """Remove markdown, links and emoji; collapse white space."""
    text = _LINK.sub(r"\1", text)
    text = _MARKDOWN.sub(" ", text)
    text = _NON_SPEECH.sub(" ", text)
    return " ".join(text.split())


class SentenceSplitter:
    """Feed text pieces with `push`; complete sentences come out, the rest with `flush`."""

    def __init__(self, *, first_pause_words: int = 0, max_chars: int = 300) -> None:
        """`first_pause_words`: cut the first chunk at a comma once it has this many
        words (0 = never); `max_chars`: cut a run-on sentence at the last space."""
        self._buffer = ""
        self._first_pause_words = first_pause_words
        self._max_chars = max_chars
        self._emitted = 0

    def push(self, piece: str) -> list[str]:
        self._buffer += piece
        out: list[str] = []
        while True:
            cut = self._next_cut()
            if cut is None:
                break
            sentence = clean_for_speech(self._buffer[:cut])
            self._buffer = self._buffer[cut:]
            if _speakable(sentence):
                out.append(sentence)
                self._emitted += 1
        return out

    def flush(self) -> list[str]:
        rest = clean_for_speech(self._buffer)
        self._buffer = ""
        if _speakable(rest):
            self._emitted += 1
            return [rest]
        return []

    def _next_cut(self) -> int | None:
        # Only the first `max_chars` are searched: a sentence is never longer, and each
        # cut costs the same however much text is waiting (a whole 10,000-character text
        # of "a. a. a." was cubic).
        text = self._buffer[: self._max_chars + _LOOKAHEAD]
        for match in _END.finditer(text):
            if match.group().startswith("\n") or not _is_abbreviation(text, match.start()):
                return match.end()
        if self._emitted == 0 and self._first_pause_words:
            for match in _PAUSE.finditer(text):
                if len(text[: match.start()].split()) >= self._first_pause_words:
                    return match.end()
            for match in _CLAUSE.finditer(text):  # "The sky is blue | because of ..."
                if len(text[: match.start()].split()) >= CLAUSE_MIN_WORDS:
                    return match.start()
        if len(self._buffer) > self._max_chars:
            space = text.rfind(" ", 0, self._max_chars)
            return space if space > 0 else self._max_chars
        return None


def _speakable(sentence: str) -> bool:
    """A sentence with no letter or digit ("." or "---") has nothing to say."""
    return any(ch.isalnum() for ch in sentence)


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at `dot` ends an abbreviation or a list marker (only the few
    characters before it are looked at)."""
    if text[dot] != ".":
        return False
    before = text[max(0, dot - _WORD_WINDOW) : dot]
    if before[before.rfind("\n") + 1 :].strip().isdigit():
        return True  # a numbered list marker ("1. Open the door"), not a sentence
    word = before.split()[-1].lower() if before.split() else ""
    word = word.lstrip("(\"'")
    if word in _ABBREVIATIONS:
        return True
    return len(word) == 1 and word.isalpha() and word != "i"  # initials like "J. R."


def split_text(text: str) -> list[str]:
    """The sentences of a whole text, cut as a streamed reply is cut."""
    splitter = SentenceSplitter()
    return [*splitter.push(text), *splitter.flush()]

"""Check what the chat model writes, sentence by sentence, before it is spoken.

A small model sometimes drifts into another language ("Il capo di Italy, il capital."),
word salad, a loop ("Antarctica, Antarctica, ..."), or an answer to some other question.
Every sentence of a streamed reply passes `ReplyGuard.check` before it goes to the voice:
when the first one fails, the language's "not sure" sentence is said instead (REPLACED); when a
later one fails, it and the rest are not spoken (CUT). A reply that failed never enters
the conversation memory, so one bad answer cannot poison the next ones.

The checks are cheap (word lists and counting, no model): a sentence fails when it
states a live fact the assistant has no source for (today's weather, a score, a price:
the language's `chat.live_facts`; it is replaced by the sentence that there is no
source), when it is not English while English was asked (frequent words of other
languages, too few English words, letters of another script), when it repeats itself or
an earlier sentence, or
when it takes up the topic of another question it was shown (an earlier one, a few-shot
example) without a word of this one. Word lists:
`assistant/data/words/` (see the headers of en.txt and foreign.txt).
"""

from __future__ import annotations

import enum
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources

from assistant.language import LiveFacts

SENTENCE_ENDS = (".", "!", "?", "\u3002", "\uff01", "\uff1f")
"""What ends a whole sentence, in Latin and in CJK punctuation (。！？)."""

#: The most frequent English words (en.txt is in frequency order): function words,
#: which say nothing about the topic.
STOP_WORDS_TOP = 250
#: Fewer words than this in a sentence: too short to judge its language by shares.
MIN_WORDS_FOR_SHARES = 4
#: Below this share of English words, a sentence is not English (or is word salad).
MIN_ENGLISH_SHARE = 0.6
#: From this share of frequent foreign words on (with at least one), it is not English.
MAX_FOREIGN_SHARE = 0.15
#: Letters outside the Latin script beyond this share: another language.
MAX_OTHER_SCRIPT_SHARE = 0.2
#: Two sentences this alike (shared words / all words) say the same thing twice.
SAME_SENTENCE = 0.8
#: The reason given for a sentence that states a live fact ("live fact: weather").
LIVE_FACT = "live fact: "

_LANGUAGES = ("french|spanish|german|italian|portuguese|dutch|russian|chinese|japanese|"
              "korean|arabic|hindi|greek|latin|swedish|polish|turkish")
_OTHER_LANGUAGE = re.compile(
    rf"\b(?:in|into|to|from) (?:{_LANGUAGES})\b|\btranslat|\bhow do (?:you|i) say\b|"
    rf"\bspeak (?:{_LANGUAGES})\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_TOKEN = re.compile(r"\w+(?:'\w+)?")


_YEAR = re.compile(r"\b(1\d{3}|20\d{2})\b")


def live_fact(sentence: str, question: str, live: LiveFacts) -> str | None:
    """The topic of a live fact `sentence` states (today's weather, a score, a price, a
    shop's hours), which the assistant has no source for; None when it states none. It
    does when it is about a topic the question asks about, or says it of today, and is
    no honest "I can't know": a year in either makes it history, not news."""
    if live.honest.search(sentence) or _YEAR.search(sentence) or _YEAR.search(question):
        return None
    for topic, pattern in live.topics:
        if pattern.search(sentence) and (pattern.search(question) or live.now.search(sentence)):
            return topic
    return None


class GuardVerdict(enum.Enum):
    PASSED = "passed"
    """Every sentence was spoken as written (perhaps fewer: the sentence limit)."""
    REPLACED = "replaced"
    """The first sentence failed: the language's "not sure" sentence was said instead."""
    CUT = "cut"
    """A later sentence failed: it and the rest were not spoken."""


@dataclass(frozen=True)
class WordLists:
    english: frozenset[str]
    foreign: frozenset[str]
    stop: frozenset[str]


@functools.cache
def word_lists() -> WordLists:
    """The bundled lists (read once per process)."""
    folder = resources.files("assistant") / "data" / "words"
    english = _read_words(folder.joinpath("en.txt").read_text(encoding="utf-8"))
    foreign = _read_words(folder.joinpath("foreign.txt").read_text(encoding="utf-8"))
    return WordLists(frozenset(english), frozenset(foreign),
                     frozenset(english[:STOP_WORDS_TOP]))


def _read_words(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


def wants_english(question: str) -> bool:
    """False when the question asks for another language ("say hello in French")."""
    return _OTHER_LANGUAGE.search(question) is None


def language_problem(sentence: str, words: WordLists) -> str | None:
    """Why `sentence` is not English, or None. Capitalized words inside the sentence are
    names ("Paris", "Shakespeare") and count neither way, unless they are frequent
    foreign words."""
    letters = [ch for ch in sentence if ch.isalpha()]
    other = sum(not _latin(ch) for ch in letters)
    if letters and other / len(letters) > MAX_OTHER_SCRIPT_SHARE:
        return "another script"
    found = _WORD.findall(sentence)
    lowered = [w.lower() for w in found]
    foreign = sum(low in words.foreign and not _inside_name(found, i)
                  for i, low in enumerate(lowered))
    if foreign and foreign / len(lowered) >= MAX_FOREIGN_SHARE and (
            foreign >= 2 or len(lowered) < 8):
        return f"{foreign} of {len(lowered)} words are frequent words of other languages"
    judged = [w for i, (w, low) in enumerate(zip(found, lowered, strict=True))
              if i == 0 or not w[0].isupper() or low in words.foreign]
    if len(judged) >= MIN_WORDS_FOR_SHARES:
        known = sum(w.lower() in words.english for w in judged)
        if known / len(judged) < MIN_ENGLISH_SHARE:
            return f"only {known} of {len(judged)} words are English"
    return None


def repetition_problem(sentence: str, earlier: list[str], words: WordLists) -> str | None:
    """Why `sentence` repeats itself or an earlier sentence, or None."""
    lowered = [w.lower() for w in _TOKEN.findall(sentence)]
    trigrams = Counter(zip(lowered, lowered[1:], lowered[2:], strict=False))
    if trigrams and max(trigrams.values()) >= 2:
        return "a phrase repeats"
    content = [w for w in lowered if w not in words.stop]
    if content:
        word, count = Counter(content).most_common(1)[0]
        if count >= 4 or (count >= 3 and count / len(content) >= 0.25):
            return f"{word!r} {count} times"
    mine = set(lowered)
    for before in earlier:
        theirs = {w.lower() for w in _TOKEN.findall(before)}
        if mine and theirs and len(mine & theirs) / len(mine | theirs) >= SAME_SENTENCE:
            return "the same sentence again"
    return None


def topic_words(text: str, words: WordLists) -> set[str]:
    """The words of `text` that carry its topic, reduced to a crude stem."""
    return {_stem(w) for w in (w.lower() for w in _WORD.findall(text))
            if w not in words.stop and len(w) > 2}


def _stem(word: str) -> str:
    return word[:5] if len(word) > 5 else word.rstrip("s")


def _inside_name(found: list[str], i: int) -> bool:
    """A small word between two capitalized ones is part of a name ("Leonardo da Vinci",
    "Vincent van Gogh")."""
    return (0 < i < len(found) - 1 and found[i].islower() and found[i - 1][0].isupper()
            and found[i + 1][0].isupper())


def _latin(ch: str) -> bool:
    return ch.isascii() or "\u00c0" <= ch <= "\u024f"


class ReplyGuard:
    """Guards one reply to `question`: call `check` with each sentence, in order."""

    def __init__(self, question: str, *, not_sure: str, max_sentences: int = 0,
                 before: Sequence[str] = (), words: WordLists | None = None,
                 language: str = "en", live: LiveFacts | None = None,
                 no_source: Callable[[str], str] | None = None) -> None:
        """`max_sentences`: the reply ends (PASSED) after this many (0 = no limit);
        `before`: the other questions the model was shown (remembered turns, few-shot
        examples), whose topics a reply must not take up instead. Not their answers:
        "Shakespeare" in an example's answer may well answer this question too.
        `language`: the language spoken; only an English conversation is checked for
        replies in another language. `not_sure`: said instead of a failed first sentence.
        `live`: how a sentence stating a live fact looks in the language (None: not
        checked); one is replaced by `no_source(topic)`, the sentence that there is none."""
        self._words = words or word_lists()
        self._question = question
        self._live = live
        self._no_source = no_source
        self._english = language == "en" and wants_english(question)
        self._not_sure = not_sure
        self._topic = topic_words(question, self._words)
        self._elsewhere = set().union(*(topic_words(t, self._words) for t in before)) \
            - self._topic
        self._max_sentences = max_sentences
        self._spoken: list[str] = []
        self._sentences = 0
        """Whole sentences spoken (the first chunk may end at a comma)."""
        self._on_topic = not self._topic
        self._done = False
        self.verdict = GuardVerdict.PASSED
        self.reason = ""

    @property
    def done(self) -> bool:
        """Nothing more will be spoken (a sentence failed, or the limit was reached)."""
        return self._done

    @property
    def failed(self) -> bool:
        return self.verdict is not GuardVerdict.PASSED

    def check(self, sentence: str) -> str | None:
        """What to speak for `sentence` (itself, or "not sure" in its place), or None when
        the reply ends here: it failed, or reached the sentence limit."""
        if self._done:
            return None
        problem = self._problem(sentence)
        if problem is None:
            self._spoken.append(sentence)
            self._sentences += sentence.rstrip("\"')]\u201d").endswith(SENTENCE_ENDS)
            self._done = 0 < self._max_sentences <= self._sentences
            return sentence
        self._done = True
        self.reason = problem
        if self._spoken:
            self.verdict = GuardVerdict.CUT
            return None
        self.verdict = GuardVerdict.REPLACED
        if problem.startswith(LIVE_FACT) and self._no_source is not None:
            return self._no_source(problem.removeprefix(LIVE_FACT))
        return self._not_sure

    def _problem(self, sentence: str) -> str | None:
        if self._live is not None and (topic := live_fact(sentence, self._question,
                                                           self._live)):
            return f"{LIVE_FACT}{topic}"
        if self._english and (problem := language_problem(sentence, self._words)):
            return f"not English: {problem}"
        if problem := repetition_problem(sentence, self._spoken, self._words):
            return f"repetition: {problem}"
        if not self._on_topic:
            said = topic_words(sentence, self._words)
            self._on_topic = bool(self._topic & said)
            if not self._on_topic and said & self._elsewhere:
                return "off topic: an earlier topic, no word of the question"
        return None


def guarded(sentences: Iterable[str], guard: ReplyGuard | None) -> Iterator[str]:
    """The sentences `guard` lets through, in order (with its replacement for a failed
    first one); stops where the guard ends the reply, so the writer can stop too."""
    for text in sentences:
        sentence = guard.check(text) if guard is not None else text
        if sentence is None:
            return
        yield sentence
        if guard is not None and guard.done:
            return

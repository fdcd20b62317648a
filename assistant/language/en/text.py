"""English text: one written form for every recognizer's output, and when a transcript
reads as a whole request.

`normalize` is what the intents match: "Set a timer for 10 minutes." and "set a timer
for ten minutes" both become "set a timer for 10 minutes" (number words to digits, amounts
of time rewritten, see `numbers`). `sounds_finished` and `unfinished` let the listener cut
the end-of-speech wait short for a whole question and keep waiting after "Turn on the".
"""

from __future__ import annotations

import re
import unicodedata

from assistant.language.en.numbers import rewrite_amount_idioms, words_to_digits

_REPLACEMENTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(?<=\d),(?=\d{3}\b)", ""),  # 1,000 -> 1000
        (r"°\s*c\b", " degrees celsius "),
        (r"°\s*f\b", " degrees fahrenheit "),
        (r"°", " degrees "),
        (r"%", " percent "),
        (r"\b([ap])\.\s?m\b\.?", r"\1m"),  # p.m. -> pm
        (r"(?<=\d)\s*[x×*]\s*(?=-?\d)", " times "),
        (r"(?<=\d)\s*[÷/]\s*(?=-?\d)", " divided by "),
        (r"(?<=\d)\s*\+\s*(?=-?\d)", " plus "),
        (r"(?<=\d)\s+[-−]\s+(?=\d)", " minus "),
        (r"\s*=\s*\??$", ""),
        (r"(?<=[^\W\d_])-(?=[^\W\d_])", " "),  # twenty-two, living-room
        (r"(?<=\d)-(?=[^\W\d_])", " "),  # 10-minute
        (r"(?<=\d)(?=(?!st\b|nd\b|rd\b|th\b)[^\W\d_])", " "),  # 5km -> 5 km
        (r"[^\w\s'.\-]", " "),  # remaining punctuation and symbols
        (r"(?<!\d)\.|\.(?!\d)", " "),  # full stops, keeping 1.5
        (r"-(?!\d)", " "),  # dashes, keeping -5
        (r"(?<!\w)'|'(?!\w)", " "),  # quotes, keeping what's
        (r"_", " "),
    )
)


# "7.30", "at 10.15": a clock time, not a decimal, after a word that introduces a time or
# before a.m./p.m. ("set an alarm for 7.30"; "what is 7.30 plus 2" stays a number).
_DOTTED_TIME = re.compile(
    r"\b(at|for|until|till|to|by|from) ([01]?\d|2[0-3])\.([0-5]\d)\b|"
    r"\b([01]?\d|2[0-3])\.([0-5]\d) ?(?=[ap]\.? ?m\b)")


def _dotted_time(match: re.Match[str]) -> str:
    if match.group(1):
        return f"{match.group(1)} {match.group(2)} {match.group(3)}"
    return f"{match.group(4)} {match.group(5)} "


_LEADING_FILLER = re.compile(r"^(?:(?:and|so|okay|ok|um|uh|erm|well|also|then)\b\s*)+")


def normalize(text: str) -> str:
    """One canonical form for every recognizer's output: lowercase, no punctuation,
    numbers as digits, spoken amounts of time as number + unit."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("`", "'")
    text = _DOTTED_TIME.sub(_dotted_time, text)
    for pattern, replacement in _REPLACEMENTS:
        text = pattern.sub(replacement, text)
    text = " ".join(text.split())
    text = _LEADING_FILLER.sub("", text)  # "and what is ten plus five" (a follow-up)
    return " ".join(rewrite_amount_idioms(words_to_digits(text)).split())


def words_of(text: str) -> str:
    """Lowercase words without punctuation: how control phrases are compared."""
    text = re.sub(r"[^\w\s']", " ", text.lower())
    return " ".join(text.split())


# A fragment ends on a word that needs more: "What is the capital of." is not done yet.
_DANGLING = frozenset(["a", "an", "the", "of", "to", "and", "or", "but", "nor", "than", "my",
                       "your", "his", "her", "their", "our", "its"])
# With a full stop instead of "?", the recognizer is less sure the question is over, so
# more endings count as unfinished: a preposition ("Tell me about."), a pronoun, a
# question word or an auxiliary ("Can you tell me what.", "Do you know.").
_DANGLING_AFTER_STOP = _DANGLING | frozenset([
    "about", "in", "on", "for", "with", "from", "at", "between", "like", "into", "by", "as",
    "if", "i", "you", "we", "they", "he", "she", "it", "me", "what", "who", "why", "how",
    "when", "where", "which", "is", "are", "was", "were", "do", "does", "did", "can",
    "could", "will", "would", "should", "have", "has", "please", "so", "that"])
# A request verb ("tell me a joke."), or a question word followed by what a question
# needs there ("what is", "who wrote", but not "when I ...").
_REQUEST = re.compile(
    r"^(?:tell me|explain|describe|give me|define|recommend|suggest|translate|summarize|"
    r"teach me)\b|"
    r"^(?:what|who|which)\b|"
    r"^(?:why|how|when|where)\s(?:is|are|was|were|do|does|did|can|could|will|would|should|"
    r"has|have|had|much|many|long|far|old|big|often)\b|"
    r"^(?:what's|who's|how's|where's|when's|why's)\b")


def sounds_finished(text: str) -> bool:
    """True when `text` reads as a whole question or request for the chat model: the
    recognizer ended it with "?" after at least three words, and not on a word that
    needs more ("of", "the", "and"); or with "." or "!" after at least four words that
    open like a question or a request ("Who wrote Hamlet.", "Tell me a joke.") and end
    on none of the words a sentence goes on after. Never when it trails off ("...")."""
    stripped = text.strip().rstrip("\"')")
    words = words_of(text).split()
    if len(words) < 3 or words[-1] in _DANGLING or stripped.endswith(("...", "\u2026")):
        return False
    if stripped.endswith("?"):
        return True
    return (stripped.endswith((".", "!")) and len(words) >= 4
            and words[-1] not in _DANGLING_AFTER_STOP
            and _REQUEST.match(" ".join(words)) is not None)



def unfinished(text: str) -> bool:
    """True when `text` ends on a word that needs more ("Turn on the", "What is the
    capital of")."""
    words = words_of(text).split()
    return not words or words[-1] in _DANGLING

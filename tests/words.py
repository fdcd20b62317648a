"""What a recognizer heard against what was said: compared as words, with tolerance.

Whisper's floating-point paths differ between CPUs (AVX2 here, AVX-512 on a Xeon), so a
test whose subject is not the recognizer must not hang on one borderline word: it asks
that most of the words came through (`share_heard`), which still fails when the audio is
broken (wrong rate, channels, cut short, silent) since then almost nothing does. Both
sides go through the benchmark's normalization (numbers spelled out, no punctuation).
"""

from __future__ import annotations

from collections import Counter

from assistant_bench.text import normalize

#: The share of the said words a test whose subject is not the recognizer asks for.
ENOUGH = 0.8


def words(text: str) -> list[str]:
    """Normalized words: "Paris?" is "paris", "23" and "twenty-three" are both
    ["twenty", "three"]."""
    return normalize(text).split()


def share_heard(said: str, heard: str) -> float:
    """The share of the said words (each occurrence) that are among the heard ones."""
    expected = Counter(words(said))
    if not expected:
        return 1.0
    found = expected & Counter(words(heard))
    return sum(found.values()) / sum(expected.values())


def heard_enough(said: str, heard: str, *, share: float = ENOUGH) -> bool:
    """Most of the words came through, and not many more were made up."""
    return share_heard(said, heard) >= share and \
        len(words(heard)) <= len(words(said)) + max(2, len(words(said)) // 4)

"""How far apart two Mandarin syllables sound, for matching what the recognizer wrote.

A syllable (toneless, folded by `text.fuzzy`: zh/z, ch/c, sh/s, -ng/-n) is an initial and
a final. Two syllables cost half a point for each part that differs, a fifth of a point
for a part that differs only as near sounds do (b/p, d/t, j/q/x, n/l, an/ian/uan, e/o/uo,
...): "guan" and "gua" cost 0.1, "deng" and "dong" 0.1, "shi" and "qi" 0.5, "ba" and
"wo" 1. Tones are not compared at all (Whisper's homophones and tone slips cost nothing).
Numbers and other tokens compare as written.
"""

from __future__ import annotations

from functools import lru_cache

_INITIALS = ("b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r",
             "z", "c", "s", "y", "w")
_NEAR_INITIALS = ({"zh", "z", "j"}, {"ch", "c", "q"}, {"sh", "s", "x"}, {"b", "p"},
                  {"d", "t"}, {"g", "k"}, {"j", "q", "x"}, {"z", "c", "s"},
                  {"n", "l"}, {"f", "h"}, {"r", "l"}, {"m", "n"}, {"y", ""}, {"w", ""},
                  {"j", "z"}, {"q", "c"}, {"x", "s"})
_NEAR_FINALS = ({"an", "ian", "uan", "van", "a"}, {"en", "in", "un", "vn", "e"},
                {"e", "o", "uo", "er"}, {"i", "ei", "ui", "v", "ie"}, {"ao", "ou", "iao", "iu"},
                {"u", "v", "ou"}, {"a", "ia", "ua"}, {"ai", "ei", "uai"}, {"on", "in", "en"},
                {"ie", "ve", "ue", "e"}, {"o", "ou", "u"})
NEAR = 0.2
"""What a part that differs as near sounds do costs (a whole part: 0.5)."""


def split(syllable: str) -> tuple[str, str]:
    """"guan" -> ("g", "uan"), "an" -> ("", "an"), "yi" -> ("y", "i"), "shi" -> ("sh", "i")."""
    if syllable[:2] in ("zh", "ch", "sh"):
        return syllable[:2], syllable[2:]
    if syllable[:1] in _INITIALS:
        return syllable[:1], syllable[1:]
    return "", syllable


def _near(a: str, b: str, groups: tuple[set[str], ...]) -> bool:
    return any(a in group and b in group for group in groups)


@lru_cache(maxsize=65536)
def distance(a: str, b: str) -> float:
    """0 for the same sound, up to 1 for nothing in common (see the module docstring)."""
    if a == b:
        return 0.0
    if not (a.isalpha() and b.isalpha() and a.isascii() and b.isascii()):
        return 1.0  # a number or a symbol is what it is
    (ia, fa), (ib, fb) = split(a), split(b)
    cost = 0.0
    if ia != ib:
        cost += NEAR if _near(ia, ib, _NEAR_INITIALS) else 0.5
    if fa != fb:
        cost += NEAR if _near(fa, fb, _NEAR_FINALS) else 0.5
    return cost

"""How a name is looked up: every spoken form of it brought to a few comparable keys.

"Korea, Republic of", "the Republic of Korea" and "republic of korea" meet on one key;
accents go ("Réunion" = "reunion"), a leading "the" goes, and Chinese stays as written
(the Mandarin pack has already made it Simplified).
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w\s]")
_LEADING_THE = re.compile(r"^the\s+")


def name_key(text: str) -> str:
    """One comparable form: lowercase, no accents, no punctuation, no leading "the"."""
    text = unicodedata.normalize("NFKD", text.strip().lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = " ".join(_NOT_WORD.sub(" ", text.replace("'", "")).split())
    return _LEADING_THE.sub("", text)


def name_keys(text: str) -> list[str]:
    """The keys a name is stored (and looked up) under: itself, and for an inverted ISO
    name ("Korea, Republic of") the natural order too ("republic of korea")."""
    keys = [name_key(text)]
    head, comma, tail = text.partition(",")
    if comma and tail.strip():
        keys.append(name_key(f"{tail} {head}"))
    return [key for key in dict.fromkeys(keys) if key]

"""Mandarin text: one written form for every recognizer output, and its pinyin.

Whisper writes Mandarin in Traditional or Simplified characters, with numbers as
Chinese numerals or digits, and often picks a homophone ("握式" for 卧室). Before
intents see a transcript it is brought to one form: Simplified characters (OpenCC's
t2s table), numbers as digits (cn2an), no punctuation, one token per character or
number, so hassil's word matching works character by character:

    "把臥室的燈調到百分之五十。" -> "把 卧 室 的 灯 调 到 50 percent"

`pinyin_key` then spells each character by its toneless pinyin (pypinyin), which makes
homophones equal: "把 握 式 的 灯 掉 到 50 percent" and the line above both become
"ba wo shi de deng diao dao 50 percent".
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from functools import lru_cache
from typing import Any

from assistant.extras import require

# The zh extra: a missing one is one line ("Mandarin needs the zh extra: ..."), no traceback.
cn2an = require("zh", "cn2an", needed_by="Mandarin")
opencc = require("zh", "opencc", needed_by="Mandarin")
pypinyin = require("zh", "pypinyin", needed_by="Mandarin")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|-?\d+(?:\.\d+)?|[a-z']+")
_SYMBOLS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), words) for pattern, words in (
        (r"(?<=\d),(?=\d{3}\b)", ""),  # 1,000 -> 1000
        (r"(?<=\d)\s*[x×*]\s*(?=-?\d)", "乘以"),
        (r"(?<=\d)\s*[÷/]\s*(?=-?\d)", "除以"),
        (r"(?<=\d)\s*\+\s*(?=-?\d)", "加"),
        (r"(?<=\d)\s*[-−]\s*(?=\d)", "减"),
        (r"=", "等于"),
        (r"%", " percent "),
        (r"°c?", "度"),
    ))
_SPLIT = re.compile(r"(?<=[。！？；!?;])")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    return opencc.OpenCC("t2s")


def is_han(text: str) -> bool:
    """True when `text` holds at least one Chinese character."""
    return _HAN.search(text) is not None


def simplified(text: str) -> str:
    """Traditional characters to Simplified ("現在幾點" -> "现在几点")."""
    return str(_t2s().convert(text))


def digits(text: str) -> str:
    """Chinese numerals to digits, as cn2an reads them in context: "二十二度" -> "22度",
    "百分之五十" -> "50%", "一百减去三十七" -> "100减去37"."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cn2an warns about strings it leaves alone
        try:
            return str(cn2an.transform(text, "cn2an"))
        except (ValueError, KeyError):
            return text


_CLOCK = re.compile(r"([零〇一二两三四五六七八九十\d]{1,3})点"
                    r"([零〇一二三四五六七八九十\d]{1,3})(分|刻)"
                    r"|([零〇一二两三四五六七八九十]{1,3})点([零〇][一二三四五六七八九]"
                    r"|[一二三四五]?十[一二三四五六七八九]?)(?![一二三四五六七八九十])")
_TWO_OCLOCK = re.compile(r"(?<![\d零〇一二三四五六七八九十])两(?=点)")


def _clock_part(numerals: str) -> str:
    stripped = numerals.lstrip("零〇") or "零"
    return digits(stripped) if not stripped.isdigit() else str(int(stripped))


def clock_times(text: str) -> str:
    """"八点零五分" -> "8点5分", "七点一刻" -> "7点1刻", "六点四十五" -> "6点45分",
    "两点" -> "2点": the 点 of a clock time is no decimal point (cn2an alone reads them
    as 8.05, 7.1 and 6.45). "三点一四" stays a number."""
    def clock(m: re.Match[str]) -> str:
        if m[1]:
            return f"{_clock_part(m[1])}点{_clock_part(m[2])}{m[3]}"
        return f"{_clock_part(m[4])}点{_clock_part(m[5])}分"

    return _CLOCK.sub(clock, _TWO_OCLOCK.sub("2", text))


def normalize(text: str) -> str:
    """The one form intents match: Simplified, digits, tokens separated by spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = digits(clock_times(simplified(text)))
    for pattern, words in _SYMBOLS:
        text = pattern.sub(words, text)
    return " ".join(_TOKEN.findall(text))


def syllable(char: str) -> str:
    """The toneless pinyin of one character, by its most common reading."""
    return _pinyin(char)


@lru_cache(maxsize=8192)
def _pinyin(char: str) -> str:
    spelled = pypinyin.lazy_pinyin(char, style=pypinyin.Style.NORMAL, errors="default")
    return spelled[0] if spelled else char


_NUMERALS = "零一二三四五六七八九十百千两"


@lru_cache(maxsize=1)
def _numeral_of_sound() -> dict[str, str]:
    """Toneless pinyin -> numeral ("shi" -> 十, "liang" -> 两)."""
    return {_pinyin(numeral): numeral for numeral in _NUMERALS}


def numerals_by_sound(text: str) -> str:
    """Two or more characters in a row that are not numerals but sound like them, written
    as numerals: "时器乘以二十三" -> "十七乘以二十三". One alone is left as it is (是, 以
    and 室 are words far more often than numbers)."""
    sounds = _numeral_of_sound()
    chars = list(simplified(text))
    numeral = [sounds.get(_pinyin(c), "") if _HAN.match(c) and c not in _NUMERALS else ""
               for c in chars]
    start = 0
    while start < len(chars):
        end = start
        while end < len(chars) and numeral[end]:
            end += 1
        if end - start >= 2:
            chars[start:end] = numeral[start:end]
        start = end + 1
    return "".join(chars)


def pinyin_key(text: str) -> str:
    """Every Chinese character of `text` by its pinyin, near-homophones folded together
    the way pinyin input methods do (zh/z, ch/c, sh/s, -ng/-n); the rest kept."""
    return " ".join(_HAN.sub(lambda m: f" {fuzzy(_pinyin(m.group()))} ", text).split())


def fuzzy(spelled: str) -> str:
    """"zhong" -> "zon", "shi" -> "si", "ting" -> "tin": what many speakers (and the
    recognizer) do not tell apart."""
    for retroflex in ("zh", "ch", "sh"):
        if spelled.startswith(retroflex):
            spelled = spelled[0] + spelled[2:]
    return spelled[:-1] if spelled.endswith("ng") else spelled


def space_han(text: str) -> str:
    """Spaces around every Chinese character, so each is one token for hassil."""
    return _HAN.sub(lambda m: f" {m.group()} ", text)


def join_tokens(text: str) -> str:
    """Undo the spacing between Chinese characters: "卧 室 灯" -> "卧室灯"."""
    return re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", text.strip())


def split_sentences(text: str) -> list[str]:
    """Sentences of a Mandarin reply for the voice, cut after 。！？；."""
    return [part.strip() for part in _SPLIT.split(text) if part.strip()]

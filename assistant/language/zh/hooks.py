"""Mandarin: the code hooks of the pack (its data is pack.yaml, intents/,
responses/ and home.toml next to this file).

Text is brought to one form (Simplified characters, digits, one token per character:
`text.normalize`) and matched on characters, then on pinyin (`intents`); control phrases
are compared by pinyin too. The filters say numbers, times, dates and durations the way a
Mandarin speaker does (`wording`).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant.intents import SlotValidator
from assistant.language.zh import wording
from assistant.language.zh.intents import MandarinIntentRecognizer
from assistant.language.zh.text import (
    is_han,
    normalize,
    pinyin_key,
    simplified,
    split_sentences,
)
from assistant.skills.math_units import rounded

__all__ = ["FILTERS", "country_names", "fold_name", "load_intents", "match_key", "normalize",
           "split_sentences", "tidy", "usual_script", "written_in"]

written_in = is_han
usual_script = simplified
_SPACE_AROUND_HAN = re.compile(
    r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])\s+|\s+(?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])")


def match_key(text: str) -> str:
    """A control phrase by its pinyin: "停", and "听" or "亭" heard for it, are equal."""
    return pinyin_key(normalize(text))


def load_intents(path: Path, lists: Mapping[str, Sequence[tuple[str, Any]]],
                 validators: Mapping[str, SlotValidator]) -> MandarinIntentRecognizer:
    return MandarinIntentRecognizer.load(path=path, lists=lists, validators=validators)


def tidy(text: str) -> str:
    """No spaces next to Chinese characters or punctuation (templates span lines)."""
    return _SPACE_AROUND_HAN.sub("", " ".join(text.split()))


def approx(value: float) -> str:
    """约四百五十三点五九 when rounded, else the exact words."""
    shown, approximate = rounded(value)
    decimals = 12 if shown and abs(shown) < 1 else 2
    words = wording.number_words(shown, decimals=decimals)
    return f"约{words}" if approximate else words


def timer_label(timer: Any) -> str:
    """意面定时器, 五分钟的定时器."""
    if timer.name:
        return f"{timer.name}定时器"
    return f"{wording.duration_words(timer.duration_s)}的定时器"


def first_few(items: list[str], limit: int = 4, conjunction: str = "和") -> str:
    items = list(items)
    if len(items) <= limit:
        return wording.join_words(items, conjunction=conjunction)
    rest = wording.count_words(len(items) - limit)
    return wording.join_words([*items[:limit], f"另外{rest}个"], conjunction=conjunction)


def level(volume: float) -> str:
    return wording.number_words(round(volume * 10, 1), decimals=1)


def degrees(value: float) -> str:
    return f"{wording.number_words(value, decimals=1)}度"


def fold_name(text: str) -> str:
    """A place or holiday name in one spelling: Simplified characters, no spaces."""
    return simplified(text).replace(" ", "") if is_han(text) else text


def country_names() -> dict[str, list[str]]:
    """The countries' Chinese names by ISO code: pycountry's translations of ISO 3166
    (its name, common name and official name in zh_CN)."""
    import gettext

    from assistant.extras import require

    pycountry = require("zh", "pycountry", needed_by="Mandarin country names")
    chinese = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    names: dict[str, list[str]] = {}
    for country in pycountry.countries:
        said = {chinese.gettext(getattr(country, key)) for key in
                ("name", "common_name", "official_name") if hasattr(country, key)}
        names[country.alpha_2] = sorted(n for n in said if is_han(n))
    return names


def second_person(text: str) -> str:
    """What the user said, said back: "给我妈打电话" -> "给你妈打电话"."""
    return str(text).replace("我们", "你们").replace("我", "你")


def without_weekday(text: str) -> str:
    """"十一月二十九日，星期日" -> "十一月二十九日"."""
    return text.split("，")[0]


def days_in_month(month: int, year: int | None = None) -> int:
    return calendar.monthrange(year or 2023, month)[1]  # no year: a common one


FILTERS = {
    "number": wording.number_words, "count": wording.count_words,
    "time": wording.time_words, "date": wording.date_words,
    "duration": wording.duration_words, "listing": wording.join_words,
    "first_few": first_few, "approx": approx, "timer_label": timer_label, "level": level,
    "degrees": degrees, "year": wording.year_words,
    "weekday": lambda moment: wording.WEEKDAYS[moment.weekday()],
    "day_name": lambda day: wording.WEEKDAYS[int(day)],
    "days_in_month": days_in_month, "second_person": second_person,
    "without_weekday": without_weekday,
    "name": lambda name: name.in_language("zh"),
}

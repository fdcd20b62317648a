"""Numbers, clock times, dates and durations as a Mandarin speaker says them.

Number words come from cn2an (an2cn); the rest is the grammar of saying them: 两 and
not 二 before a measure word (两分十秒, 两个定时器), the part of the day before the
hour (下午三点二十五分), 零 before a single-digit minute (八点零五分), the year read
digit by digit (二零二六年).
"""

from __future__ import annotations

import math
import warnings
from datetime import datetime

from assistant.extras import require

cn2an = require("zh", "cn2an", needed_by="Mandarin")  # the zh extra

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_DIGITS = "零一二三四五六七八九"


def number_words(value: float, *, decimals: int = 2) -> str:
    """22 -> 二十二, 1.5 -> 一点五, -3 -> 负三, 391 -> 三百九十一."""
    if isinstance(value, float) and not math.isfinite(value):
        return "无穷大" if not math.isnan(value) else "不是一个数"
    rounded = round(float(value), decimals)
    number: int | float = int(rounded) if rounded.is_integer() else rounded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return str(cn2an.an2cn(str(number), "low"))


def count_words(count: float) -> str:
    """A number before a measure word: 2 -> 两, 12 -> 十二, 2.5 -> 二点五."""
    return "两" if count == 2 else number_words(count)


def day_part(hour: int) -> str:
    """凌晨, 早上, 上午, 中午, 下午 or 晚上 for an hour of the 24-hour clock."""
    for end, name in ((5, "凌晨"), (8, "早上"), (11, "上午"), (13, "中午"), (18, "下午")):
        if hour < end:
            return name
    return "晚上"


def time_words(moment: datetime) -> str:
    """15:25 -> 下午三点二十五分, 7:05 -> 早上七点零五分, 14:00 -> 下午两点整,
    0:30 -> 凌晨零点三十分."""
    hour, minute = moment.hour, moment.minute
    hour12 = hour % 12 or (0 if hour == 0 else 12)  # 零点 is midnight
    spoken_hour = f"{day_part(hour)}{count_words(hour12)}点"
    if minute == 0:
        return f"{spoken_hour}整"
    zero = "零" if minute < 10 else ""
    return f"{spoken_hour}{zero}{number_words(minute)}分"


def year_words(year: int) -> str:
    """2026 -> 二零二六 (a year is read digit by digit)."""
    return "".join(_DIGITS[int(d)] for d in str(year))


def date_words(moment: datetime, *, with_year: bool = True) -> str:
    """二零二六年十一月二十九日，星期日."""
    weekday = WEEKDAYS[moment.weekday()]
    text = f"{number_words(moment.month)}月{number_words(moment.day)}日，{weekday}"
    return f"{year_words(moment.year)}年{text}" if with_year else text


def duration_words(seconds: float, *, precise: bool = True) -> str:
    """130 -> 两分十秒, 3600 -> 一小时, 5400 -> 一个半小时; `precise=False` rounds
    ten minutes or more to whole minutes and drops seconds past an hour."""
    total = max(0, round(seconds))
    if not precise and total >= 600:
        total = round(total / 60) * 60
    if 3600 <= total < 86400 and total % 3600 == 1800:
        return f"{count_words(total // 3600)}个半小时"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{count_words(amount)}{unit}"
             for amount, unit in ((days, "天"), (hours, "小时"), (minutes, "分"), (secs, "秒"))
             if amount]
    if len(parts) == 1 and minutes:
        parts = [f"{count_words(minutes)}分钟"]  # 五分钟, but 两分十秒
    return "".join(parts) if parts else "零秒"


def join_words(items: list[str], *, conjunction: str = "和") -> str:
    """["甲"] -> 甲; ["甲", "乙", "丙"] -> 甲、乙和丙."""
    if len(items) <= 1:
        return "".join(items)
    return f"{'、'.join(items[:-1])}{conjunction}{items[-1]}"

"""The skills answering in Mandarin: time and date, timers, control, arithmetic and units.

Each is the English skill with its sentences replaced; what the skills do (the timers,
the volume, the arithmetic) is shared, so both languages behave the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from assistant.intents import IntentMatch
from assistant.language.zh.wording import (
    count_words,
    date_words,
    duration_words,
    join_words,
    number_words,
    time_words,
)
from assistant.skills.base import SkillReply, reply
from assistant.skills.control import VOLUME_STEP, ControlSkill
from assistant.skills.math_units import (
    BINARY,
    MAX_SPOKEN,
    UNARY,
    UNITS,
    MathSkill,
    from_kelvin,
    rounded,
    to_kelvin,
)
from assistant.skills.time_date import TimeDateSkill
from assistant.skills.timers import MAX_TIMER_S, MAX_TIMERS, Timer, TimerSkill

HELP_TEXT = ("我可以告诉你时间和日期，设置和查看定时器，开关灯和插座，调节灯光亮度，"
             "设置温度，开关窗帘，锁门。我还会算数、换算单位、调节音量。其他问题也可以问我。")

_OPERATORS = {"add": "加", "subtract": "减", "multiply": "乘以", "divide": "除以"}
_UNARY = {"square_root": "{x}的平方根", "square": "{x}的平方", "cube": "{x}的立方"}
UNIT_NAMES = {
    "millimeter": "毫米", "centimeter": "厘米", "meter": "米", "kilometer": "公里",
    "inch": "英寸", "foot": "英尺", "yard": "码", "mile": "英里", "milligram": "毫克",
    "gram": "克", "kilogram": "公斤", "ounce": "盎司", "pound": "磅", "stone": "英石",
    "milliliter": "毫升", "liter": "升", "teaspoon": "茶匙", "tablespoon": "汤匙",
    "fluid_ounce": "液量盎司", "cup": "杯", "pint": "品脱", "gallon": "加仑",
    "kilometer_per_hour": "公里每小时", "mile_per_hour": "英里每小时", "second": "秒",
    "minute": "分钟", "hour": "小时", "day": "天", "week": "周", "celsius": "摄氏度",
    "fahrenheit": "华氏度", "kelvin": "开尔文",
}


class MandarinTimeDateSkill(TimeDateSkill):
    def handle(self, match: IntentMatch, *, now: float) -> SkillReply:
        moment = self._wallclock()
        if match.intent == "GetTime":
            return reply(match, f"现在是{time_words(moment)}。")
        return reply(match, f"今天是{date_words(moment, with_year=False)}。")


def timer_label(timer: Timer) -> str:
    """意面定时器, 五分钟的定时器."""
    return f"{timer.name}定时器" if timer.name else f"{duration_words(timer.duration_s)}的定时器"


def _left(timer: Timer, now: float) -> str:
    return duration_words(max(1.0, timer.ends_at - now), precise=False)


def _few(items: list[str], *, limit: int = 4) -> str:
    if len(items) <= limit:
        return join_words(items)
    return join_words([*items[:limit], f"另外{count_words(len(items) - limit)}个"])


class MandarinTimerSkill(TimerSkill):
    def due(self, now: float) -> list[str]:
        with self._lock:
            finished = sorted((t for t in self._timers if t.ends_at <= now),
                              key=lambda t: t.ends_at)
            self._timers = [t for t in self._timers if t.ends_at > now]
        return [f"你的{timer_label(t)}时间到了。" for t in finished]

    def _set(self, slots: dict[str, Any], now: float) -> str:
        seconds = float(slots.get("duration", 0))
        if seconds < 1:
            return "定时器要设多久？比如说：设一个十分钟的定时器。"
        if seconds > MAX_TIMER_S:
            return "定时器最长只能设二十四小时。"
        if len(self.running(now)) >= MAX_TIMERS:
            return "你已经有二十个定时器了，请先取消一个。"
        timer = Timer(id=next(self._ids), name="", duration_s=seconds, ends_at=now + seconds)
        self._timers.append(timer)
        return f"好的，定时器设好了，{duration_words(seconds)}。"

    def _missing(self, slots: dict[str, Any], now: float) -> str:
        if not self.running(now):
            return "你现在没有定时器。"
        return f"没有找到这个定时器。你有{self._names(now)}。"

    def _names(self, now: float) -> str:
        labels = [timer_label(t) for t in self.running(now)]
        return f"{count_words(len(labels))}个定时器：{_few(labels)}"

    def _cancel(self, slots: dict[str, Any], now: float) -> str:
        chosen = self._select(slots, now)
        if not chosen:
            return self._missing(slots, now)
        if len(chosen) > 1 and "duration" not in slots:
            return f"你有{self._names(now)}。要取消哪一个？"
        self._timers.remove(chosen[0])
        return f"好的，{timer_label(chosen[0])}已取消。"

    def _cancel_all(self, now: float) -> str:
        count = len(self.running(now))
        self._timers = [t for t in self._timers if t.ends_at <= now]
        if count == 0:
            return "你现在没有定时器。"
        return f"好的，{count_words(count)}个定时器都取消了。"

    def _status(self, slots: dict[str, Any], now: float) -> str:
        chosen = self._select(slots, now)
        if not chosen:
            return self._missing(slots, now)
        if len(chosen) == 1:
            return f"定时器还剩{_left(chosen[0], now)}。"
        parts = [f"{timer_label(t)}还剩{_left(t, now)}" for t in chosen]
        return f"{_few(parts)}。"

    def _list(self, now: float) -> str:
        timers = self.running(now)
        if not timers:
            return "你现在没有定时器。"
        parts = [f"{timer_label(t)}还剩{_left(t, now)}" for t in timers]
        return f"你有{count_words(len(parts))}个定时器：{_few(parts)}。"


def _level(level: float) -> str:
    return number_words(round(level * 10, 1), decimals=1)


class MandarinControlSkill(ControlSkill):
    def handle(self, match: IntentMatch, *, now: float) -> SkillReply:
        controls = self._controls
        if match.intent in ("VolumeUp", "VolumeDown"):
            step = VOLUME_STEP if match.intent == "VolumeUp" else -VOLUME_STEP
            level = min(1.0, max(0.0, round(controls.volume() + step, 2)))
            if level == controls.volume():
                return reply(match, "音量已经最大了。" if step > 0 else "音量已经最小了。")
            controls.set_volume(level)
            return reply(match, f"好的，音量{_level(level)}。")
        if match.intent == "VolumeSet":
            percent = float(match.slots.get("percent", -1))
            if not 0 <= percent <= 100:
                return reply(match, "音量可以从零调到十。")
            controls.set_volume(percent / 100)
            if percent == 0:
                return reply(match, "好的，已静音。说“音量调大”就能再听到我。")
            return reply(match, f"好的，音量{_level(percent / 100)}。")
        if match.intent == "VolumeGet":
            return reply(match, f"现在的音量是{_level(controls.volume())}，最大是十。")
        if match.intent == "Repeat":
            last = controls.last_reply()
            return reply(match, last if last else "我还什么都没说呢。")
        if match.intent == "Forget":
            controls.forget()
            return reply(match, "好的，我已经忘掉我们的对话了。")
        return reply(match, HELP_TEXT)


def say_number(value: float) -> str:
    """约四百五十三点五九 when rounded, else the exact words."""
    shown, approximate = rounded(value)
    decimals = 12 if shown and abs(shown) < 1 else 2
    words = number_words(shown, decimals=decimals)
    return f"约{words}" if approximate else words


class MandarinMathSkill(MathSkill):
    def _calculate(self, slots: dict[str, Any]) -> str:
        operator = str(slots.get("operator", ""))
        x = float(slots.get("x", 0))
        if operator in UNARY:
            if operator == "square_root" and x < 0:
                return "负数没有实数平方根。"
            question = _UNARY[operator].format(x=number_words(x))
            return self._answer(question, lambda: UNARY[operator][1](x))
        if operator not in BINARY:
            return "这个我不会算。"
        y = float(slots.get("y", 0))
        if operator == "divide" and y == 0:
            return "不能除以零。"
        if operator == "power" and abs(y) > 1000:
            return "这个数太大了，我说不出来。"
        if operator == "power":
            question = f"{number_words(x)}的{number_words(y)}次方"
        elif operator == "percent_of":
            question = f"{number_words(y)}的百分之{number_words(x)}"
        else:
            question = f"{number_words(x)}{_OPERATORS[operator]}{number_words(y)}"
        return self._answer(question, lambda: BINARY[operator][1](x, y))

    @staticmethod
    def _answer(question: str, compute: Callable[[], float]) -> str:
        try:
            result = compute()
        except (OverflowError, ValueError, ZeroDivisionError):
            return "这个数太大了，我说不出来。"
        if not math.isfinite(result) or abs(result) >= MAX_SPOKEN:
            return "这个数太大了，我说不出来。"
        return f"{question}等于{say_number(result)}。"

    def _convert(self, slots: dict[str, Any]) -> str:
        source, target = str(slots.get("from_unit", "")), str(slots.get("to_unit", ""))
        if source not in UNITS or target not in UNITS:
            return "我不认识这个单位。"
        value = float(slots.get("value", 1))
        if UNITS[target][0] != UNITS[source][0]:
            return f"{UNIT_NAMES[source]}不能换算成{UNIT_NAMES[target]}。"
        if UNITS[source][0] == "temperature":
            result = from_kelvin(to_kelvin(value, source), target)
        else:
            result = value * UNITS[source][1] / UNITS[target][1]
        if abs(result) >= MAX_SPOKEN:
            return "这个数太大了，我说不出来。"
        return (f"{number_words(value)}{UNIT_NAMES[source]}等于{say_number(result)}"
                f"{UNIT_NAMES[target]}。")

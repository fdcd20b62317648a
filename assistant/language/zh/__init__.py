"""Mandarin (普通话): multilingual Whisper base told to write Simplified Chinese, zh.yaml
matched on characters and pinyin, replies in Mandarin, the Piper voice huayan.

Offline here: the recognizer (PyPI), the normalization (OpenCC, cn2an, pypinyin), the
intents and the replies, and the chat model (Qwen2.5-Coder 1.5B, from PyPI). Fetched by
URL, for users with a connection: the voice (`piper-zh_CN-huayan-medium`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from assistant.intents import SlotValidator
from assistant.language import Language, SkillClasses, Wording
from assistant.language.zh import wording
from assistant.language.zh.home import MandarinHomeSkill
from assistant.language.zh.intents import MandarinIntentRecognizer
from assistant.language.zh.skills import (
    MandarinControlSkill,
    MandarinMathSkill,
    MandarinTimeDateSkill,
    MandarinTimerSkill,
)
from assistant.language.zh.text import is_han, normalize, pinyin_key, split_sentences
from assistant.skills.home_state import HomeConfig

CHAT_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"
VOICE = "piper-zh_CN-huayan-medium"
PROMPT = "以下是普通话的句子。"
"""Without it, Whisper base writes Mandarin in Traditional characters (../shared/MODELS.md)."""


CONTROL_PHRASES = ("停", "停止", "停下", "停下来", "别说了", "不要说了", "闭嘴", "安静",
                   "取消", "算了", "够了", "好了别说了")
_CONTROL_KEYS = frozenset(pinyin_key(normalize(phrase)) for phrase in CONTROL_PHRASES)


def is_control(text: str) -> bool:
    """"停" (or what the recognizer heard for it, "听", "亭"): a control phrase by its pinyin."""
    return pinyin_key(normalize(text)) in _CONTROL_KEYS


HINT_EXAMPLES = ("打开厨房的灯。把卧室的灯调到百分之三十。设一个三分钟的定时器，取消定时器。"
                 "把温度调低一点。音量调小一点。五公里是多少英里？一米是多少厘米？三乘以四等于多少？")
"""Commands in the words the templates use, chosen on tests/data/speech-zh (none of its
sentences): with them Whisper base writes 设 and not 睡, 卧室 and not 握式. Without them
19 of its 30 utterances reach the right intent, with them 29 (assistant/bench/mandarin.py:
character error rate 26.7 % -> 6.2 %)."""


def vocabulary_hint(home: HomeConfig) -> str:
    """Example commands and the home's device names, after the prompt (like English)."""
    names = "、".join(dict.fromkeys(d.name for d in home.devices))
    return HINT_EXAMPLES + (f"设备：{names}。" if names else "")


def sorry(what: str, refusal: str = "") -> str:
    """The skills' apologies in Mandarin (see `Language.sorry`)."""
    if what == "too_late":
        return f"抱歉，我等回答等得太久了，{refusal.removeprefix('好的，')}如果还要，请再说一次。"
    if what == "unknown":
        return "抱歉，这个我还不会。"
    return "抱歉，出了点问题。"


def load_intents(lists: Mapping[str, Sequence[tuple[str, Any]]],
                 validators: Mapping[str, SlotValidator]) -> MandarinIntentRecognizer:
    return MandarinIntentRecognizer.load(lists=lists, validators=validators)


LANGUAGE = Language(
    code="zh", name="Mandarin", recognizer_model="whisper-base", recognizer_prompt=PROMPT,
    # best first; on a machine with little memory only the 0.5B model fits
    voice=VOICE, chat_models=(CHAT_MODEL, "qwen2.5-1.5b-instruct-q4_k_m",
                              "qwen2.5-0.5b-instruct-q4_k_m"),
    home_file=str(resources.files("assistant").joinpath("data/home.zh.toml")),
    no_chat_reply=("这个问题我现在还回答不了：还没有安装会说中文的聊天模型。"
                   f"请先下载：assistant models fetch {CHAT_MODEL}。"),
    is_control=is_control, not_caught="对不起，我没听清。", not_sure="这个我不太确定。",
    barge_in_hint="停。取消。算了。",
    sorry=sorry,
    skills=SkillClasses(time_date=MandarinTimeDateSkill, timers=MandarinTimerSkill,
                        home=MandarinHomeSkill, math=MandarinMathSkill,
                        control=MandarinControlSkill),
    load_intents=load_intents, normalize=normalize, written_in=is_han, hint=vocabulary_hint,
    system_prompt=("你是运行在用户自己设备上的语音助手。请用一到三句简短、自然的普通话回答，"
                   "适合朗读。不要列表，不要 markdown，不要表情符号。"),
    split_sentences=split_sentences,
    wording=Wording(number=wording.number_words, time=wording.time_words,
                    date=wording.date_words, duration=wording.duration_words),
)

"""Mandarin (普通话): multilingual Whisper base told to write Simplified Chinese, zh.yaml
matched on characters and pinyin, replies in Mandarin, the Piper voice huayan.

Offline here: the recognizer (PyPI), the normalization (OpenCC, cn2an, pypinyin), the
intents and the replies. Fetched by URL, for users with a connection: the voice
(`piper-zh_CN-huayan-medium`) and a chat model that speaks Mandarin (Qwen2.5).
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
from assistant.language.zh.text import is_han, normalize, split_sentences

CHAT_MODEL = "qwen2.5-0.5b-instruct-q4_k_m"
VOICE = "piper-zh_CN-huayan-medium"
PROMPT = "以下是普通话的句子。"
"""Without it, Whisper base writes Mandarin in Traditional characters (../shared/MODELS.md)."""


def load_intents(lists: Mapping[str, Sequence[tuple[str, Any]]],
                 validators: Mapping[str, SlotValidator]) -> MandarinIntentRecognizer:
    return MandarinIntentRecognizer.load(lists=lists, validators=validators)


LANGUAGE = Language(
    code="zh", name="Mandarin", recognizer_model="whisper-base", recognizer_prompt=PROMPT,
    voice=VOICE, chat_models=(CHAT_MODEL, "qwen2.5-1.5b-instruct-q4_k_m"),
    home_file=str(resources.files("assistant").joinpath("data/home.zh.toml")),
    no_chat_reply=(f"这个问题我现在还回答不了：默认的聊天模型不会说中文。"
                   f"请先下载会说中文的模型：assistant models fetch {CHAT_MODEL}。"),
    control_phrases=frozenset({"停", "停止", "停下", "停一下", "别说了", "不要说了", "闭嘴",
                               "安静", "取消", "算了", "够了", "好了别说了"}),
    skills=SkillClasses(time_date=MandarinTimeDateSkill, timers=MandarinTimerSkill,
                        home=MandarinHomeSkill, math=MandarinMathSkill,
                        control=MandarinControlSkill),
    load_intents=load_intents, normalize=normalize, written_in=is_han,
    system_prompt=("你是运行在用户自己设备上的语音助手。请用一到三句简短、自然的普通话回答，"
                   "适合朗读。不要列表，不要 markdown，不要表情符号。"),
    split_sentences=split_sentences,
    wording=Wording(number=wording.number_words, time=wording.time_words,
                    date=wording.date_words, duration=wording.duration_words),
)

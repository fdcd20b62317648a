"""English: the assistant's first language (Whisper tiny.en, en.yaml, the Piper voice joe)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assistant.intents import IntentRecognizer, SlotValidator, normalize
from assistant.language import Language, SkillClasses, Wording
from assistant.loop.reply_guard import NOT_SURE
from assistant.loop.responder import NOT_CAUGHT
from assistant.loop.router import is_control_phrase
from assistant.loop.sentences import split_text
from assistant.skills.control import ControlSkill
from assistant.skills.home import HomeSkill
from assistant.skills.math_units import MathSkill
from assistant.skills.registry import english_sorry, vocabulary_hint
from assistant.skills.time_date import TimeDateSkill
from assistant.skills.timers import TimerSkill
from assistant.speech_format import date_words, duration_words, number_words, time_words


def load_intents(lists: Mapping[str, Sequence[tuple[str, Any]]],
                 validators: Mapping[str, SlotValidator]) -> IntentRecognizer:
    return IntentRecognizer.load(language="en", lists=lists, validators=validators)


LANGUAGE = Language(
    code="en", name="English", recognizer_model="", recognizer_prompt="",
    voice="piper-en_US-joe-medium", chat_models=(), home_file="",
    no_chat_reply="Sorry, I can only do simple commands right now.",
    is_control=is_control_phrase, not_caught=NOT_CAUGHT, not_sure=NOT_SURE, barge_in_hint="",
    sorry=english_sorry,
    skills=SkillClasses(time_date=TimeDateSkill, timers=TimerSkill, home=HomeSkill,
                        math=MathSkill, control=ControlSkill),
    load_intents=load_intents, normalize=normalize, written_in=lambda text: False,
    hint=vocabulary_hint,
    system_prompt="", split_sentences=split_text,
    wording=Wording(number=number_words, time=time_words, date=date_words,
                    duration=duration_words),
)

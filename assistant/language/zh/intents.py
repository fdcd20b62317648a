"""Mandarin intents: the pack's intents/ matched on characters first, then on pinyin,
then by sound.

The recognizer hears homophones ("卧室" as "握式", "灯" as "登"): a sentence that does
not match on its characters is matched again with every character spelled in toneless,
fuzzy pinyin (see `text.pinyin_key`), against the same templates spelled the same way.
A number heard as homophones ("十七" as "时器") is not a number in either, so a third
pass writes such runs as numerals first (`text.numerals_by_sound`). These passes are
whole-sentence hassil matches; slot values are the home's canonical names, numbers stay
digits. Last, a transcript that none of them takes is aligned with every template by how
it sounds (`fuzzy`): the nearest template within `NEAR_ENOUGH` is the command, and a slot
not heard exactly is marked doubtful (the skills ask about it). A yes or a no is never
taken by sound. A command heard with a final 吗 is a yes/no question ("卧室灯关上吗", heard
for 卧室的灯关着吗): unless its intent is itself asked that way, it is asked about, never
run as heard.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hassil import SlotList

from assistant.intents import (
    HOME_LISTS,
    MAX_COMMAND_CHARS,
    IntentMatch,
    IntentRecognizer,
    SlotValidator,
    build_intents,
    read_templates,
    text_list,
)
from assistant.language.zh import sounds, wording
from assistant.language.zh.fuzzy import SoundGraph, Token
from assistant.language.zh.text import (
    fuzzy,
    is_han,
    join_tokens,
    normalize,
    numerals_by_sound,
    pinyin_key,
    space_han,
    syllable,
)

log = logging.getLogger(__name__)

NEAR_ENOUGH = 0.2
"""The largest distance (cost per syllable, see `fuzzy`) at which the nearest template is
taken as the command. Chosen on the tuning half of tests/data/speech-zh-voices: from 0.2
to 0.35 the same 38 of 48 are right, but from 0.25 one garbled transcript is acted on as
a wrong command, and from 0.4 questions are taken for commands (see docs/mandarin.md)."""
NOT_BY_SOUND = frozenset({"Confirm", "Deny"})
"""Intents taken only as written: a misheard "yes" must not unlock a door."""
_YES_NO = re.compile(r"吗[\W_]*$")
"""A sentence-final 吗: the sentence asks yes or no (punctuation after it ignored)."""
_REQUEST_TAIL = re.compile(
    r"[，,]?((?<![关开锁拉合收放弄做])(好吗|好不好|好么)|行吗|行不行|可以吗|可不可以|成吗)[\W_]*$")
"""A request's closing "好吗", "行吗" ("please?"); not 关好吗 (is it properly off?)."""
_REQUEST_HEAD = re.compile(r"^(请)?(你|您)?(能不能|可不可以|能否|可以|能)(帮我|帮忙|给我)?")
"""A request's opening "你能", "可以"; the plain ones only with a final 吗, since "能不能"
and "可不可以" ask by themselves."""
_ASKS_BY_ITSELF = ("能不能", "可不可以", "能否")
_PARTICLES = "了的吧呢啊呀吗嘛哦呃嗯着得地个一请都"
_NUMERALS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9, "十": 10, "两": 2}
NUMBER_BY_SOUND_COST = 0.5
"""Reading a number from a syllable that only sounds like one costs this and the
syllables' distance (and the number is asked about)."""


def _pinyin_form(text: str) -> str:
    return pinyin_key(normalize(text))


def _numbers_form(text: str) -> str:
    return normalize(numerals_by_sound(text))


def _pinyin_numbers_form(text: str) -> str:
    return pinyin_key(_numbers_form(text))


def _template(text: str, spell: Callable[[str], str]) -> str:
    """A template string with its Chinese characters spaced (or spelled in pinyin)."""
    return " ".join(spell(space_han(text)).split())


def _convert(node: Any, spell: Callable[[str], str]) -> Any:
    """Every template string of a parsed zh.yaml through `spell`, keys kept."""
    if isinstance(node, dict):
        return {key: _convert(value, spell) if key not in ("out", "slots", "language",
                                                           "range") else value
                for key, value in node.items()}
    if isinstance(node, list):
        return [_convert(item, spell) for item in node]
    if isinstance(node, str):
        return _template(node, spell)
    return node


def _identity(text: str) -> str:
    return text


class MandarinIntentRecognizer:
    """The same interface as `IntentRecognizer`, four passes: characters, pinyin,
    characters with numbers heard as homophones written as numbers, and pinyin of that
    ("时器成以二十三": 十七 by sound, 乘以 by pinyin); then by sound."""

    def __init__(self, chars: IntentRecognizer, pinyin: IntentRecognizer,
                 numbers: IntentRecognizer, *more: IntentRecognizer,
                 by_sound: SoundGraph | None = None,
                 validators: Mapping[str, SlotValidator] | None = None,
                 near_enough: float = NEAR_ENOUGH) -> None:
        self._passes = (chars, pinyin, numbers, *more)
        self._known: frozenset[str] = frozenset()
        """The home's names, as normalized: an "unknown" device that is one of them is
        not asked about (it is a device that cannot do that)."""
        self._by_sound = by_sound
        self._validators = dict(validators or {})
        self.near_enough = near_enough
        self._asked_with_ma: frozenset[str] = frozenset()
        """The intents a template of which ends a yes/no question with 吗 ("开着吗")."""

    @classmethod
    def load(cls, *, path: str | Path,
             lists: Mapping[str, Sequence[tuple[str, Any]]] | None = None,
             validators: Mapping[str, SlotValidator] | None = None
             ) -> MandarinIntentRecognizer:
        file = Path(path)
        data = read_templates(file)
        checked = {name: _joined(check) for name, check in (validators or {}).items()}
        passes = []
        for spell, form in ((_identity, normalize), (pinyin_key, _pinyin_form),
                            (_identity, _numbers_form), (pinyin_key, _pinyin_numbers_form)):
            intents = build_intents(_convert(data, spell), file)
            slot_lists: dict[str, SlotList] = {
                name: text_list(name, (lists or {}).get(name, []), form=form)
                for name in HOME_LISTS}
            passes.append(IntentRecognizer(intents, lists=slot_lists, validators=checked,
                                           normalizer=form))
        home = {name: text_list(name, (lists or {}).get(name, []), form=normalize)
                for name in HOME_LISTS}
        graph = SoundGraph.build(build_intents(_convert(data, _identity), file), home,
                                 exclude=NOT_BY_SOUND, tokenize=tokens,
                                 number_of=number_by_sound, say_number=wording.number_words,
                                 particles=[fuzzy(syllable(c)) for c in _PARTICLES])
        recognizer = cls(*passes, by_sound=graph, validators=checked)
        recognizer._asked_with_ma = _asked_with_ma(data)
        recognizer._known = frozenset(
            join_tokens(normalize(spoken)).replace(" ", "")
            for values in (lists or {}).values() for spoken, _ in values)
        return recognizer

    @property
    def characters_only(self) -> IntentRecognizer:
        """The first pass alone (the benchmark compares it with both)."""
        return self._passes[0]

    @property
    def intent_names(self) -> list[str]:
        return self._passes[0].intent_names

    def recognize(self, text: str) -> IntentMatch | None:
        """The first pass that matches the whole sentence, else the nearest template by
        sound if it is near enough, or None (not a command; nor is a text longer than
        any command, `MAX_COMMAND_CHARS`)."""
        if len(text) > MAX_COMMAND_CHARS:
            return None
        written = self.recognize_written(text)
        unknown = written.slots.get("unknown") if written is not None else None
        if written is not None and unknown is not None and (
                join_tokens(normalize(str(unknown))).replace(" ", "") not in self._known):
            # a device the home lacks, or one it has, misheard ("咖啡器"): asked about
            near = self.recognize_by_sound(text)
            if near is not None and near.intent == written.intent and (
                    "unknown" not in near.slots):
                return near
        return written or self.recognize_by_sound(text)

    def recognize_written(self, text: str) -> IntentMatch | None:
        """A whole-sentence match on characters, pinyin or numbers by sound (no guess),
        of the command inside a polite request first (`request_readings`)."""
        for reading in request_readings(text):
            match = self._written(reading)
            if match is None:
                continue
            if reading != text:  # asked about, it is quoted without the request's frame
                match = dataclasses.replace(match, heard_as=match.heard_as or reading)
            return self._as_asked(match, reading)
        return None

    def _written(self, text: str) -> IntentMatch | None:
        for index, recognizer in enumerate(self._passes):
            match = recognizer.recognize(text)
            if match is not None and index == 1:  # wildcards come back spelled in pinyin
                slots = {key: _said(value, text) if isinstance(value, str) else value
                         for key, value in match.slots.items()}
                return IntentMatch(match.intent, slots, match.text)
            if match is not None:
                return match
        return None

    def _as_asked(self, match: IntentMatch, text: str) -> IntentMatch | None:
        """`match`, asked about ("你是说“关上卧室的灯”吗？") when `text` ends in 吗 and no
        template of its intent does: the pinyin pass hears 吗 as the skip word 嘛 and the
        sound pass as a cheap particle, but "卧室灯关上吗" asks, it does not command. A
        yes or a no with 吗 ("是吗？", really?) is no answer at all (None)."""
        if match.intent in self._asked_with_ma or not _YES_NO.search(text):
            return match
        if match.intent in NOT_BY_SOUND:
            return None
        said = match.heard_as
        if not said:  # quoted as the templates say it, not as misheard ("握式灯")
            near = self._nearest(_YES_NO.sub("", text))
            same = near is not None and (near.intent, near.slots) == (match.intent,
                                                                       match.slots)
            said = near.heard_as if same and near is not None and near.heard_as else text
        return dataclasses.replace(match, doubtful=match.doubtful or ("intent",),
                                   heard_as=_YES_NO.sub("", said))

    def recognize_by_sound(self, text: str) -> IntentMatch | None:
        """The nearest template by sound within `near_enough`, its slots checked, with
        the slots not heard exactly marked doubtful. Only the sentence as heard: a polite
        request without its frame can be a bare noun ("温度可以吗?" is not 温度)."""
        if self._by_sound is None or len(text) > MAX_COMMAND_CHARS:
            return None
        match = self._nearest(text)
        return self._as_asked(match, text) if match is not None else None

    def _nearest(self, text: str) -> IntentMatch | None:
        if self._by_sound is None:
            return None
        for near in self._by_sound.nearest(text):
            if near.distance > self.near_enough:
                break
            if near.unheard:  # a frame without its names: nothing to ask about
                continue
            slots: dict[str, Any] | None = dict(near.slots)
            validator = self._validators.get(near.intent)
            if validator is not None and slots is not None:
                slots = validator(slots)
            if slots is None:
                continue
            log.debug("%r is near %r (%.2f) -> %s %s", text, near.heard_as, near.distance,
                      near.intent, slots)
            said = re.sub(r"\d+", lambda m: wording.number_words(int(m.group())),
                          near.heard_as)
            return IntentMatch(intent=near.intent, slots=slots, text=text,
                               doubtful=near.doubtful, heard_as=said)
        return None


def request_readings(text: str) -> list[str]:
    """The ways to read `text` as a command, best first: a polite request ("你能打开客厅的
    灯吗", "请把温度调到二十度好吗") is read without its frame (its 吗 is politeness, not a
    question), then also without its "你能"; anything else is read as it is."""
    tail = _REQUEST_TAIL.search(text)
    body = text[:tail.start()] if tail else None
    head = _REQUEST_HEAD.match(text)
    if body is None and head and (head.group(3) in _ASKS_BY_ITSELF or _YES_NO.search(text)):
        body = _YES_NO.sub("", text)
    if not body:
        return [text]
    head = _REQUEST_HEAD.match(body)
    bare = body[head.end():] if head and head.end() < len(body) else None
    return list(dict.fromkeys(reading for reading in (body, bare, text) if reading))


def _asked_with_ma(data: Mapping[str, Any]) -> frozenset[str]:
    """The intents of the templates' data some sentence of which says 吗, its expansion
    rules expanded."""
    rules = {str(name): str(rule) for name, rule in (data.get("expansion_rules") or {}).items()}

    def expand(sentence: str) -> str:
        for _ in range(4):  # rules name rules, a few levels deep
            sentence = re.sub(r"<([^<>]+)>", lambda m: rules.get(m.group(1), ""), sentence)
        return sentence

    return frozenset(str(name) for name, intent in (data.get("intents") or {}).items()
                     for block in (intent or {}).get("data") or []
                     for sentence in block.get("sentences") or []
                     if "吗" in expand(str(sentence)))


def tokens(text: str) -> list[Token]:
    """The normalized tokens of `text`, each with its fuzzy pinyin ("灯" -> "den")."""
    return [Token(fuzzy(syllable(part)) if is_han(part) else part, part)
            for part in normalize(text).split()]


def number_by_sound(token: Token) -> tuple[float, float] | None:
    """The numeral a syllable sounds nearest to ("乳" -> 5), with its cost; None when
    none is near (compared on plain pinyin, so 十 and 四 stay apart)."""
    if not is_han(token.written):
        return None
    heard = syllable(token.written)
    distance, value = min((sounds.distance(heard, syllable(numeral)), value)
                          for numeral, value in _NUMERALS.items())
    return (float(value), NUMBER_BY_SOUND_COST + distance) if distance <= 0.5 else None


def _said(value: str, text: str) -> str:
    """A slot the pinyin pass matched ("niunai"), in the characters that were said
    ("牛奶"): the run of the transcript's tokens spelled that way (else as it is)."""
    if not value.isascii() or not is_han(text):
        return value
    tokens = normalize(text).split()
    spelled = [pinyin_key(token).replace(" ", "") for token in tokens]
    wanted = value.replace(" ", "")
    for start in range(len(tokens)):
        joined = ""
        for end in range(start, len(tokens)):
            joined += spelled[end]
            if joined == wanted:
                return join_tokens(" ".join(tokens[start:end + 1])).replace(" ", "")
            if not wanted.startswith(joined):
                break
    return value


def _joined(validator: SlotValidator) -> SlotValidator:
    """Wildcard slots come back spaced ("1 7"): join them before the skill's check."""
    def check(slots: dict[str, Any]) -> dict[str, Any] | None:
        joined = {key: join_tokens(value).replace(" ", "") if isinstance(value, str) else value
                  for key, value in slots.items()}
        return validator(joined)

    return check

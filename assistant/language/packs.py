"""Loading language packs: a folder with pack.yaml, intents/ and responses/ (or one
intents.yaml and one responses.yaml), home.toml, and optionally hooks.py (see
`assistant.language`).

The packs shipped with the assistant are the folders next to this module; a pack
elsewhere is loaded by its path (`load_language(folder=...)`). What a pack's hooks.py does
not define falls back to the defaults here, which work for any language written with
spaces between words: numbers said by unicode-rbnf's rules for the language, clock times
and dates as digits.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from assistant.errors import AssistantError
from assistant.intents import IntentRecognizer, SlotValidator
from assistant.language import (
    PACKS_DIR,
    ChatSetup,
    Language,
    LiveFacts,
    TextRules,
    available_languages,
)
from assistant.language.phrasebook import Phrasebook
from assistant.sentences import split_text
from assistant.skills.lists import ListWords
from assistant.skills.registry import IntentMatcher, SkillWords
from assistant.skills.timers import NameRules

__all__ = ["LanguageError", "available_languages", "load_language"]

_KEYS = {"code", "name", "recognizer", "voice", "chat", "control", "barge_in_hint",
         "skills", "home"}


class LanguageError(AssistantError, ValueError):
    """A language that is not installed, or a pack that cannot be used."""


def load_language(code: str | None = None, *, folder: Path | None = None) -> Language:
    """The pack for `code` (a shipped one), or the pack in `folder`. Raises LanguageError
    naming the known languages, or the file and key that is wrong."""
    if folder is None:
        if code not in available_languages():
            raise LanguageError(f"language must be one of {', '.join(available_languages())}, "
                                f"got {code!r}")
        return _shipped(str(code))
    return _load(Path(folder))


@cache
def _shipped(code: str) -> Language:
    return _load(PACKS_DIR / code)


def _load(folder: Path) -> Language:
    data = _read_yaml(folder / "pack.yaml")
    where = f"{folder / 'pack.yaml'}: "
    unknown = set(data) - _KEYS
    if unknown:
        raise LanguageError(f"{where}unknown key {sorted(unknown)[0]!r}")
    code = _text(data, "code", where)
    if code != folder.name:
        raise LanguageError(f"{where}code {code!r} must be the folder's name {folder.name!r}")
    hooks = _hooks(folder, code)
    text = _text_rules(hooks, code)
    filters = {**default_filters(code), **getattr(hooks, "FILTERS", {})}
    responses = folder / "responses"
    phrasebook = Phrasebook.load(responses if responses.is_dir() else folder / "responses.yaml",
                                 filters=filters,
                                 tidy=getattr(hooks, "tidy", default_tidy))
    recognizer = data.get("recognizer") or {}
    chat = data.get("chat") or {}
    control = data.get("control") or {}
    skills = data.get("skills") or {}
    return Language(
        code=code, name=_text(data, "name", where), folder=folder,
        recognizer_model=recognizer.get("model"), recognizer_prompt=recognizer.get("prompt"),
        voice=_text(data, "voice", where),
        chat=ChatSetup(system_prompt=str(chat.get("system_prompt", "")),
                       examples=tuple((str(q), str(a)) for q, a in chat.get("examples", [])),
                       models=tuple(chat.get("models", [])),
                       live_facts=_live_facts(chat.get("live_facts"), where)),
        control_phrases=frozenset(text.match_key(p) for p in control.get("phrases", [])),
        ignored_words=tuple(sorted((text.match_key(w) for w in control.get("ignore", [])),
                                   key=len, reverse=True)),
        barge_in_hint=str(data.get("barge_in_hint", "")),
        home_file=folder / str(data.get("home", "home.toml")),
        skill_words=_skill_words(skills, text, hooks),
        text=text, phrasebook=phrasebook,
        load_intents=getattr(hooks, "load_intents", None) or _intent_loader(text.normalize),
        recognizer_alternatives=int(recognizer.get("alternatives", 0)),
        recognizer_hint_areas=tuple(str(a) for a in recognizer.get("hint_areas") or ()),
        recognizer_doubts_echoes=bool(recognizer.get("doubt_echoes", False)))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LanguageError(f"{path} is missing") from None
    except (OSError, yaml.YAMLError) as error:
        raise LanguageError(f"{path}: cannot read it ({error})") from None
    if not isinstance(data, dict):
        raise LanguageError(f"{path}: must be a mapping")
    return data


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LanguageError(f"{where}{key} must be a non-empty string")
    return value


def _hooks(folder: Path, code: str) -> ModuleType | None:
    """The pack's hooks.py: a module of the package for a shipped pack, else by path."""
    if not (folder / "hooks.py").is_file():
        return None
    if folder.parent == PACKS_DIR:
        return importlib.import_module(f"assistant.language.{code}.hooks")
    spec = importlib.util.spec_from_file_location(f"assistant_language_pack_{code}",
                                                  folder / "hooks.py")
    if spec is None or spec.loader is None:
        raise LanguageError(f"{folder / 'hooks.py'}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _text_rules(hooks: ModuleType | None, code: str) -> TextRules:
    def hook(name: str, default: Callable[..., Any]) -> Any:
        return getattr(hooks, name, None) or default

    normalize = hook("normalize", default_normalize)
    return TextRules(
        normalize=normalize, match_key=hook("match_key", normalize),
        parse_number=hook("parse_number", parse_digits),
        split_sentences=hook("split_sentences", split_text),
        sounds_finished=hook("sounds_finished", _never),
        unfinished=hook("unfinished", _never),
        written_in=hook("written_in", _never), usual_script=hook("usual_script", str))


def _live_facts(data: Any, where: str) -> LiveFacts | None:
    """chat.live_facts of pack.yaml: regular expressions, compiled without case."""
    if not data:
        return None

    def pattern(key: str, text: Any) -> re.Pattern[str]:
        try:
            return re.compile(str(text), re.IGNORECASE)
        except re.error as error:
            raise LanguageError(f"{where}chat.live_facts.{key}: {error}") from None

    topics = data.get("topics") or {}
    return LiveFacts(topics=tuple((str(t), pattern(f"topics.{t}", p)) for t, p in topics.items()),
                     now=pattern("now", data.get("now", "$^")),
                     honest=pattern("honest", data.get("honest", "$^")))


def _skill_words(skills: Mapping[str, Any], text: TextRules,
                 hooks: ModuleType | None) -> SkillWords:
    lists = skills.get("lists") or {}
    holidays = skills.get("holidays") or {}
    places = skills.get("places") or {}
    return SkillWords(
        parse_number=text.parse_number,
        timer_names=_name_rules(skills.get("timer_names") or {}),
        vague_devices=frozenset(skills.get("vague_devices", [])),
        lists=ListWords(
            separators=tuple(lists.get("separators", ListWords.separators)),
            strip_leading=frozenset(str(w) for w in lists.get("strip_leading", [])),
            strip_trailing=frozenset(str(w) for w in lists.get("strip_trailing", [])),
            max_words=int(lists.get("max_words", ListWords.max_words))),
        country=str(skills.get("country", "")),
        holidays_language=holidays.get("language"),
        holiday_aliases=tuple((str(k), str(v)) for k, v in
                              (holidays.get("aliases") or {}).items()),
        place_aliases=tuple((str(k), str(v)) for k, v in
                            (places.get("aliases") or {}).items()),
        fold=getattr(hooks, "fold_name", None) or str,
        country_names=getattr(hooks, "country_names", None))


def _name_rules(data: Mapping[str, Any]) -> NameRules:
    def words(key: str) -> frozenset[str]:
        return frozenset(str(w) for w in data.get(key, []))

    return NameRules(strip_leading=words("strip_leading"), strip_trailing=words("strip_trailing"),
                     not_names=words("not_names"), not_in_names=words("not_in_names"),
                     max_words=int(data.get("max_words", 3)))


def _intent_loader(normalize: Callable[[str], str]) -> Callable[..., IntentMatcher]:
    def load(path: Path, lists: Mapping[str, Sequence[tuple[str, Any]]],
             validators: Mapping[str, SlotValidator]) -> IntentMatcher:
        return IntentRecognizer.load(path=path, lists=lists, validators=validators,
                                     normalizer=normalize)

    return load


# -- defaults for a pack without hooks -------------------------------------------------------

_PUNCTUATION = re.compile(r"[^\w\s'.,-]|(?<!\d)[.,]|[.,](?!\d)")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def default_normalize(text: str) -> str:
    """Lowercase, no punctuation, single spaces (numbers kept as written)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def parse_digits(text: str) -> float | None:
    """"22", "-1.5", "1,000" -> a number; anything else None."""
    cleaned = text.strip().replace(",", "")
    return float(cleaned) if _NUMBER.match(cleaned) else None


def default_tidy(text: str) -> str:
    """Single spaces, no space before punctuation, a capital first letter."""
    text = re.sub(r"\s+([.,!?;:])", r"\1", " ".join(text.split()))
    return text[:1].upper() + text[1:]


def _never(text: str) -> bool:
    return False


def default_filters(code: str) -> dict[str, Callable[..., Any]]:
    """Filters every phrasebook has: numbers by unicode-rbnf's rules for `code` where it
    has them (else digits), clock times and dates as digits, durations in seconds."""
    try:
        from unicode_rbnf import RbnfEngine
        engine: Any = RbnfEngine.for_language(code)
    except Exception:  # noqa: BLE001 - a language unicode-rbnf does not know: digits
        engine = None

    def number(value: float, decimals: int = 2) -> str:
        rounded = round(float(value), decimals)
        plain: int | float = int(rounded) if rounded.is_integer() else rounded
        return engine.format_number(plain).text if engine is not None else str(plain)

    def time(moment: datetime) -> str:
        return moment.strftime("%H:%M")

    def date(moment: datetime, with_year: bool = True) -> str:
        return moment.strftime("%Y-%m-%d" if with_year else "%m-%d")

    def duration(seconds: float, precise: bool = True) -> str:
        return number(round(seconds))

    return {"number": number, "time": time, "date": date, "duration": duration,
            "listing": lambda items, conjunction="": ", ".join(str(i) for i in items)}

"""Test-mode scripts: parse and validate a YAML or JSON list of turns.

A script is a mapping with a `turns:` list. Each turn is exactly one of `say` (spoken
by a voice), `audio` (a WAV recording, relative to the script), `text` (typed),
`silence_ms` or `noise_ms` (generated), plus options and an `expect:` block. Unknown
keys and wrong types are errors naming the file, the turn, its line and the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import AssistantError

INPUT_KINDS = ("say", "audio", "text", "silence_ms", "noise_ms")
TURN_OPTIONS = {"voice": str, "wake": bool, "pause_ms": int, "barge_in": bool,
                "barge_in_after_ms": int, "expect": dict}
EXPECT_KEYS: dict[str, type | tuple[type, ...]] = {
    "transcript_contains": (str, list), "intent": (str, type(None)), "route": str,
    "reply_contains": (str, list), "reply_matches": str, "wake_detected": bool,
    "interrupted": bool, "slots": dict, "announcement_contains": (str, list),
    "language": str,
}
ROUTES = ("skill", "llm", "control", "unclear", "none")
TOP_KEYS = {"turns": list, "voice": str, "clock": str, "settings": dict, "description": str}
DEFAULT_PAUSE_MS = 300


class ScriptError(AssistantError):
    """A script that cannot be run; the message names the file, turn, line and key."""


@dataclass(frozen=True)
class Turn:
    index: int
    kind: str  # one of INPUT_KINDS
    value: Any
    line: int
    voice: str | None = None
    wake: bool = True
    pause_ms: int = DEFAULT_PAUSE_MS
    barge_in: bool = False
    barge_in_after_ms: int = 800
    expect: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        if self.kind in ("silence_ms", "noise_ms"):
            return f"{self.kind.removesuffix('_ms')} {self.value} ms"
        return f"{self.kind}: {self.value}"


@dataclass(frozen=True)
class Script:
    path: Path
    turns: tuple[Turn, ...]
    voice: str | None = None
    clock: datetime | None = None
    settings: dict[str, Any] = field(default_factory=dict)


class _LineLoader(yaml.SafeLoader):
    """Records the line of every mapping so errors can point at it."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_script(path: str | Path) -> Script:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScriptError(f"{path}: cannot read the script ({error})") from None
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as error:
        raise ScriptError(f"{path}: not valid YAML/JSON: {error}") from None
    return parse_script(data, path=path)


def parse_script(data: Any, *, path: Path) -> Script:
    where = str(path)
    if not isinstance(data, dict):
        raise ScriptError(f"{where}: a script is a mapping with a `turns:` list")
    data = dict(data)
    data.pop("__line__", None)
    for key, value in data.items():
        if key not in TOP_KEYS:
            raise ScriptError(f"{where}: unknown top-level key {key!r} "
                              f"(known: {', '.join(TOP_KEYS)})")
        if not isinstance(value, TOP_KEYS[key]):
            raise ScriptError(f"{where}: {key} must be a {TOP_KEYS[key].__name__}")
    turns_data = data.get("turns")
    if not turns_data:
        raise ScriptError(f"{where}: `turns:` is missing or empty")
    clock = None
    if "clock" in data:
        try:
            clock = datetime.fromisoformat(data["clock"])
        except ValueError:
            raise ScriptError(f"{where}: clock must be an ISO date-time like "
                              f"2026-11-29T19:45:00, got {data['clock']!r}") from None
    turns = tuple(_parse_turn(i + 1, raw, where, path.parent) for i, raw in enumerate(turns_data))
    return Script(path=path, turns=turns, voice=data.get("voice"), clock=clock,
                  settings=_strip_lines(data.get("settings", {})))


def _parse_turn(index: int, raw: Any, where: str, base: Path) -> Turn:
    if not isinstance(raw, dict):
        raise ScriptError(f"{where}: turn {index}: a turn is a mapping like `say: ...`")
    raw = dict(raw)
    line = raw.pop("__line__", 0)
    at = f"{where}:{line}: turn {index}"
    kinds = [k for k in INPUT_KINDS if k in raw]
    if len(kinds) != 1:
        raise ScriptError(f"{at}: needs exactly one of {', '.join(INPUT_KINDS)} "
                          f"(found {', '.join(kinds) or 'none'})")
    kind = kinds[0]
    value = raw.pop(kind)
    value = _check_input(kind, value, at, base)
    options: dict[str, Any] = {}
    for key, option in raw.items():
        if key not in TURN_OPTIONS:
            raise ScriptError(f"{at}: unknown key {key!r} "
                              f"(known: {', '.join([*INPUT_KINDS, *TURN_OPTIONS])})")
        if not isinstance(option, TURN_OPTIONS[key]) or (
                TURN_OPTIONS[key] is int and isinstance(option, bool)):
            raise ScriptError(f"{at}: {key} must be {_kind_word(TURN_OPTIONS[key])}, "
                              f"got {option!r}")
        options[key] = option
    if options.get("pause_ms", 0) < 0 or options.get("barge_in_after_ms", 0) < 0:
        raise ScriptError(f"{at}: pause_ms and barge_in_after_ms must not be negative")
    expect = _check_expect(options.pop("expect", {}), at)
    if kind == "text" and options.get("barge_in"):
        raise ScriptError(f"{at}: barge_in needs a spoken turn (say or audio)")
    return Turn(index=index, kind=kind, value=value, line=line, expect=expect,
                wake=options.pop("wake", kind != "text"), **options)


def _check_input(kind: str, value: Any, at: str, base: Path) -> Any:
    if kind in ("say", "text"):
        if not isinstance(value, str) or not value.strip():
            raise ScriptError(f"{at}: {kind} must be a non-empty string")
        return value
    if kind == "audio":
        if not isinstance(value, str):
            raise ScriptError(f"{at}: audio must be a WAV file path")
        path = (base / value).resolve()
        if not path.is_file():
            raise ScriptError(f"{at}: audio file not found: {path}")
        return str(path)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 600_000:
        raise ScriptError(f"{at}: {kind} must be a whole number of milliseconds (1-600000)")
    return value


def _check_expect(expect: dict[str, Any], at: str) -> dict[str, Any]:
    expect = _strip_lines(expect)
    for key, value in expect.items():
        if key not in EXPECT_KEYS:
            raise ScriptError(f"{at}: unknown expect key {key!r} (known: {', '.join(EXPECT_KEYS)})")
        if not isinstance(value, EXPECT_KEYS[key]) or (
                EXPECT_KEYS[key] is bool and not isinstance(value, bool)):
            raise ScriptError(f"{at}: expect.{key} has the wrong type ({value!r})")
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise ScriptError(f"{at}: expect.{key} must be a string or a list of strings")
    if "route" in expect and expect["route"] not in ROUTES:
        raise ScriptError(f"{at}: expect.route must be one of {', '.join(ROUTES)}")
    if "reply_matches" in expect:
        try:
            re.compile(expect["reply_matches"])
        except re.error as error:
            raise ScriptError(f"{at}: expect.reply_matches is not a valid regex: {error}") \
                from None
    return expect


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _kind_word(kind: type) -> str:
    return {bool: "true or false", int: "a whole number", str: "a string",
            dict: "a mapping"}.get(kind, kind.__name__)

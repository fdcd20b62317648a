"""Test-mode scripts: parse and validate a YAML or JSON list of turns.

A script is a mapping with a `turns:` list. Each turn is exactly one of `say` (spoken
by a voice), `audio` (a WAV recording, relative to the script), `text` (typed),
`silence_ms` or `noise_ms` (generated), plus options and an `expect:` block. Unknown
keys and wrong types are errors naming the file, the turn, its line and the key.

`settings:` may change what a test is about (`SCRIPT_SETTINGS`: the language, the engines
and models by id, the listening and the conversation), never where the assistant writes
or what it may reach (privacy, models, serve, the home's state file). A script is read
with bounds: at most `MAX_SCRIPT_BYTES`, `MAX_DEPTH` levels of nesting, and `MAX_EXPANDED`
values and characters once YAML aliases are expanded (a "billion laughs" file is refused
before it is expanded).
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
ANY_KEY = "*"
SCRIPT_SETTINGS: dict[str, tuple[str, ...]] = {
    "stt": (ANY_KEY,), "llm": (ANY_KEY,), "tts": (ANY_KEY,), "memory": (ANY_KEY,),
    "wake": (ANY_KEY,), "vad": (ANY_KEY,),
    "skills": ("language", "home_file", "tool_calls", "knowledge"),
    "audio": ("block_ms", "output_buffer_ms", "barge_in", "volume"),
}
"""What a script's `settings:` may change, by section (the top-level `language` too)."""
MAX_SCRIPT_BYTES = 1 << 20
MAX_DEPTH = 32
MAX_EXPANDED = 2_000_000
"""Values plus characters of the whole script once aliases are expanded."""
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


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _LineLoader(yaml.SafeLoader):
    """Records the line of every mapping so errors can point at it; refuses nesting deeper
    than `MAX_DEPTH` while composing (PyYAML composes recursively)."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_script(path: str | Path) -> Script:
    path = Path(path)
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_SCRIPT_BYTES + 1)
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScriptError(f"{path}: cannot read the script ({error})") from None
    if len(raw) > MAX_SCRIPT_BYTES:
        raise ScriptError(f"{path}: larger than {MAX_SCRIPT_BYTES // 1024} KiB, which no "
                          "script needs (is it the right file?)")
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as error:
        raise ScriptError(f"{path}: not valid YAML/JSON: {error}") from None
    except _TooDeep as error:
        raise ScriptError(f"{path}:{error.line}: nested more than {MAX_DEPTH} levels "
                          "deep") from None
    _check_size(data, where=str(path))
    return parse_script(data, path=path)


def _check_size(data: Any, *, where: str) -> None:
    """Refuse a script whose values, counted with every alias expanded, exceed
    `MAX_EXPANDED` (values plus characters): the walk stops at the bound, so a bomb costs
    no more than a large honest script."""
    budget = MAX_EXPANDED
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, at = stack.pop()
        budget -= 1 + (len(value) if isinstance(value, str) else 0)
        if budget < 0:
            raise ScriptError(f"{where}: {at or 'the script'}: more than {MAX_EXPANDED:,} "
                              "values and characters once its aliases are expanded")
        if isinstance(value, dict):
            stack.extend((item, f"{at}.{key}".lstrip(".")) for key, item in value.items()
                         if key != "__line__")
        elif isinstance(value, list):
            stack.extend((item, f"{at}[{i}]") for i, item in enumerate(value))


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
    settings = _strip_lines(data.get("settings", {}))
    _check_settings(settings, where)
    return Script(path=path, turns=turns, voice=data.get("voice"), clock=clock,
                  settings=settings)


def _check_settings(settings: dict[Any, Any], where: str) -> None:
    """Only what `SCRIPT_SETTINGS` lists (the values are checked like a config file's)."""
    allowed = ", ".join(["language", *(f"{s}.{k}" if k != ANY_KEY else s
                                       for s, keys in SCRIPT_SETTINGS.items() for k in keys)])
    for section, values in settings.items():
        if section == "language":
            continue
        keys = SCRIPT_SETTINGS.get(str(section))
        if keys is None:
            raise ScriptError(f"{where}: settings.{section} cannot be set by a script (it "
                              f"may set {allowed})")
        if ANY_KEY in keys or not isinstance(values, dict):
            continue  # a non-table is refused when the settings are applied
        for key in values:
            if key not in keys:
                raise ScriptError(f"{where}: settings.{section}.{key} cannot be set by a "
                                  f"script (it may set {allowed})")


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

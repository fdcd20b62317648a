"""Checking configuration values: one section dataclass built from a TOML table, each key's
name, type, choices and range checked, with errors that name the key."""

from __future__ import annotations

import dataclasses
import enum
import math
import types
import typing
from dataclasses import field
from typing import Any

from assistant.errors import AssistantError


class ConfigError(AssistantError, ValueError):
    """A configuration file or value that cannot be used; the message names the key."""


def option(default: Any, *, choices: tuple[str, ...] = (), low: float | None = None,
         high: float | None = None) -> Any:
    """A field with the checks `build_section` applies: allowed `choices`, `low`/`high` bounds."""
    return field(default=default, metadata={"choices": choices, "low": low, "high": high})


def build_section(cls: type, values: dict[str, Any], *, prefix: str, where: str = "") -> Any:
    """Build one frozen section dataclass, checking names, types, choices and ranges."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}.{key}"
        if key not in fields:
            raise ConfigError(f"{where}unknown key {name} (known: {', '.join(fields)})")
        kwargs[key] = check_value(name, value, hints[key], fields[key].metadata, where)
    return cls(**kwargs)


def check_value(name: str, value: Any, hint: Any, meta: Any, where: str = "") -> Any:
    if value is None and _optional(hint):
        return None  # "unset", as a copy of a section carries it (`with_overrides`)
    expected = _python_type(hint)
    if issubclass(expected, enum.Enum):
        return _member(name, value, expected, where)
    ok = isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if expected is tuple and isinstance(value, list):
        value, ok = tuple(value), True
    if not ok:
        raise ConfigError(
            f"{where}{name} must be {_type_word(expected)}, got {type(value).__name__} "
            f"{_short(value)}")
    if expected is tuple:
        _check_items(name, value, hint, where)
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where}{name} must be a finite number, got {value!r}")
    choices = meta.get("choices") or ()
    if choices and value not in choices:
        raise ConfigError(f"{where}{name} must be one of {', '.join(choices)}, got {value!r}")
    low, high = meta.get("low"), meta.get("high")
    if low is not None and value < low:
        raise ConfigError(f"{where}{name} must be >= {low}, got {value!r}")
    if high is not None and value > high:
        raise ConfigError(f"{where}{name} must be <= {high}, got {value!r}")
    return value


def _member(name: str, value: Any, kind: type[enum.Enum], where: str) -> enum.Enum:
    """An enum option from its value in the file ("wake" -> BargeIn.WAKE)."""
    if isinstance(value, kind):
        return value
    for member in kind:
        if member.value == value:
            return member
    allowed = ", ".join(str(member.value) for member in kind)
    raise ConfigError(f"{where}{name} must be one of {allowed}, got {value!r}")


def _optional(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and \
        type(None) in typing.get_args(hint)


def _check_items(name: str, value: tuple[Any, ...], hint: Any, where: str) -> None:
    """Each element of a `tuple[X, ...]` value is an X (a list for a tuple: the section's
    own check looks inside it)."""
    args = typing.get_args(hint)
    if len(args) != 2 or args[1] is not Ellipsis:
        return
    item = _python_type(args[0])
    for index, element in enumerate(value):
        ok = isinstance(element, item) or (item is tuple and isinstance(element, list))
        if not ok or (item is not bool and isinstance(element, bool)):
            raise ConfigError(f"{where}{name}[{index}] must be {_type_word(item)}, got "
                              f"{type(element).__name__} {_short(element)}")


def _short(value: Any) -> str:
    """A value for an error message: its repr, cut (a hostile file can hold megabytes)."""
    try:
        text = repr(value)
    except RecursionError:
        return "(nested too deeply to show)"
    return text if len(text) <= 80 else text[:77] + "..."


def _python_type(hint: Any) -> type:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return _python_type(args[0])
    if origin is not None:
        return typing.cast(type, origin)
    return typing.cast(type, hint)


def _type_word(kind: type) -> str:
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string",
            tuple: "a list", dict: "a table"}.get(kind, kind.__name__)

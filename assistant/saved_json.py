"""A small JSON file the assistant keeps between runs (alarms, reminders, lists).

Each file holds `{"version": N, ...}`. It is written atomically (temporary file, fsync,
rename) and readable by its owner only. A file that cannot be used (not JSON, damaged,
written by a newer version of the assistant, or one this version cannot read) is never
overwritten: it is moved aside as `NAME.corrupt` (a number added when that exists
already), and the reason is reported so the user hears what happened. What was saved
is therefore never lost, only set aside.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from assistant.atomic import write_atomic
from assistant.errors import AssistantError

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Reads a file's payload of a known version (raises ValueError or TypeError when bad).
Parse = Callable[[dict[str, Any], int], T]


class SavedFileError(AssistantError):
    """A saved file that cannot be used at all (a folder in its place) or not written."""


def state_dir() -> Path:
    """$XDG_STATE_HOME/assistant (the default folder of every saved file)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "assistant"


@dataclass(frozen=True)
class SetAside:
    """A saved file that could not be used and was moved out of the way."""

    path: Path
    """Where the file was."""
    kept_as: Path | None
    """Where it is now (None: it could not be moved, it was left where it was)."""
    reason: str

    def describe(self) -> str:
        kept = f"kept it as {self.kept_as}" if self.kept_as else "left it in place"
        return f"{self.path} was unusable ({self.reason}); {kept}"


@dataclass(frozen=True)
class Loaded(Generic[T]):
    """What `load` found: the parsed payload (None: no file, or it was set aside)."""

    value: T | None
    set_aside: SetAside | None = None


def load(path: Path, *, versions: range, parse: Parse[T]) -> Loaded[T]:
    """Read `path`: a missing file is `Loaded(None)`; one whose version is not in
    `versions`, or that `parse` rejects, is set aside. Raises SavedFileError when `path`
    is a folder (a configuration mistake, not damage)."""
    if path.is_dir():
        raise SavedFileError(f"{path} is a folder; name a file there")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Loaded(None)
    except (OSError, UnicodeDecodeError) as error:
        return Loaded(None, _set_aside(path, f"cannot read it: {error}"))
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise ValueError("it has no version")
        if version not in versions:
            newest = versions[-1]
            raise ValueError(f"version {version}; this assistant reads versions "
                             f"{versions[0]} to {newest}" if len(versions) > 1 else
                             f"version {version}; this assistant reads version {newest}")
        return Loaded(parse(data, version))
    except (ValueError, TypeError, KeyError) as error:
        return Loaded(None, _set_aside(path, str(error) or type(error).__name__))


def save(path: Path, payload: dict[str, Any], *, version: int) -> None:
    """Write `payload` with its version atomically, owner-only (raises SavedFileError)."""
    text = json.dumps({"version": version, **payload}, indent=1, ensure_ascii=False,
                      sort_keys=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(path, (text + "\n").encode("utf-8"))
    except OSError as error:
        raise SavedFileError(f"cannot save {path}: {error}") from None


def _set_aside(path: Path, reason: str) -> SetAside:
    target = path.with_name(path.name + ".corrupt")
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{path.name}.corrupt{number}")
    try:
        os.replace(path, target)
        kept: Path | None = target
    except OSError as error:
        log.warning("cannot move %s aside: %s", path, error)
        kept = None
    aside = SetAside(path, kept, reason)
    log.warning("%s", aside.describe())
    return aside

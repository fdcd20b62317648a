"""Read YAML data that may be split over a folder of files (a language pack's intents and
responses: a file per area), with errors that name the file and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from assistant.errors import AssistantError


def read_yaml_tree(path: Path, *, error: type[AssistantError]) -> dict[str, Any]:
    """The mapping in `path`, or, for a folder, the mappings of its *.yaml files merged in
    name order: mappings merge key by key, lists are joined, and a key that two files give
    different values is an error naming both files. Raises `error` for anything unusable."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise error(f"{path}: no .yaml files in it")
    merged: dict[str, Any] = {}
    origin: dict[str, Path] = {}
    for file in files:
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise error(f"{file} is missing") from None
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as problem:
            raise error(f"{file}: cannot read it ({problem})") from None
        if data is None:
            continue
        if not isinstance(data, dict):
            raise error(f"{file}: must be a mapping")
        _merge(merged, data, file=file, origin=origin, error=error, prefix="")
    return merged


def _merge(into: dict[str, Any], data: dict[str, Any], *, file: Path, origin: dict[str, Path],
           error: type[AssistantError], prefix: str) -> None:
    for key, value in data.items():
        where = f"{prefix}{key}"
        if key not in into:
            into[key] = value
            origin[where] = file
        elif isinstance(into[key], dict) and isinstance(value, dict):
            _merge(into[key], value, file=file, origin=origin, error=error, prefix=f"{where}.")
        elif isinstance(into[key], list) and isinstance(value, list):
            into[key] = [*into[key], *value]
        elif into[key] != value:
            first = origin.get(where) or _origin_of(where, origin)
            raise error(f"{file}: {where} is also given, differently, in {first}")


def _origin_of(where: str, origin: dict[str, Path]) -> str:
    """The file that gave `where` as part of a mapping it brought whole."""
    parts = where.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        found = origin.get(".".join(parts[:cut]))
        if found is not None:
            return str(found)
    return "another file"

"""Built-in profiles: config overrides for a class of machine (`profile = "pi"`).

They live in one file, `assistant/data/profiles.toml`, as config tables; `config.py`
applies one under the keys of the config file, so an explicit key always wins.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.toml_file import read_toml


class ProfileError(AssistantError, ValueError):
    """An unknown profile name, or a broken profiles file."""


def profiles_file() -> Path:
    return Path(str(resources.files("assistant").joinpath("data/profiles.toml")))


def all_profiles() -> dict[str, dict[str, Any]]:
    """Every built-in profile: name -> {"description": str, section: {key: value}}."""
    path = profiles_file()
    data = read_toml(path, error=ProfileError, missing=f"profiles file missing: {path}")
    for name, table in data.items():
        if not isinstance(table, dict) or not isinstance(table.get("description"), str):
            raise ProfileError(f"{path}: [{name}] must be a table with a description")
    return data


def profile_names() -> list[str]:
    return sorted(all_profiles())


def profile_overrides(name: str) -> dict[str, dict[str, Any]]:
    """The config sections profile `name` sets, {section: {key: value}}."""
    profiles = all_profiles()
    if name not in profiles:
        raise ProfileError(f"unknown profile {name!r} (built in: {', '.join(sorted(profiles))})")
    return {section: dict(values) for section, values in profiles[name].items()
            if section != "description"}

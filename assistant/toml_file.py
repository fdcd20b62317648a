"""Read a TOML file, with errors that name the file (config, model registry, home)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def read_toml(path: Path, *, error: type[AssistantError], missing: str) -> dict[str, Any]:
    """The parsed file; `error(missing)` when it does not exist, `error("<path>: ...")`
    when it cannot be read, is not valid TOML (the message gives the line) or is nested
    deeper than Python's parser can go."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(missing) from None
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{path}: {problem}") from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise error(f"{path}: arrays or tables nested too deeply to read (a few levels "
                    "is all a setting needs)") from None
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"{path}: cannot read ({problem})") from None

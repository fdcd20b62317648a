"""Reading a credential (a Home Assistant token, an MQTT password) from a file.

The file must be readable by its owner only (mode 600 or 400) and owned by the user
running the assistant or by root; anything else is refused with one line that says how
to fix it. The credential itself never appears in a message.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from assistant.errors import AssistantError


class SecretFileError(AssistantError):
    """A credential file that is missing, empty, or readable by others."""


def read_secret_file(path: str | Path, *, key: str) -> str:
    """The credential in `path` (its first line, stripped); `key` names the setting."""
    file = Path(path).expanduser()
    try:
        info = file.stat()
    except FileNotFoundError:
        raise SecretFileError(f"{key}: {file} does not exist") from None
    except OSError as error:
        raise SecretFileError(f"{key}: cannot read {file} ({error.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise SecretFileError(f"{key}: {file} is not a file")
    if info.st_mode & 0o077:
        raise SecretFileError(
            f"{key}: {file} can be read by other users (mode {stat.S_IMODE(info.st_mode):03o}); "
            f"make it private with: chmod 600 {file}")
    if info.st_uid not in (0, os.getuid()):
        raise SecretFileError(f"{key}: {file} belongs to another user (uid {info.st_uid}); "
                              "it must be yours or root's")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SecretFileError(f"{key}: cannot read {file} ({error})") from None
    lines = text.strip().splitlines()
    if not lines or not lines[0].strip():
        raise SecretFileError(f"{key}: {file} is empty")
    return lines[0].strip()

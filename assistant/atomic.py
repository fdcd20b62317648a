"""Write a file all at once: readers and crashes see the old file or the new one, never half.

Every file the assistant writes (home state, transcript log, recordings, reply WAVs,
reports) goes through `write_atomic`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

Replace = Callable[[str, str], None]


def write_atomic(path: Path, data: bytes, *, mode: int = 0o600, prefix: str | None = None,
                 suffix: str = ".part", replace: Replace = os.replace) -> None:
    """A temporary file in the same folder (owner-only unless `mode` says otherwise),
    fsync, `replace` it over `path` (injectable to simulate a crash), fsync the folder.
    On any failure, even Ctrl-C, the old file is untouched and nothing is left behind."""
    fd, temp = tempfile.mkstemp(prefix=prefix or f".{path.name}.", suffix=suffix,
                                dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if mode != 0o600:
            os.chmod(temp, mode)
        replace(temp, str(path))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):  # some file systems cannot fsync a folder
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

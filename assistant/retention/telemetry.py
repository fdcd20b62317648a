"""Telemetry state a library leaves on disk, and removing it (`assistant forget`).

ONNX Runtime (under Piper, Silero VAD and the wake word) keeps a device ID and a SQLite
queue of telemetry events (model file names, run counts) in
`$XDG_CACHE_HOME/Microsoft/DeveloperTools/.onnxruntime/` (default ~/.cache/...) unless
ORT_DISABLE_TELEMETRY is set before it loads, which the assistant now does
(`assistant.NO_TELEMETRY`); what an earlier version or another program left there is
ONNX Runtime's alone. Only that directory is removed: a `deviceid` directly in
DeveloperTools/ belongs to other Microsoft tools (VS Code, .NET) and stays, and the parent
directories go only when nothing else is in them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

ORT_STATE = Path("Microsoft", "DeveloperTools", ".onnxruntime")


def cache_home(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_CACHE_HOME when it is an absolute path, else ~/.cache (the XDG rule)."""
    env = os.environ if environ is None else environ
    xdg = env.get("XDG_CACHE_HOME", "")
    return Path(xdg) if os.path.isabs(xdg) else Path(env.get("HOME") or Path.home()) / ".cache"


def telemetry_files(cache: Path) -> tuple[Path, ...]:
    """The files of ONNX Runtime's telemetry state under `cache` (none: nothing there)."""
    state = cache / ORT_STATE
    if state.is_symlink() or state.is_file():
        return (state,)
    if not state.is_dir():
        return ()
    return tuple(sorted(path for path in state.rglob("*") if not path.is_dir()))


def remove_telemetry(cache: Path) -> tuple[Path, ...]:
    """Delete ONNX Runtime's telemetry state under `cache`, then its parent directories
    if they are left empty; returns the files deleted. OSError when one cannot be."""
    files = telemetry_files(cache)
    state = cache / ORT_STATE
    if state.is_symlink() or state.is_file():
        state.unlink()
    elif state.is_dir():
        shutil.rmtree(state)
    for parent in (state.parent, state.parent.parent):
        try:
            parent.rmdir()
        except OSError:  # not empty (another tool's), or already gone
            break
    return files

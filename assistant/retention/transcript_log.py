"""The opt-in transcript log: one JSON line per finished turn, never any audio.

Off unless `privacy.transcript_log = true`. Files live in `privacy.log_dir` (default
`$XDG_STATE_HOME/assistant/transcripts`), one per local day (`YYYY-MM-DD.jsonl`), in an
owner-only directory (0700) as owner-only files (0600). Every append writes the day's whole
new file to a temporary file in the same directory, fsyncs it and `os.replace`s the old
one, so an interrupted write leaves the old file or the new one, never half a line.
Entries older than `privacy.log_retention_days` are deleted at start and at the first
turn of each day. `assistant forget` deletes the log, and the utterance recordings named
by `recording_name` in `privacy.record_dir`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from assistant.atomic import write_atomic
from assistant.config import PrivacyConfig
from assistant.errors import AssistantError

log = logging.getLogger(__name__)

#: A day's log file: `YYYY-MM-DD.jsonl`. Nothing else in the directory is touched.
DAY_FILE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\.jsonl$")
#: Temporary files of an append in progress (left behind only by a crash).
TEMP_PREFIX = ".transcripts-"
TEMP_SUFFIX = ".tmp"

Replace = Callable[[str, str], None]


def log_directory(privacy: PrivacyConfig) -> Path:
    """`privacy.log_dir`, else `$XDG_STATE_HOME/assistant/transcripts`
    (default `~/.local/state/assistant/transcripts`)."""
    if privacy.log_dir:
        return Path(privacy.log_dir).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "assistant" / "transcripts"


def log_files(directory: Path) -> list[Path]:
    """The log's files in `directory`: day files and crash leftovers, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if _is_log_file(p.name) and p.is_file()
                  and not p.is_symlink())


def _is_log_file(name: str) -> bool:
    return bool(DAY_FILE.match(name)) or (name.startswith(TEMP_PREFIX)
                                          and name.endswith(TEMP_SUFFIX))


def wipe_logs(directory: Path) -> list[Path]:
    """Delete the log's files (nothing else) and the directory if that leaves it empty.
    Returns the deleted files."""
    removed = []
    for path in log_files(directory):
        path.unlink(missing_ok=True)
        removed.append(path)
    with contextlib.suppress(OSError):  # not empty (a user's file), or already gone
        directory.rmdir()
    return removed


def atomic_write(path: Path, data: bytes, *, replace: Replace = os.replace) -> None:
    """`write_atomic` with the log's own temporary-file names (which `forget` knows)."""
    write_atomic(path, data, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, replace=replace)


class TranscriptLog:
    """Appends finished turns to the day's JSON Lines file; see the module docstring.

    `clock` gives local time (injectable for tests); `replace` is the rename of the
    atomic write (injectable to simulate a crash between writing and renaming)."""

    def __init__(self, directory: Path, *, retention_days: int,
                 clock: Callable[[], datetime] = datetime.now,
                 replace: Replace = os.replace) -> None:
        if retention_days < 1:
            raise ValueError(f"retention_days must be >= 1, got {retention_days}")
        self.directory = directory
        self.retention_days = retention_days
        self._clock = clock
        self._replace = replace
        self._lock = threading.Lock()
        self._pruned_on: date | None = None
        self._failed = False

    @classmethod
    def from_config(cls, privacy: PrivacyConfig, *,
                    clock: Callable[[], datetime] = datetime.now,
                    replace: Replace = os.replace) -> TranscriptLog | None:
        """The log, with old entries already pruned; None when `privacy.transcript_log`
        is off (then nothing is ever written)."""
        if not privacy.transcript_log:
            return None
        transcripts = cls(log_directory(privacy), retention_days=privacy.log_retention_days,
                          clock=clock, replace=replace)
        try:
            transcripts.prune(clock())
        except OSError as error:
            raise AssistantError(
                f"transcript log: cannot prune {transcripts.directory} ({error}); fix its "
                "permissions, or set privacy.log_dir, or privacy.transcript_log = false"
            ) from None
        return transcripts

    def record(self, entry: dict[str, Any]) -> Path:
        """Append one entry (a "time" is added if missing) to today's file; returns it.
        Raises OSError when the file cannot be written (the old file stays intact)."""
        now = self._clock()
        with self._lock:
            if self._pruned_on != now.date():
                self._prune(now)
            line = {"time": _stamp(now), **entry}
            path = self.directory / f"{now.date().isoformat()}.jsonl"
            self._make_directory()
            old = path.read_bytes() if path.exists() else b""
            if old and not old.endswith(b"\n"):
                old += b"\n"
            data = json_line(line).encode("utf-8") + b"\n"
            atomic_write(path, old + data, replace=self._replace)
        return path

    def observe(self, event: object) -> None:
        """A pipeline observer: records each `TurnFinished` (transcript, route, intent,
        reply, interrupted). A failed write is logged once and does not stop the turn."""
        from assistant.loop.events import TurnFinished

        if not isinstance(event, TurnFinished):
            return
        result = event.result
        try:
            self.record({"turn": result.turn, "transcript": result.transcript,
                         "route": result.route, "intent": result.intent,
                         "reply": result.reply, "interrupted": result.interrupted})
        except OSError as error:
            if not self._failed:
                log.warning("transcript log: cannot write to %s (%s); turns are not logged",
                            self.directory, error)
            self._failed = True
        else:
            self._failed = False

    def prune(self, now: datetime) -> list[Path]:
        """Delete entries older than `retention_days` before `now`; returns the files
        deleted or rewritten."""
        with self._lock:
            return self._prune(now)

    def _prune(self, now: datetime) -> list[Path]:
        self._pruned_on = now.date()
        cutoff = _aware(now) - timedelta(days=self.retention_days)
        changed = []
        for path in log_files(self.directory):
            match = DAY_FILE.match(path.name)
            if match is None:
                continue
            day = date(*(int(part) for part in match.groups()))
            if day + timedelta(days=1) <= cutoff.date():
                path.unlink(missing_ok=True)
                changed.append(path)
            elif day <= cutoff.date() and self._drop_older(path, cutoff):
                changed.append(path)
        if changed:
            log.info("transcript log: pruned %d file(s) older than %d day(s)", len(changed),
                     self.retention_days)
        return changed

    def _drop_older(self, path: Path, cutoff: datetime) -> bool:
        """Rewrite the file that straddles the cutoff without its older entries."""
        lines = path.read_bytes().splitlines(keepends=True)
        kept = [line for line in lines if not _older(line, cutoff)]
        if len(kept) == len(lines):
            return False
        if kept:
            atomic_write(path, b"".join(kept), replace=self._replace)
        else:
            path.unlink(missing_ok=True)
        return True

    def _make_directory(self) -> None:
        private_directory(self.directory)


def private_directory(directory: Path) -> None:
    """`directory` created owner-only (0700), or made so when it exists with other
    permissions (a record dir made by hand is 0755): what is kept there is private."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    mode = directory.stat().st_mode & 0o777
    if mode != 0o700:
        directory.chmod(0o700)
        log.warning("made %s owner-only (it was %o): it holds what was said", directory, mode)


def json_line(entry: dict[str, Any]) -> str:
    """`entry` as one line of JSON (UTF-8 kept readable; every character a line reader
    might split on is escaped)."""
    text = json.dumps(entry, ensure_ascii=False)
    for char in _LINE_BREAKS:
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


_LINE_BREAKS = ("\x85", "\u2028", "\u2029")  # json.dumps escapes the others


# -- recordings (privacy.record_dir) ------------------------------------------------------

#: The files the assistant writes to `privacy.record_dir`; `forget` deletes only these.
RECORDING_NAME = re.compile(r"^utt-[0-9A-Za-z_.-]+\.wav$")


def recording_name(when: datetime, turn: int) -> str:
    """The file name of a saved utterance, e.g. `utt-20240131-142501-003.wav`."""
    return f"utt-{when:%Y%m%d-%H%M%S}-{turn:03d}.wav"


def recording_files(record_dir: Path) -> list[Path]:
    """The assistant's recordings in `record_dir` (never other files, never subfolders)."""
    if not record_dir.is_dir():
        return []
    return sorted(p for p in record_dir.iterdir() if RECORDING_NAME.match(p.name)
                  and p.is_file() and not p.is_symlink())


def _aware(moment: datetime) -> datetime:
    """`moment` with its time zone (a naive time is local time)."""
    return moment.astimezone()


def _stamp(moment: datetime) -> str:
    return _aware(moment).isoformat(timespec="seconds")


def _older(line: bytes, cutoff: datetime) -> bool:
    try:
        stamp = json.loads(line)["time"]
        return _aware(datetime.fromisoformat(stamp)) < cutoff
    except (ValueError, KeyError, TypeError):
        return False  # not an entry of ours: leave it for `wipe`

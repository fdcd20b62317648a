"""Deleting what the assistant keeps about the user on disk (`assistant forget`): the whole
transcript log, even when logging is now off, the assistant's own recordings (never other
files of the recordings folder), and the telemetry state ONNX Runtime kept before the
assistant turned it off (`assistant.retention.telemetry`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.config import PrivacyConfig
from assistant.errors import AssistantError
from assistant.retention.telemetry import cache_home, remove_telemetry, telemetry_files
from assistant.retention.transcript_log import (
    log_directory,
    log_files,
    recording_files,
    wipe_logs,
)


@dataclass(frozen=True)
class ForgetPlan:
    """What `forget` would delete."""

    log_dir: Path
    logs: tuple[Path, ...]
    record_dir: Path | None
    recordings: tuple[Path, ...]
    cache: Path
    telemetry: tuple[Path, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.logs and not self.recordings and not self.telemetry


@dataclass(frozen=True)
class Forgotten:
    """What was deleted."""

    logs: tuple[Path, ...]
    recordings: tuple[Path, ...]
    telemetry: tuple[Path, ...] = ()


def plan_forget(privacy: PrivacyConfig, *, cache: Path | None = None) -> ForgetPlan:
    """The files `forget` deletes: the transcript log's, the assistant's recordings, and
    ONNX Runtime's telemetry state under `cache` (default: the XDG cache directory)."""
    log_dir = log_directory(privacy)
    record_dir = Path(privacy.record_dir).expanduser() if privacy.record_dir else None
    cache = cache if cache is not None else cache_home()
    return ForgetPlan(log_dir=log_dir, logs=tuple(log_files(log_dir)), record_dir=record_dir,
                      recordings=tuple(recording_files(record_dir)) if record_dir else (),
                      cache=cache, telemetry=telemetry_files(cache))


def delete(plan: ForgetPlan) -> Forgotten:
    """Delete the planned files (AssistantError naming a file that cannot be deleted)."""
    try:
        logs = wipe_logs(plan.log_dir)
        recordings = []
        for path in plan.recordings:
            path.unlink(missing_ok=True)
            recordings.append(path)
        telemetry = remove_telemetry(plan.cache) if plan.telemetry else ()
    except OSError as error:
        raise AssistantError(f"cannot delete {error.filename}: {error.strerror} (check the "
                             "permissions, then run `assistant forget` again)") from None
    return Forgotten(logs=tuple(logs), recordings=tuple(recordings),
                     telemetry=tuple(telemetry))

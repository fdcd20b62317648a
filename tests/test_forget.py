"""`assistant forget`: deletes the transcript log and the assistant's own recordings only."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest

from assistant.cli import privacy
from assistant.config import Config, PrivacyConfig
from assistant.errors import AssistantError
from assistant.retention.transcript_log import TranscriptLog, recording_name


@dataclass
class Home:
    config: Config
    config_file: Path
    log_dir: Path
    record_dir: Path
    logs: list[Path]
    recordings: list[Path]
    unrelated: list[Path]
    cache: Path


@pytest.fixture
def home(tmp_path: Path) -> Home:
    """Two days of transcript log, two recordings, and the user's own files beside them."""
    log_dir, record_dir = tmp_path / "state" / "transcripts", tmp_path / "recordings"
    settings = PrivacyConfig(transcript_log=True, log_dir=str(log_dir),
                             record_dir=str(record_dir))
    logs = []
    for day in (9, 10):
        log = TranscriptLog.from_config(settings, clock=partial(datetime, 2024, 3, day, 10))
        assert log is not None
        logs.append(log.record({"transcript": "turn on the light"}))
    record_dir.mkdir()
    recordings = [record_dir / recording_name(datetime(2024, 3, 10, 10, 0), n) for n in (1, 2)]
    unrelated = [record_dir / "holiday.wav", record_dir / "notes.txt", log_dir / "README"]
    for path in recordings + unrelated:
        path.write_bytes(b"RIFF....WAVE")
    config_file = tmp_path / "assistant.toml"
    config_file.write_text(f'[privacy]\nlog_dir = "{log_dir}"\nrecord_dir = "{record_dir}"\n',
                           encoding="utf-8")
    cache = tmp_path / "cache"
    cache.mkdir()
    return Home(Config(privacy=settings), config_file, log_dir, record_dir, logs, recordings,
                unrelated, cache)


def run_forget(home: Home, *, yes: bool, answer: str = "", tty: bool = True) -> tuple[int, str]:
    out = io.StringIO()
    code = privacy.forget(home.config, yes=yes, stdin=io.StringIO(answer), stdout=out,
                          is_tty=lambda: tty, cache=home.cache)
    return code, out.getvalue()


def onnx_runtime_state(cache: Path) -> list[Path]:
    """What ONNX Runtime 1.32 leaves without ORT_DISABLE_TELEMETRY (seen on this machine)."""
    state = cache / "Microsoft" / "DeveloperTools" / ".onnxruntime"
    state.mkdir(parents=True)
    files = [state / name for name in ("deviceid", "onnxruntime.db", "onnxruntime.db-wal")]
    for path in files:
        path.write_bytes(b"x")
    return files


def test_forget_yes_deletes_logs_and_recordings_and_nothing_else(home: Home) -> None:
    code, out = run_forget(home, yes=True, tty=False)
    assert code == 0
    assert not any(p.exists() for p in home.logs + home.recordings)
    assert all(p.exists() for p in home.unrelated)
    assert f"Deleted 2 transcript log files from {home.log_dir}." in out
    assert f"Deleted 2 recordings from {home.record_dir}" in out
    for path in home.logs + home.recordings:
        assert f"  {path.name}\n" in out
    assert "holiday.wav" not in out
    assert 'say "forget our conversation"' in out
    assert "RAM only" in out


def test_forget_asks_on_a_terminal(home: Home) -> None:
    code, out = run_forget(home, yes=False, answer="n\n")
    assert code == 1
    assert "Delete 2 transcript log files in" in out and "[y/N]" in out
    assert "Nothing deleted." in out
    assert all(p.exists() for p in home.logs + home.recordings)

    code, out = run_forget(home, yes=False, answer="yes\n")
    assert code == 0
    assert not any(p.exists() for p in home.logs + home.recordings)


def test_forget_refuses_without_a_terminal_or_yes(home: Home) -> None:
    with pytest.raises(AssistantError, match=r"assistant forget --yes"):
        run_forget(home, yes=False, answer="y\n", tty=False)
    assert all(p.exists() for p in home.logs + home.recordings)


def test_forget_with_nothing_to_delete(tmp_path: Path) -> None:
    config = Config(privacy=PrivacyConfig(log_dir=str(tmp_path / "none")))
    out = io.StringIO()
    assert privacy.forget(config, yes=False, stdin=io.StringIO(), stdout=out,
                          is_tty=lambda: False, cache=tmp_path / "cache") == 0
    assert f"Nothing to delete: no transcript log in {tmp_path / 'none'}." in out.getvalue()
    assert "forget our conversation" in out.getvalue()


def test_forget_deletes_onnx_runtime_telemetry_state_and_nothing_of_other_tools(
        home: Home) -> None:
    state = onnx_runtime_state(home.cache)
    shared = home.cache / "Microsoft" / "DeveloperTools" / "deviceid"  # VS Code's, .NET's
    shared.write_text("another tool's id", encoding="utf-8")
    code, out = run_forget(home, yes=False, answer="y\n")
    assert code == 0
    assert "ONNX Runtime's telemetry state in " in out  # asked about
    assert not any(path.exists() for path in state)
    assert not (home.cache / "Microsoft" / "DeveloperTools" / ".onnxruntime").exists()
    assert shared.read_text(encoding="utf-8") == "another tool's id"
    assert "Deleted ONNX Runtime's telemetry state (3 files) from " in out


def test_forget_leaves_no_empty_directory_behind(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    onnx_runtime_state(cache)
    out = io.StringIO()
    config = Config(privacy=PrivacyConfig(log_dir=str(tmp_path / "none")))
    assert privacy.forget(config, yes=True, stdin=io.StringIO(), stdout=out,
                          is_tty=lambda: False, cache=cache) == 0
    assert list(cache.iterdir()) == []  # Microsoft/ was ONNX Runtime's alone
    assert "Nothing to delete" not in out.getvalue()


def test_forget_deletes_the_log_even_when_logging_is_now_off(home: Home) -> None:
    home.config = Config(privacy=PrivacyConfig(log_dir=str(home.log_dir)))
    assert run_forget(home, yes=True)[0] == 0
    assert not any(p.exists() for p in home.logs)
    assert all(p.exists() for p in home.recordings)  # no record_dir configured: untouched


def test_forget_command_line(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(home.cache))  # not this machine's cache
    parser = argparse.ArgumentParser()
    privacy.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["forget", "--yes"])
    assert args.handler(args, home.config) == 0
    assert not any(p.exists() for p in home.logs + home.recordings)


def _cli(home: Home, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant", "--config", str(home.config_file),
                           *argv], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, cwd=home.record_dir.parent,
                          env={**os.environ, "XDG_CONFIG_HOME": str(home.record_dir.parent),
                               "XDG_CACHE_HOME": str(home.cache)})


def test_assistant_forget_end_to_end(home: Home) -> None:
    refused = _cli(home, "forget")
    assert refused.returncode == 1
    assert "error: not deleting without confirmation" in refused.stderr
    assert all(p.exists() for p in home.logs + home.recordings)

    state = onnx_runtime_state(home.cache)
    done = _cli(home, "forget", "--yes")
    assert done.returncode == 0, done.stderr
    assert not any(path.exists() for path in state)
    assert not any(p.exists() for p in home.logs + home.recordings)
    assert all(p.exists() for p in home.unrelated)
    assert "Deleted 2 recordings" in done.stdout

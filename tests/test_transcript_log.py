"""The opt-in transcript log: off by default, owner-only, atomic appends, retention, wipe."""

from __future__ import annotations

import json
import logging
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.config import PrivacyConfig
from assistant.loop.events import SpeechStarted, TurnFinished, TurnResult, TurnTimings
from assistant.retention.transcript_log import (
    TEMP_PREFIX,
    TEMP_SUFFIX,
    TranscriptLog,
    log_directory,
    recording_files,
    recording_name,
    wipe_logs,
)

START = datetime(2024, 3, 10, 9, 30, 0)


class Clock:
    """A settable local wall clock."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def turn(transcript: str = "what time is it", *, number: int = 1) -> TurnFinished:
    return TurnFinished(TurnResult(
        turn=number, transcript=transcript, wake=True, follow_up=False, route="skill",
        intent="GetTime", slots={}, reply="It is nine thirty.", interrupted=False,
        timings=TurnTimings()))


def open_log(directory: Path, clock: Clock, *, retention_days: int = 7) -> TranscriptLog:
    privacy = PrivacyConfig(transcript_log=True, log_dir=str(directory),
                            log_retention_days=retention_days)
    log = TranscriptLog.from_config(privacy, clock=clock)
    assert log is not None
    return log


def entries(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_off_by_default_writes_nothing(tmp_path: Path) -> None:
    assert PrivacyConfig().transcript_log is False
    directory = tmp_path / "transcripts"
    assert TranscriptLog.from_config(PrivacyConfig(log_dir=str(directory))) is None
    assert not directory.exists()


def test_default_directory_is_under_xdg_state_home(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert log_directory(PrivacyConfig()) == tmp_path / "state" / "assistant" / "transcripts"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert log_directory(PrivacyConfig()) == (
        Path.home() / ".local" / "state" / "assistant" / "transcripts")
    assert log_directory(PrivacyConfig(log_dir="~/logs")) == Path.home() / "logs"


def test_turns_are_written_as_owner_only_json_lines(tmp_path: Path) -> None:
    clock = Clock()
    log = open_log(tmp_path / "state" / "transcripts", clock)
    log.observe(SpeechStarted(at_s=1.0))  # not a finished turn: ignored
    log.observe(turn())
    clock.now += timedelta(minutes=1)
    log.observe(turn("turn on the kitchen light", number=2))

    day_file = tmp_path / "state" / "transcripts" / "2024-03-10.jsonl"
    assert [p.name for p in day_file.parent.iterdir()] == ["2024-03-10.jsonl"]
    first, second = entries(day_file)
    assert first == {"time": START.astimezone().isoformat(timespec="seconds"), "turn": 1,
                     "transcript": "what time is it", "route": "skill", "intent": "GetTime",
                     "reply": "It is nine thirty.", "interrupted": False}
    assert second["transcript"] == "turn on the kitchen light"
    assert mode(day_file.parent) == 0o700
    assert mode(day_file) == 0o600


def test_an_existing_open_directory_is_made_owner_only(tmp_path: Path) -> None:
    directory = tmp_path / "transcripts"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    open_log(directory, Clock()).observe(turn())
    assert mode(directory) == 0o700


def test_one_file_per_day(tmp_path: Path) -> None:
    clock = Clock(datetime(2024, 3, 10, 23, 59, 0))
    log = open_log(tmp_path, clock)
    log.observe(turn("late"))
    clock.now += timedelta(minutes=2)
    log.observe(turn("early"))
    assert [e["transcript"] for e in entries(tmp_path / "2024-03-10.jsonl")] == ["late"]
    assert [e["transcript"] for e in entries(tmp_path / "2024-03-11.jsonl")] == ["early"]


def failing_replace(source: str, target: str) -> None:
    """Crash between writing the temporary file and renaming it."""
    raise OSError(28, "No space left on device")


def test_an_interrupted_append_leaves_the_old_file_whole(tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    open_log(tmp_path, clock).observe(turn("first"))
    day_file = tmp_path / "2024-03-10.jsonl"
    before = day_file.read_bytes()

    crashing = TranscriptLog(tmp_path, retention_days=7, clock=clock, replace=failing_replace)
    with pytest.raises(OSError, match="No space left"):
        crashing.record({"transcript": "second"})
    assert day_file.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2024-03-10.jsonl"]  # no temp left

    # Through the pipeline observer a failed write is a warning, once, not a crash.
    with caplog.at_level(logging.WARNING, logger="assistant.retention.transcript_log"):
        crashing.observe(turn("second"))
        crashing.observe(turn("third"))
    assert len(caplog.records) == 1
    assert "cannot write" in caplog.records[0].getMessage()
    assert "second" not in caplog.text  # transcripts never reach the log above DEBUG
    assert day_file.read_bytes() == before

    open_log(tmp_path, clock).observe(turn("fourth"))
    assert [e["transcript"] for e in entries(day_file)] == ["first", "fourth"]


def test_a_temp_file_left_by_a_crash_is_ignored_and_wiped(tmp_path: Path) -> None:
    log = open_log(tmp_path, Clock())
    log.observe(turn())
    leftover = tmp_path / f"{TEMP_PREFIX}x1y2{TEMP_SUFFIX}"
    leftover.write_text('{"transcript": "half', encoding="utf-8")
    log.observe(turn("next"))
    assert len(entries(tmp_path / "2024-03-10.jsonl")) == 2
    assert leftover in wipe_logs(log.directory)
    assert not tmp_path.exists()


def test_old_entries_are_pruned_at_start_and_daily(tmp_path: Path) -> None:
    clock = Clock(datetime(2024, 3, 1, 8, 0, 0))
    log = open_log(tmp_path, clock, retention_days=7)
    log.record({"transcript": "march 1st, 8:00"})
    clock.now = datetime(2024, 3, 1, 20, 0, 0)
    log.record({"transcript": "march 1st, 20:00"})
    clock.now = datetime(2024, 3, 5, 12, 0, 0)
    log.record({"transcript": "march 5th"})
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("mine", encoding="utf-8")

    # Start on March 8th, 12:00: the cutoff is March 1st, 12:00.
    clock.now = datetime(2024, 3, 8, 12, 0, 0)
    log = open_log(tmp_path, clock, retention_days=7)
    assert [e["transcript"] for e in entries(tmp_path / "2024-03-01.jsonl")] == [
        "march 1st, 20:00"]

    # The first turn of March 9th prunes again: March 1st goes entirely.
    clock.now = datetime(2024, 3, 9, 7, 0, 0)
    log.record({"transcript": "march 9th"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2024-03-05.jsonl", "2024-03-09.jsonl", "notes.txt"]

    assert log.prune(datetime(2024, 3, 20, 0, 0, 0)) == [
        tmp_path / "2024-03-05.jsonl", tmp_path / "2024-03-09.jsonl"]
    assert unrelated.read_text(encoding="utf-8") == "mine"


def test_wipe_removes_the_log_and_nothing_else(tmp_path: Path) -> None:
    clock = Clock()
    log = open_log(tmp_path / "transcripts", clock)
    log.observe(turn())
    clock.now += timedelta(days=1)
    log.observe(turn())
    assert [p.name for p in wipe_logs(log.directory)] == ["2024-03-10.jsonl",
                                                          "2024-03-11.jsonl"]
    assert not (tmp_path / "transcripts").exists()

    log.observe(turn())
    keep = tmp_path / "transcripts" / "README"
    keep.write_text("mine", encoding="utf-8")
    assert len(wipe_logs(log.directory)) == 1
    assert [p.name for p in (tmp_path / "transcripts").iterdir()] == ["README"]


def test_recording_names_are_recognized_and_nothing_else(tmp_path: Path) -> None:
    name = recording_name(START, 3)
    assert name == "utt-20240310-093000-003.wav"
    for other in (name, "utt-x.wav", "song.wav", "utt-.wav", "utt-1.wav.bak", "UTT-1.wav"):
        (tmp_path / other).write_bytes(b"RIFF")
    (tmp_path / "utt-dir.wav").mkdir()
    os.symlink(tmp_path / "song.wav", tmp_path / "utt-link.wav")
    assert [p.name for p in recording_files(tmp_path)] == [name, "utt-x.wav"]
    assert recording_files(tmp_path / "missing") == []


@settings(max_examples=60, deadline=None)
@given(transcripts=st.lists(st.text(max_size=40), min_size=1, max_size=4))
def test_every_entry_is_exactly_one_line(tmp_path_factory: pytest.TempPathFactory,
                                        transcripts: list[str]) -> None:
    directory = tmp_path_factory.mktemp("log")
    log = open_log(directory, Clock())
    for text in transcripts:
        log.observe(turn(text))
    lines = (directory / "2024-03-10.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["transcript"] for line in lines] == transcripts

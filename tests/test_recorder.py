"""Recordings are opt-in: what the user said is written only with a record dir."""

from __future__ import annotations

import stat
from datetime import datetime
from pathlib import Path

from assistant.retention.recorder import RecordingRecognizer
from assistant.retention.transcript_log import recording_files
from tests.fakes import FakeRecognizer, sound


def test_each_utterance_is_saved_owner_only(tmp_path: Path) -> None:
    inner = FakeRecognizer("turn on the light")
    recorder = RecordingRecognizer(inner, tmp_path / "rec",
                                   clock=lambda: datetime(2026, 11, 29, 19, 45, 1))
    for _ in range(2):
        stream = recorder.stream(hint="Stop.")
        stream.accept(sound("speech", 600))
        stream.prepare()
        assert stream.prepared_text() == "turn on the light"
        assert stream.finish().result().text == "turn on the light"
    files = recording_files(tmp_path / "rec")
    assert [f.name for f in files] == ["utt-20261129-194501-001.wav",
                                       "utt-20261129-194501-002.wav"]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.stat().st_size == 44 + 2 * 16000 * 600 // 1000
    assert stat.S_IMODE((tmp_path / "rec").stat().st_mode) == 0o700
    assert inner.streams[0].hint == "Stop."


def test_an_existing_record_folder_is_made_owner_only(tmp_path: Path) -> None:
    """A record dir made by hand (0755) kept its mode: anyone could list and read it."""
    folder = tmp_path / "rec"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    RecordingRecognizer(FakeRecognizer("hello"), folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_an_unwritable_folder_does_not_stop_the_conversation(tmp_path: Path) -> None:
    recorder = RecordingRecognizer(FakeRecognizer("hello"), tmp_path / "rec")
    (tmp_path / "rec").rmdir()
    (tmp_path / "rec").write_text("a file where the folder was")
    stream = recorder.stream()
    stream.accept(sound("speech", 300))
    assert stream.finish().result().text == "hello"

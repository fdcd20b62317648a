"""Alarms and reminders in a whole session (fake engines, the real skills, the test mode's
clock): they ring at their wall-clock time in the room that set them, with the chime,
until stopped, snoozed or the limit; missed ones are said once after a restart."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from assistant.loop.clock import StreamClock
from assistant.loop.router import ChatSettings
from assistant.loop.session import Session, SessionSettings
from assistant.loop.shared import Engines
from assistant.testmode.runner import CaptureSink, ScriptRunner
from assistant.testmode.script import parse_script
from assistant.wav import read_wav
from tests import building
from tests.fakes import FakeChat, FakeRecognizer, FakeVadModel, FakeVoice, FakeWake, FakeWakeModel

START = datetime(2026, 3, 5, 7, 29)  # a Thursday


def run(turns: list[dict[str, Any]], folder: Path, *, limit_s: float = 600.0,
        room: str = "kitchen") -> list[dict[str, Any]]:
    """The turns through one session named `room` whose skills keep their files in
    `folder` (a second run over the same folder is the assistant restarted)."""
    voice = FakeVoice()
    engines = Engines(language=building.language("en"), recognizer=FakeRecognizer(),
                      vad=FakeVadModel(), wake=FakeWakeModel(), voice=voice, chat=FakeChat(),
                      skills=building.skills_engine("en", state_file=folder / "state.json"))
    clock = StreamClock()
    sink = CaptureSink(16000)
    settings = SessionSettings(chat=ChatSettings(system_prompt="Be brief."),
                               alarm_every_s=6.0, alarm_limit_s=limit_s)
    session = Session(engines, sink=sink, clock=clock, settings=settings, name=room,
                      wallclock=lambda: START + timedelta(seconds=clock.now()))
    script = parse_script({"turns": turns}, path=folder / "script.yaml")
    with engines, session:
        runner = ScriptRunner(session, sink, clock, voices=lambda name: voice,
                              out_dir=folder / f"out-{len(list(folder.glob('out-*')))}",
                              wake_phrase=FakeWake.phrase)
        return runner.run(script)


def audio_s(row: dict[str, Any]) -> float:
    return read_wav(row["reply_audio"]).seconds if row["reply_audio"] else 0.0


def test_an_alarm_rings_at_its_time_until_stop(tmp_path: Path) -> None:
    rows = run([{"text": "set an alarm for 7:30 am"}, {"silence_ms": 20_000},
                {"silence_ms": 70_000}, {"text": "stop"}, {"silence_ms": 30_000}], tmp_path)
    assert rows[0]["intent"] == "AlarmSet" and "seven thirty a.m." in rows[0]["reply"]
    assert rows[1]["announcements"] == []  # 7:29:20 and more: not yet
    assert rows[2]["announcements"] == ["It's seven thirty a.m. This is your alarm."]
    assert audio_s(rows[2]) > 5 * 1.4  # the chime again and again, every six seconds
    assert rows[3]["reply"] == "Alarm off." and rows[3]["route"] == "skill"
    assert rows[4]["announcements"] == [] and audio_s(rows[4]) == 0.0
    assert json.loads((tmp_path / "alarms.json").read_text())["alarms"] == []


def test_snooze_rings_again_later(tmp_path: Path) -> None:
    rows = run([{"text": "set an alarm for 7 30 am called gym"}, {"silence_ms": 65_000},
                {"text": "five more minutes"}, {"silence_ms": 250_000},
                {"silence_ms": 60_000}, {"text": "i'm awake"}], tmp_path)
    assert rows[1]["announcements"] == ["It's seven thirty a.m. Time for gym."]
    assert rows[2]["reply"].startswith("Okay, five minutes more. I'll ring again at")
    assert rows[3]["announcements"] == []
    assert rows[4]["announcements"] == ["It's seven thirty-five a.m. Time for gym."]
    assert rows[5]["intent"] == "AlarmStop" and rows[5]["reply"] == "Alarm off."


def test_an_alarm_nobody_stops_stops_at_its_limit(tmp_path: Path) -> None:
    rows = run([{"text": "set an alarm for 7:30 am"}, {"silence_ms": 90_000},
                {"silence_ms": 30_000}, {"text": "snooze"}], tmp_path, limit_s=10.0)
    assert rows[1]["announcements"] and audio_s(rows[1]) < 6  # two chimes, not six
    assert audio_s(rows[2]) == 0.0
    assert rows[3]["reply"] == "No alarm is ringing."


def test_a_repeating_alarm_moves_on_to_its_next_day(tmp_path: Path) -> None:
    rows = run([{"text": "set an alarm for 7:30 am every day"}, {"silence_ms": 62_000},
                {"text": "stop"}, {"text": "what alarms do i have"}], tmp_path)
    assert rows[1]["announcements"]
    assert rows[2]["reply"] == "Alarm off. It rings again tomorrow at seven thirty a.m."
    assert rows[3]["reply"] == "You have one alarm: an alarm at seven thirty a.m. every day."


def test_a_reminder_is_said_with_its_task(tmp_path: Path) -> None:
    rows = run([{"text": "remind me to call my mum in 2 minutes"}, {"silence_ms": 125_000},
                {"text": "what are my reminders"}], tmp_path)
    assert rows[0]["reply"] == "Okay, I'll remind you to call your mum in two minutes."
    assert rows[1]["announcements"] == ["Reminder: call your mum."]
    assert 0 < audio_s(rows[1]) < 5  # one chime and the words
    assert rows[2]["reply"] == "You don't have any reminders."


def test_alarms_ring_in_the_room_that_set_them(tmp_path: Path) -> None:
    run([{"text": "set an alarm for 7 30 am"}], tmp_path, room="kitchen")
    elsewhere = run([{"silence_ms": 90_000}, {"text": "what alarms do i have"}], tmp_path,
                    room="bedroom")
    assert elsewhere[0]["announcements"] == []
    assert "seven thirty a.m." in elsewhere[1]["reply"]  # the house's alarms, listed anywhere


def test_an_alarm_missed_while_off_is_said_once_after_a_restart(tmp_path: Path) -> None:
    alarms = {"version": 1, "alarms": [
        {"id": 1, "at": "2026-03-05T06:00:00", "hour": 6, "minute": 0, "days": [],
         "label": "", "room": "kitchen"}]}
    (tmp_path / "alarms.json").write_text(json.dumps(alarms))
    rows = run([{"silence_ms": 1_000}, {"silence_ms": 1_000}], tmp_path)
    assert rows[0]["announcements"] == [
        "While I was off, your alarm for six o'clock a.m. went by without ringing."]
    assert rows[1]["announcements"] == []
    again = run([{"silence_ms": 1_000}], tmp_path)
    assert again[0]["announcements"] == []


def test_a_corrupt_alarms_file_is_kept_aside_and_said(tmp_path: Path) -> None:
    (tmp_path / "alarms.json").write_text("{not json")
    engine = building.skills_engine("en", state_file=tmp_path / "state.json")
    assert engine.everyday is not None
    problems = [building.language("en").say(p) for p in engine.everyday.problems()]
    kept = tmp_path / "alarms.json.corrupt"
    assert kept.read_text() == "{not json" and not (tmp_path / "alarms.json").exists()
    assert problems == [f"I couldn't read your saved alarms, so I started with none. "
                        f"The old file is kept as {kept}."]

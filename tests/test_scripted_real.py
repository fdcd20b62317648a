"""The test mode end to end with the real engines: `assistant script` as a user runs it.

The scripts in tests/scripts/ speak through Piper (and espeak-ng), are heard by the
wake word, Silero VAD and Whisper, and are answered by the skills or the chat model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPTS = Path(__file__).parent / "scripts"


def run_script(script: Path, out: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str],
                                                              list[dict[str, Any]]]:
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "script", str(script), "--out-dir", str(out),
         *extra], capture_output=True, text=True, timeout=1200, env=os.environ.copy())
    report = out / "report.jsonl"
    rows = [json.loads(line) for line in report.read_text().splitlines()] \
        if report.exists() else []
    return result, rows


def test_conversation_through_the_voice_loop(real_store: object, tmp_path: Path) -> None:
    result, rows = run_script(SCRIPTS / "conversation.yaml", tmp_path)
    failures = {row["turn"]: row["failures"] for row in rows if not row["ok"]}
    assert result.returncode == 0, (failures, result.stdout[-3000:], result.stderr[-3000:])
    assert len(rows) == 10
    question, follow_up, too_late, story, stop = rows[:5]
    assert "paris" in question["reply"].lower()
    assert follow_up["route"] == "llm" and not follow_up["wake_detected"]
    assert too_late["route"] is None and too_late["reply_audio"] is None
    assert story["interrupted"] and stop["route"] == "control"
    # every answered turn has its reply audio and the latency of each stage
    for row in rows:
        if row["route"] in ("llm", "skill"):
            assert Path(row["reply_audio"]).stat().st_size > 1000
            latency = row["latency_ms"]
            assert latency["end_of_speech_to_first_audio"] > 0
            if row["input"]["kind"] == "say":
                # the listener hears the end within about a frame of the last sound (before
                # it when a quiet release like the "t" of "Hamlet" scores as silence)
                assert -100 <= latency["vad_lag"] <= 100, latency
                assert latency["audible_end_to_first_audio"] == pytest.approx(
                    latency["vad_lag"] + latency["end_of_speech_to_first_audio"], abs=0.2)
    assert "10/10 turns passed" in result.stdout


def test_every_skill_by_voice(real_store: object, tmp_path: Path) -> None:
    result, rows = run_script(SCRIPTS / "skills_audio.yaml", tmp_path)
    failures = {row["turn"]: (row["transcript"], row["failures"]) for row in rows
                if not row["ok"]}
    assert result.returncode == 0, failures
    intents = [row["intent"] for row in rows if row["intent"]]
    assert {"GetTime", "GetDate", "TimerSet", "TimerStatus", "TimerCancel", "HomeTurnOn",
            "HomeGetState", "HomeSetBrightness", "HomeSetTemperature", "HomeTurnOff",
            "HomeOpen", "HomeUnlock", "Confirm", "Deny", "HomeLock", "MathCalculate",
            "UnitConvert", "VolumeUp", "Help", "Repeat", "Forget"} <= set(intents)
    # the simulated home the script changed was kept in the run's own folder
    state = json.loads((tmp_path / "home-state.json").read_text())
    assert state, "device state was persisted"


def test_failing_expectations_exit_1_and_are_in_the_report(real_store: object,
                                                           tmp_path: Path) -> None:
    result, rows = run_script(SCRIPTS / "failing.yaml", tmp_path)
    assert result.returncode == 1
    assert rows[0]["ok"] is False
    assert "route: expected llm, got skill" in rows[0]["failures"]
    assert any("purple elephants" in f for f in rows[0]["failures"])
    assert "0/1 turns passed" in result.stdout


def test_a_bad_script_exits_2_naming_turn_and_key(tmp_path: Path) -> None:
    script = tmp_path / "bad.yaml"
    script.write_text("turns:\n  - say: hello\n  - say: hi\n    pause: 3\n")
    result, rows = run_script(script, tmp_path / "out")
    assert result.returncode == 2
    assert f"{script}:3: turn 2: unknown key 'pause'" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert rows == []


@pytest.mark.parametrize("settings", ["{wake: {follow_up_ms: soon}}", "{wake: {folow_up_ms: 1}}",
                                      "{nosuch: {a: 1}}"])
def test_bad_settings_in_a_script_exit_2(tmp_path: Path,
                                         settings: str) -> None:
    script = tmp_path / "bad.yaml"
    script.write_text(f"settings: {settings}\nturns:\n  - text: hello\n")
    result, _ = run_script(script, tmp_path / "out")
    assert result.returncode == 2
    assert "settings" in result.stderr and "Traceback" not in result.stderr


def test_a_recording_with_leading_silence_through_the_test_mode(real_store: object,
                                                                tmp_path: Path) -> None:
    """Home Assistant's and a microphone's recordings start before the speech: 0.3 s of
    silence first once made Whisper hear "Pern on the kitchen light"."""
    from assistant.audio import silence, to_speech
    from assistant.wav import read_wav, write_wav

    said = tmp_path / "said.wav"
    subprocess.run([sys.executable, "-m", "assistant", "say", "--steady", "--out", str(said),
                    "Turn on the kitchen light."], check=True, capture_output=True,
                   timeout=300, env=os.environ.copy())
    write_wav(tmp_path / "lead.wav", silence(300) + to_speech(read_wav(said)))
    script = tmp_path / "lead.yaml"
    script.write_text("turns:\n  - audio: lead.wav\n    expect: {intent: HomeTurnOn, "
                      "transcript_contains: turn on the kitchen light}\n")
    result, rows = run_script(script, tmp_path / "out")
    assert result.returncode == 0, (rows, result.stdout[-2000:])
    assert rows[0]["intent"] == "HomeTurnOn"


def test_everyday_skills_by_voice(real_store: object, tmp_path: Path) -> None:
    """An alarm rings at the scripted clock's time (not before), with its chime, until
    "stop"; a reminder is said with its task; lists, dates, chance, no weather source."""
    result, rows = run_script(SCRIPTS / "everyday_audio.yaml", tmp_path)
    failures = {row["turn"]: (row["transcript"], row["failures"]) for row in rows
                if not row["ok"]}
    assert result.returncode == 0, failures
    before, ringing = rows[1], rows[2]
    assert before["announcements"] == [] and before["reply_audio"] is None
    from assistant.wav import read_wav
    assert read_wav(ringing["reply_audio"]).seconds > 6  # the chime again and again
    lists = __import__("json").loads((tmp_path / "lists.json").read_text())["lists"]
    assert lists["shopping"] == ["milk", "eggs"]


def test_a_list_survives_a_restart(real_store: object, tmp_path: Path) -> None:
    """Two processes over the lists file the user's config names (a test-mode script may
    not name files: it writes its own in its output folder, issue 25)."""
    config = tmp_path / "assistant.toml"
    config.write_text(f"[skills]\nlists_file = '{tmp_path / 'my-lists.json'}'\n"
                      f"state_file = '{tmp_path / 'home.json'}'\n", encoding="utf-8")

    def ask(text: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "assistant", "--config", str(config), "chat", "--text",
             text], capture_output=True, text=True, timeout=600, cwd=tmp_path,
            env=os.environ.copy())
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout.strip()

    assert "bread" in ask("Add bread to my shopping list.")
    # a new process: the assistant restarted
    assert ask("What is on my shopping list?") == "Your shopping list has one item: bread."

"""Test-mode scripts: parsing, validation messages, expectations and the report."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.testmode.report import check_expectations, summary_table, write_jsonl
from assistant.testmode.script import ScriptError, load_script, parse_script


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_script_parses(tmp_path: Path) -> None:
    (tmp_path / "rec.wav").write_bytes(b"RIFF")
    path = write(tmp_path, """
voice: espeak
clock: "2026-11-29T19:45:00"
settings: {wake: {follow_up_ms: 3000}}
turns:
  - say: "What time is it?"
    expect: {intent: GetTime, route: skill}
  - audio: rec.wav
    wake: false
    pause_ms: 1000
  - text: "hello"
  - silence_ms: 500
  - noise_ms: 500
  - say: "stop"
    barge_in: true
    voice: piper-en_US-joe-medium
""")
    script = load_script(path)
    assert [t.kind for t in script.turns] == ["say", "audio", "text", "silence_ms", "noise_ms",
                                              "say"]
    assert script.voice == "espeak" and script.clock is not None
    assert script.settings == {"wake": {"follow_up_ms": 3000}}
    first, audio, text = script.turns[:3]
    assert first.wake and first.expect == {"intent": "GetTime", "route": "skill"}
    assert audio.value == str(tmp_path / "rec.wav") and not audio.wake and audio.pause_ms == 1000
    assert not text.wake  # typed turns skip the wake word
    assert script.turns[-1].barge_in and script.turns[-1].voice == "piper-en_US-joe-medium"


def test_json_scripts_work_too(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps({"turns": [{"text": "hi"}]}), "s.json")
    assert load_script(path).turns[0].value == "hi"


@pytest.mark.parametrize(("body", "message"), [
    ("turns:\n  - say: hi\n    sya: oops\n", "s.yaml:2: turn 1: unknown key 'sya'"),
    ("turns:\n  - say: hi\n  - text: yo\n    expect: {rout: llm}\n",
     "s.yaml:3: turn 2: unknown expect key 'rout'"),
    ("turns:\n  - say: hi\n    pause_ms: soon\n", "turn 1: pause_ms must be a whole number"),
    ("turns:\n  - say: hi\n    wake: 1\n", "turn 1: wake must be true or false"),
    ("turns:\n  - say: hi\n    text: also\n", "turn 1: needs exactly one of"),
    ("turns:\n  - pause_ms: 100\n", "turn 1: needs exactly one of"),
    ("turns:\n  - audio: missing.wav\n", "turn 1: audio file not found"),
    ("turns:\n  - say: hi\n    expect: {route: maybe}\n", "expect.route must be one of"),
    ("turns:\n  - say: hi\n    expect: {reply_matches: '('}\n", "not a valid regex"),
    ("turns:\n  - say: ''\n", "say must be a non-empty string"),
    ("turns: []\n", "`turns:` is missing or empty"),
    ("turn:\n  - say: hi\n", "unknown top-level key 'turn'"),
    ("- say: hi\n", "a script is a mapping"),
    ("turns:\n  - say: [unclosed\n", "not valid YAML"),
    ("clock: yesterday\nturns:\n  - say: hi\n", "clock must be an ISO date-time"),
    ("turns:\n  - text: hi\n    barge_in: true\n", "barge_in needs a spoken turn"),
    ("settings: {skills: {state_file: /home/me/notes.txt}}\nturns:\n  - text: hi\n",
     "settings.skills.state_file cannot be set by a script"),
    ("settings: {privacy: {network_guard: false}}\nturns:\n  - text: hi\n",
     "settings.privacy cannot be set by a script"),
    ("settings: {models: {dir: /tmp}}\nturns:\n  - text: hi\n",
     "settings.models cannot be set by a script"),
    ("settings: {audio: {output_device: 3}}\nturns:\n  - text: hi\n",
     "settings.audio.output_device cannot be set by a script"),
    ("turns:\n  - text: " + "[" * 200 + "\n", "s.yaml:2: nested more than 32 levels deep"),
])
def test_bad_scripts_name_the_turn_and_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ScriptError) as error:
        load_script(write(tmp_path, body))
    assert message in str(error.value)
    assert str(tmp_path / "s.yaml") in str(error.value)


def test_what_a_script_may_set_is_accepted(tmp_path: Path) -> None:
    script = load_script(write(tmp_path, """
language: en
settings:
  language: zh
  stt: {model: whisper-base, beam_size: 2}
  llm: {temperature: 0.0, max_sentences: 1}
  skills: {home_file: home.toml, tool_calls: true}
  wake: {follow_up_ms: 4000}
  audio: {barge_in: speech, volume: 0.5}
turns:
  - text: hi
""".replace("language: en\n", "")))
    assert script.settings["skills"] == {"home_file": "home.toml", "tool_calls": True}


def test_a_yaml_bomb_is_refused_before_it_is_expanded(tmp_path: Path) -> None:
    """Nine levels of ten aliases each: a billion strings once expanded (under `expect:` it
    grew past 2 GB); the walk that counts them stops at the bound, wherever they are."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    turns = "turns:\n  - text: hi\n    expect: {reply_contains: *a9}\n"
    for section in ("laughs:\n", "settings:\n  wake:\n    "):
        indent = "\n" + " " * (len(section) - section.rfind("\n") - 1)
        body = section + indent.join(lines) + "\n" + turns
        with pytest.raises(ScriptError, match="more than 2,000,000 values and characters"):
            load_script(write(tmp_path, body.replace("\n\n", "\n")))


def test_a_script_of_endless_bytes_is_refused_after_a_bounded_read(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="larger than 1024 KiB"):
        load_script("/dev/zero")
    big = tmp_path / "big.yaml"
    big.write_text("turns:\n" + "  - text: hi\n" * 100_000)
    with pytest.raises(ScriptError, match=f"{big}: larger than"):
        load_script(big)


def test_unreadable_script(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="cannot read"):
        load_script(tmp_path / "nope.yaml")
    bad = tmp_path / "bin.yaml"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ScriptError):
        load_script(bad)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(data=yaml_values)
def test_any_structure_is_accepted_or_refused_with_script_error(data: object) -> None:
    with contextlib.suppress(ScriptError):
        parse_script(data, path=Path("/nonexistent/s.yaml"))


@settings(max_examples=300, deadline=None)
@given(turn=st.dictionaries(
    st.sampled_from(["say", "text", "audio", "silence_ms", "noise_ms", "voice", "wake",
                     "pause_ms", "barge_in", "barge_in_after_ms", "expect", "other"]),
    yaml_values, max_size=5))
def test_any_turn_is_accepted_or_refused_with_script_error(turn: dict[str, object]) -> None:
    with contextlib.suppress(ScriptError):
        parse_script({"turns": [turn]}, path=Path("/nonexistent/s.yaml"))


def row(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {"transcript": "What time is it?", "route": "skill",
                               "intent": "GetTime", "slots": {"name": "kitchen light"},
                               "reply": "It's seven forty-five p.m.", "wake_detected": True,
                               "interrupted": False, "announcements": ["Your timer is done."]}
    base.update(overrides)
    return base


def test_expectations_hold() -> None:
    expect = {"transcript_contains": ["time", "WHAT"], "intent": "GetTime", "route": "skill",
              "reply_contains": "forty-five", "reply_matches": r"seven \w+-five",
              "wake_detected": True, "interrupted": False, "slots": {"name": "Kitchen Light"},
              "announcement_contains": "timer"}
    assert check_expectations(expect, row()) == []


def test_each_failed_expectation_is_named() -> None:
    expect = {"transcript_contains": "date", "intent": "GetDate", "route": "llm",
              "reply_contains": ["noon"], "reply_matches": "^midnight", "wake_detected": False,
              "slots": {"name": "bedroom light"}, "announcement_contains": "pasta"}
    failures = check_expectations(expect, row())
    assert len(failures) == len(expect)
    assert any(f.startswith("route: expected llm, got skill") for f in failures)


def test_route_none_means_no_reply() -> None:
    assert check_expectations({"route": "none"}, row(route=None)) == []
    assert check_expectations({"intent": None}, row(intent=None)) == []


def test_report_is_json_lines_and_the_table_marks_failures(tmp_path: Path) -> None:
    rows = [dict(row(), turn=1, ok=True, failures=[], latency_ms={
        "end_of_speech_to_first_audio": 420.0}),
        dict(row(route="llm"), turn=2, ok=False, failures=["route: expected skill, got llm"],
             latency_ms={})]
    path = tmp_path / "out" / "report.jsonl"
    write_jsonl(path, rows)
    lines = path.read_text().splitlines()
    assert [json.loads(line)["turn"] for line in lines] == [1, 2]
    table = summary_table(rows)
    assert "420 ms" in table and "! route: expected skill, got llm" in table
    assert "1/2 turns passed" in table

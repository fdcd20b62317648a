"""Intent recognition: normalization, the hassil wrapper, and `assistant intents test`."""

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.assembly import intent_recognizer
from assistant.cli import intents as intents_command
from assistant.config import Config
from assistant.home.home_file import load_home
from assistant.home.simulated import home_of
from assistant.intents import (
    MAX_COMMAND_CHARS,
    MAX_COMMAND_WORDS,
    IntentRecognizer,
    IntentTemplateError,
)
from assistant.language.en.text import normalize
from assistant.skills.home_names import home_lists
from assistant.skills.registry import IntentMatcher
from tests import building
from tests.intent_lengths import longest_command

ENGLISH = building.language("en")


def build_recognizer(home_file: Path | None = None) -> IntentMatcher:
    return intent_recognizer(Config(), ENGLISH, home_file=str(home_file) if home_file else None)

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = ROOT / "tests" / "data" / "intents_en.yaml"


@pytest.fixture(scope="module")
def recognizer() -> IntentMatcher:
    return build_recognizer()


@pytest.mark.parametrize(("whisper", "vosk"), [
    ("Set a timer for 10 minutes.", "set a timer for ten minutes"),
    ("Set the temperature to 22°C.", "set the temperature to twenty two degrees celsius"),
    ("Dim the bedroom light to 30%.", "dim the bedroom light to thirty percent"),
    ("What's 144 / 12?", "what's one hundred and forty four divided by twelve"),
    ("What is 17 x 23?", "what is seventeen times twenty three"),
    ("Set a 10-minute timer.", "set a ten minute timer"),
    ("Set a timer for 1.5 hours.", "set a timer for an hour and a half"),
    ("Set a timer for 15 minutes.", "set a timer for a quarter of an hour"),
    ("Set the temperature to 22 degrees.", "set the temperature to twenty-two degrees"),
    ("It's 7:45 p.m.", "it's 7 45 pm"),
])
def test_whisper_and_vosk_transcripts_normalize_alike(whisper: str, vosk: str) -> None:
    assert normalize(whisper) == normalize(vosk)


def test_normalize_keeps_decimals_negatives_and_contractions() -> None:
    assert normalize("What's -5 plus 1.5?") == "what's -5 plus 1.5"
    assert normalize("Convert 1,000 grams to pounds.") == "convert 1000 grams to pounds"
    assert normalize("...   ") == ""


def test_recognize_returns_original_text_and_slots(recognizer: IntentMatcher) -> None:
    match = recognizer.recognize("Kill the kitchen lights!")
    assert match is not None
    assert (match.intent, match.slots, match.text) == (
        "HomeTurnOff", {"name": "kitchen light"}, "Kill the kitchen lights!")


def test_duration_parts_add_up_to_seconds(recognizer: IntentMatcher) -> None:
    match = recognizer.recognize("set a timer for 1 hour 2 minutes and 3 seconds")
    assert match is not None and match.slots == {"duration": 3723}


def test_rooms_and_devices_come_from_the_home(tmp_path: Path) -> None:
    home = tmp_path / "home.toml"
    home.write_text('[rooms.attic]\n[devices.attic_fan]\nkind = "plug"\nroom = "attic"\n'
                    'name = "Attic Fan"\n')
    recognizer = build_recognizer(home)
    match = recognizer.recognize("turn on the attic fan")
    assert match is not None and match.slots == {"name": "attic fan"}
    # No kitchen in this home: the unknown-device catch-all answers instead.
    unknown = recognizer.recognize("turn on the kitchen light")
    assert unknown is not None and unknown.slots == {"unknown": "kitchen light"}


def test_a_validator_can_veto_a_match() -> None:
    rejected = build_recognizer()
    vetoing = IntentRecognizer.load(path=ENGLISH.intents_path, normalizer=normalize,
                                    lists=home_lists(home_of(load_home(ENGLISH.home_file))),
                                    validators={"GetTime": lambda slots: None})
    assert rejected.recognize("what time is it") is not None
    assert vetoing.recognize("what time is it") is None


def test_missing_or_broken_templates_are_reported(tmp_path: Path) -> None:
    with pytest.raises(IntentTemplateError, match="no sentence templates: .* is missing"):
        IntentRecognizer.load(path=tmp_path / "xx.yaml", normalizer=normalize)
    broken = tmp_path / "broken.yaml"
    broken.write_text("language: en\nintents: [\n")
    with pytest.raises(IntentTemplateError, match="broken.yaml: cannot read it"):
        IntentRecognizer.load(path=broken, normalizer=normalize)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("intents: {}\n")
    with pytest.raises(IntentTemplateError, match="bad template file"):
        IntentRecognizer.load(path=wrong, normalizer=normalize)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_recognize_never_raises(recognizer: IntentMatcher, text: str) -> None:
    recognizer.recognize(text)


# ------------------------------------------------------------ `assistant intents`
def run_command(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    intents_command.register(parser.add_subparsers())
    args = parser.parse_args(["intents", *argv])
    return int(args.handler(args, Config()))


def test_shipped_sentence_file_passes_completely(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command("test", str(SENTENCES)) == 0
    out = capsys.readouterr().out
    assert "accuracy:" in out and "(100.0%)" in out and "FAIL" not in out
    cases = intents_command.load_cases(SENTENCES)
    assert len(cases) >= 150
    assert sum(case.intent is None for case in cases) >= 30
    recognizer = build_recognizer()
    assert {c.intent for c in cases} - {None} == set(recognizer.intent_names)


def test_a_mismatch_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "sentences.yaml"
    file.write_text('- text: "kill the kitchen lights"\n  intent: HomeTurnOff\n'
                    '  slots: {name: bedroom light}\n'
                    '- text: "why is the sky blue"\n  intent: null\n')
    assert run_command("test", str(file)) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "accuracy: 1/2 (50.0%)" in out


@pytest.mark.parametrize(("content", "message"), [
    ("- text: hi\n  intnet: GetTime\n", "entry 1 ('hi'): unknown key 'intnet'"),
    ("- text: hi\n", "entry 1 ('hi'): key 'intent' is missing"),
    ("- {text: a, intent: GetTime}\n- intent: GetTime\n", "entry 2: key 'text' must be"),
    ("- {text: a, intent: NoSuchIntent}\n", "key 'intent': unknown intent 'NoSuchIntent'"),
    ("- {text: a, intent: GetTime, slots: [1]}\n", "key 'slots' must be a mapping"),
    ("- {text: a, intent: null, slots: {x: 1}}\n", "key 'slots' makes no sense"),
    ("text: a\n", "expected a non-empty list"),
    ("- [unclosed\n", "not valid YAML"),
])
def test_a_bad_file_exits_2_naming_entry_and_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(content)
    assert run_command("test", str(file)) == 2
    assert message in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command("test", str(tmp_path / "nope.yaml")) == 2
    assert "no such file" in capsys.readouterr().err


def test_recognize_prints_intent_and_slots(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command("recognize", "Set", "a", "pasta", "timer", "for", "8", "minutes") == 0
    assert capsys.readouterr().out.strip() == "TimerSet duration=480 name=pasta"


def test_cli_subprocess_exit_codes(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path)}
    ok = subprocess.run([sys.executable, "-m", "assistant", "intents", "test", str(SENTENCES)],
                        cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "(100.0%)" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("- text: hi\n")
    broken = subprocess.run([sys.executable, "-m", "assistant", "intents", "test", str(bad)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert broken.returncode == 2 and "key 'intent' is missing" in broken.stderr


def test_a_custom_home_can_be_named_on_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home.toml"
    home.write_text('[devices.fan]\nkind = "plug"\nname = "desk fan"\n')
    assert run_command("recognize", "--home", str(home), "switch on the desk fan") == 0
    assert capsys.readouterr().out.strip() == "HomeTurnOn name=desk fan"


# ------------------------------------------------------------ how long a command can be
def bare_recognizer(code: str) -> IntentMatcher:
    """A language's intents over its home's names, with no skill's validator."""
    pack = building.language(code)
    lists = home_lists(home_of(load_home(pack.home_file)))
    return pack.load_intents(pack.intents_path, lists, {})


def test_every_command_is_far_inside_the_length_bound() -> None:
    """The bound on command length leaves room for long device and timer names: the
    longest sentence of either language's templates is at most a third of it."""
    english = longest_command(bare_recognizer("en"))
    mandarin = longest_command(bare_recognizer("zh").characters_only)
    for longest in (english, mandarin):
        assert 10 <= longest.words <= MAX_COMMAND_WORDS // 3, longest


def test_a_text_longer_than_any_command_is_not_matched() -> None:
    """hassil matches these (a wildcard takes any words; no skill's validator here to
    refuse a long name) in time and memory growing with the square of the length; past
    the bound they are not commands at all."""
    bare = bare_recognizer("en")
    command = "turn on the {}"
    inside = bare.recognize(command.format(" ".join(["garden"] * (MAX_COMMAND_WORDS - 3))))
    assert inside is not None and inside.intent == "HomeTurnOn"
    assert bare.recognize(command.format(" ".join(["garden"] * (MAX_COMMAND_WORDS - 2)))) \
        is None
    spaced = "turn on the kitchen light" + " " * MAX_COMMAND_CHARS
    assert bare.recognize(spaced) is None  # the text as heard is bounded too
    assert bare.recognize("turn on the kitchen light " * 40_000) is None  # 1 MB


def test_a_long_mandarin_text_is_not_matched_by_sound_either() -> None:
    """The Mandarin recognizer aligns a transcript with every template by sound: a text
    longer than any command is not aligned at all."""
    bare = bare_recognizer("zh")
    assert bare.recognize("打开厨房的灯") is not None
    assert bare.recognize("打开厨房的灯" * 200_000) is None  # 1.2 M characters

"""The sentence files of both languages pass completely (`assistant intents test`):
hundreds of phrasings of the everyday commands, recognizer styles and sloppy ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli import intents as intents_command
from tests.test_intents import run_command

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(("code", "name", "least"), [("en", "intents_en.yaml", 600),
                                                      ("zh", "intents_zh.yaml", 170)])
def test_the_sentence_file_passes(code: str, name: str, least: int,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command("test", "--language", code, str(DATA / name)) == 0
    out = capsys.readouterr().out
    assert "(100.0%)" in out and "FAIL" not in out
    assert len(intents_command.load_cases(DATA / name)) >= least

"""English and Mandarin under one wake word, through the whole voice loop with the real
models (issue 26): tests/scripts/bilingual.yaml alternates English (Piper) and Mandarin
(tests/data/speech-zh) turns with `language: auto`; each must be heard in its language
and answered in it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_scripted_real import SCRIPTS, run_script

HAN = re.compile(r"[\u4e00-\u9fff]")
REQUIRED = 18
"""Of 20 (the issue's 90 %). Measured here: 20 of 20 through the test mode, the language
detected right on every turn."""


def test_both_languages_under_one_wake_word(real_store: object, tmp_path: Path) -> None:
    result, rows = run_script(SCRIPTS / "bilingual.yaml", tmp_path)
    assert len(rows) == 20, result.stderr[-3000:]
    failures = {row["turn"]: (row["transcript"], row["failures"]) for row in rows
                if not row["ok"]}
    assert sum(row["ok"] for row in rows) >= REQUIRED, failures
    said_in = ["en" if row["input"]["kind"] == "say" else "zh" for row in rows]
    heard_in = [row.get("heard_language") for row in rows]
    assert sum(a == b for a, b in zip(said_in, heard_in, strict=True)) >= REQUIRED, heard_in
    for row, language in zip(rows, said_in, strict=True):
        if row["route"] in ("skill", "llm") and row["language"] == language:
            assert bool(HAN.search(row["reply"])) == (language == "zh"), row

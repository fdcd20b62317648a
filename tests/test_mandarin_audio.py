"""Mandarin through the whole voice loop, with the real models (issue 14).

The 30 utterances of tests/data/speech-zh (one synthetic voice, made offline) go through
`assistant script` with `settings: {language: zh}`: the wake word, Silero VAD,
multilingual Whisper base (language zh, its Simplified-Chinese prompt and vocabulary
hint), normalization, zh.yaml on characters and pinyin, the Mandarin skills, and the
default chat model (Qwen2.5-Coder 1.5B) for open questions. No Mandarin voice is
installed here: replies come as text and the notice about the voice is said once in
English.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_scripted_real import SCRIPTS, run_script

HAN = re.compile(r"[\u4e00-\u9fff]")
REQUIRED = 27
"""Of 30 (the issue's bar). Measured here: 29 through the test mode and in
assistant_bench/mandarin.py (27-28 in earlier runs with other set-ups); the misses are
the recognizer's (锁 heard as 左, 吗 as 门)."""


def test_mandarin_by_voice(real_store: object, tmp_path: Path) -> None:
    result, rows = run_script(SCRIPTS / "mandarin_audio.yaml", tmp_path)
    assert len(rows) == 30, result.stderr[-3000:]
    passed = [row for row in rows if row["ok"]]
    failures = {row["turn"]: (row["transcript"], row["failures"]) for row in rows
                if not row["ok"]}
    assert len(passed) >= REQUIRED, failures
    for row in rows:
        if row["route"] in ("skill", "llm"):
            assert HAN.search(row["reply"]), row  # every answer is Mandarin
    notices = [text for row in rows for text in row["announcements"]]
    assert len(notices) == 1 and "assistant models fetch piper-zh_CN-huayan-medium" in notices[0]
    chat = [row for row in rows if row["route"] == "llm"]
    # the chat model answers in Mandarin (it is installed: no sentence naming a model)
    assert chat and not any("assistant models fetch" in row["reply"] for row in chat), chat

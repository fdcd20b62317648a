"""Soak: hundreds of turns through one pipeline, with bounded memory growth.

Marked slow; it reports the resident set size along the way (not a timing test).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from assistant.assembly import run_test_script
from assistant.config import Config
from assistant.testmode.script import Turn, parse_script

TURNS = 300
QUESTIONS = ["Why is the sky blue?", "Who wrote Hamlet?", "What do cows eat?",
             "Tell me something about cats.", "How do rainbows form?"]
COMMANDS = ["what time is it", "turn on the kitchen light", "turn off the kitchen light",
            "what is twelve times seven", "set a timer for ten minutes", "cancel all timers",
            "how many grams in a pound", "volume down", "volume up"]


def soak_turns() -> list[dict[str, object]]:
    turns: list[dict[str, object]] = []
    for i in range(TURNS):
        if i % 10 == 0:
            turns.append({"say": "What time is it?", "expect": {"intent": "GetTime"}})
        elif i % 10 == 5:
            turns.append({"noise_ms": 1000, "expect": {"route": "none"}})
        elif i % 4 == 0:
            turns.append({"text": QUESTIONS[i % len(QUESTIONS)], "expect": {"route": "llm"}})
        else:
            turns.append({"text": COMMANDS[i % len(COMMANDS)], "expect": {"route": "skill"}})
    return turns


@pytest.mark.slow
def test_hundreds_of_turns_with_bounded_memory(real_store: object, tmp_path: Path) -> None:
    # In a process of its own, as the assistant runs: the test runner's process also holds
    # what earlier tests loaded (750 MB more), which blurs what one pipeline holds.
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(root), os.environ.get("PYTHONPATH", "")]))}
    run = subprocess.run([sys.executable, "-m", "tests.test_soak", str(tmp_path)], cwd=root,
                         env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    found = json.loads((tmp_path / "soak.json").read_text())
    rss = {int(turn): mb for turn, mb in found["anonymous_mb"].items()}
    print(f"\nanonymous RSS (MB) by turn: {json.dumps({k: round(v) for k, v in rss.items()})}"
          f"\nfile-backed RSS (MB) by turn: {json.dumps(found['file_mb'])}")
    assert found["failed"] == []
    # The voice gives back what a long sentence took, so RSS goes up and down by some
    # 100 MB: bounded means the later peaks stay near the earlier ones. Anonymous memory
    # only: the memory-mapped chat model and knowledge database are file pages the kernel
    # keeps as cache (they grew by 90 MB late in a run as more of the database was read).
    first = max(mb for turn, mb in rss.items() if turn <= TURNS // 2)
    second = max(mb for turn, mb in rss.items() if turn > TURNS // 2)
    assert second - first < 60, f"peak memory grew from {first:.0f} MB to {second:.0f} MB"


def soak(out: Path) -> None:
    """Run the soak script through one pipeline; memory by turn and failures to
    out/soak.json."""
    script = parse_script({"turns": soak_turns()}, path=out / "soak.yaml")
    process = psutil.Process()
    rss: dict[int, float] = {}
    files: dict[int, float] = {}

    def after_turn(turn: Turn) -> None:
        if turn.index % 25 == 0:
            rss[turn.index] = anonymous_mb()
            files[turn.index] = round(process.memory_info().rss / 2**20 - rss[turn.index])

    rows = run_test_script(Config(), script, out_dir=out / "out", after_turn=after_turn)
    failed = [(row["turn"], row["failures"]) for row in rows if not row["ok"]]
    (out / "soak.json").write_text(json.dumps(
        {"anonymous_mb": rss, "file_mb": files, "failed": failed}))


def anonymous_mb() -> float:
    """This process's anonymous resident memory (what a leak grows), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return psutil.Process().memory_info().rss / 2**20


if __name__ == "__main__":
    soak(Path(sys.argv[1]))

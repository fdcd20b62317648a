"""The demo conversation in a network namespace with no interfaces: it needs nothing
from outside the machine. (The live loop's offline run is in test_live_loop.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli.voice import DEMO_SCRIPT
from assistant.testmode.script import load_script
from tests.test_guard import _unshare_problem


def test_the_demo_runs_without_any_network(real_store: object, tmp_path: Path) -> None:
    problem = _unshare_problem()
    if problem:
        pytest.skip(problem)
    result = subprocess.run(
        ["unshare", "-n", sys.executable, "-m", "assistant", "demo", "--out-dir",
         str(tmp_path / "demo")], capture_output=True, text=True, timeout=900,
        env=os.environ.copy(), cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    turns = len(load_script(DEMO_SCRIPT).turns)
    assert f"{turns}/{turns} turns passed" in result.stdout
    assert len(list((tmp_path / "demo").glob("turn-*.wav"))) >= 6
    # the namespace really had no way out: only the loopback interface, and it was down
    links = subprocess.run(["unshare", "-n", "cat", "/proc/net/dev"], capture_output=True,
                           text=True, check=True).stdout
    assert [line.split(":")[0].strip() for line in links.splitlines()[2:]] == ["lo"]

"""Interrupted runs stop cleanly and leave no half-written files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.signals import sigint_ignored


def long_script(tmp_path: Path) -> Path:
    turns = [{"say": "Tell me a story about a dragon and a knight."},
             {"text": "Why is the sky blue?"}] * 6
    script = tmp_path / "long.json"
    script.write_text(json.dumps({"turns": turns}))
    return script


@pytest.mark.parametrize(("signum", "status", "word", "parent"), [
    (signal.SIGTERM, 143, "terminated", "plain"), (signal.SIGINT, 130, "interrupted", "plain"),
    (signal.SIGINT, 130, "interrupted", "SIGINT ignored")])
def test_a_signal_mid_script_leaves_no_partial_files(real_store: object, tmp_path: Path,
                                                     signum: int, status: int,
                                                     word: str, parent: str) -> None:
    """Also when the parent ignored SIGINT (CI's runner does): the script then ran on to
    its end and exited 0."""
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "assistant", "script", str(long_script(tmp_path)),
            "--out-dir", str(out)]
    process = subprocess.Popen(
        sigint_ignored(argv) if parent == "SIGINT ignored" else argv, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    deadline = time.monotonic() + 300
    while not list(out.glob("turn-*.wav")) and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.2)
    assert list(out.glob("turn-*.wav")), "the script never got going"
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == status, stderr
    assert stderr.strip().endswith(word) and "Traceback" not in stderr
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".") or p.suffix == ".part"]
    assert leftovers == []
    for wav in out.glob("turn-*.wav"):  # every file that exists is complete
        assert wav.stat().st_size > 44
    report = out / "report.jsonl"
    if report.exists():
        for line in report.read_text().splitlines():
            json.loads(line)

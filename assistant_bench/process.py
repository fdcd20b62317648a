"""Cold start and peak memory, each measured in a fresh Python process.

Cold start: from starting `python -m assistant_bench.process coldstart` to the moment it
prints `listening`, having loaded and warmed every engine through `load_engines`, the
path `assistant run` takes (`run` itself needs audio devices). Peak RSS: a process that
loads every default model and answers a few spoken turns reports its own maximum
resident set size (getrusage).

Run as a module, this file is that child process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.assembly import load_engines, session_settings
from assistant.config import Config, load_config
from assistant.loop.clock import WallClock
from assistant.loop.output import BufferedSink
from assistant.loop.session import Session
from assistant.loop.shared import Engines
from assistant.sandbox.policy import apply_network_policy
from assistant_bench.stats import summarize
from assistant_bench.turns import CachedVoice, TurnRunner, turn_set

MARKER = "listening"


def _child_env() -> dict[str, str]:
    """The parent's environment, with the package importable even when not installed."""
    import assistant

    env = os.environ.copy()
    root = str(Path(assistant.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


def _command(mode: str, config_path: str | None, profile: str | None = None) -> list[str]:
    command = [sys.executable, "-m", "assistant_bench.process", mode]
    command += ["--config", config_path] if config_path else []
    return command + (["--profile", profile] if profile is not None else [])


def cold_start(config_path: str | None, *, runs: int, say: Callable[[str], None],
               profile: str | None = None) -> dict[str, Any]:
    """Seconds from process start to `listening`, `runs` times (the first run may also
    pay for reading models from disk; later ones find them in the page cache)."""
    times: list[float] = []
    loads: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.Popen(_command("coldstart", config_path, profile),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=_child_env())
        assert child.stdout is not None
        report: dict[str, Any] | None = None
        for line in child.stdout:
            if line.startswith(MARKER):
                times.append(time.perf_counter() - start)
                report = json.loads(line[len(MARKER):])
                break
        _, stderr = child.communicate(timeout=120)
        if report is None:
            raise RuntimeError(f"cold-start process failed (exit {child.returncode}): "
                               f"{stderr.strip()[-500:]}")
        loads.append(report["load_engines_s"])
    say(f"cold start: {min(times):.1f}-{max(times):.1f} s over {runs} run(s)")
    return {"runs_s": [round(t, 2) for t in times], **summarize(times, digits=2),
            "load_engines_s": summarize(loads, digits=2),
            "interpreter_imports_and_config_s": summarize(
                (t - load for t, load in zip(times, loads, strict=True)), digits=2)}


def peak_rss(config_path: str | None, *, say: Callable[[str], None],
             profile: str | None = None) -> dict[str, Any]:
    """Run the memory child: every default model loaded, a few spoken turns answered."""
    result = subprocess.run(_command("rss", config_path, profile), capture_output=True,
                            text=True, timeout=900, env=_child_env())
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"memory process failed (exit {result.returncode}): "
                           f"{result.stderr.strip()[-500:]}")
    report: dict[str, Any] = json.loads(lines[-1])
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report["largest_child_process_mb"] = round(children, 1)
    say(f"peak RSS: {report['peak_rss_mb']:.0f} MB after {report['turns']} turns")
    return report


# -- the child processes ------------------------------------------------------------------

def _load(config_path: str | None, profile: str | None) -> tuple[Config, Engines]:
    config = load_config(config_path, profile=profile)
    apply_network_policy(argparse.Namespace(command="run"), config)
    return config, load_engines(config)


def _coldstart(config_path: str | None, profile: str | None) -> None:
    config, engines = _load(config_path, profile)
    clock = WallClock()
    session = Session(engines, sink=BufferedSink(engines.voice.rate), clock=clock,
                      settings=session_settings(config, engines.language))
    with engines, session:
        report = {"load_engines_s": round(engines.load_seconds, 3)}
        print(MARKER + json.dumps(report), flush=True)
    clock.close()


def _rss(config_path: str | None, profile: str | None) -> None:
    config, engines = _load(config_path, profile)
    voice = CachedVoice(engines.voice)  # the assistant's own voice speaks: no extra model
    turns = turn_set(quick=True)
    with engines, TurnRunner(engines, config, lambda name: voice) as runner:
        records = [runner.speak(turn, rep=1) for turn in turns]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_rss_mb": round(peak_kb / 1024, 1), "turns": len(records),
                      "turns_ok": sum(1 for r in records if r["ok"]),
                      "routes": [r["route"] for r in records]}), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant_bench.process")
    parser.add_argument("mode", choices=("coldstart", "rss"))
    parser.add_argument("--config", metavar="FILE")
    parser.add_argument("--profile", metavar="NAME")
    args = parser.parse_args(argv)
    if args.mode == "coldstart":
        _coldstart(args.config, args.profile)
    else:
        _rss(args.config, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())

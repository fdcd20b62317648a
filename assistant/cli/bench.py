"""`bench`: measure latency, accuracy, start-up and memory on this machine."""

from __future__ import annotations

import argparse
from typing import Any

from assistant.config import Config
from assistant_bench.allowance import bench_allowance


def register(subparsers: Any) -> None:
    from assistant_bench.cli import add_arguments

    bench = subparsers.add_parser(
        "bench", help="benchmark this machine: latency per stage, recognition accuracy, "
        "wake word, start-up time, memory",
        description="Run a fixed set of spoken turns through the test-mode pipeline and "
        "measure end of speech to first audio per stage, the recognizers' word error rate "
        "and speed, the wake word's detection rate and false accepts, cold start and peak "
        "memory. Writes results.json, table.md and chart.png (same as "
        "scripts/benchmark.py).")
    add_arguments(bench)
    bench.set_defaults(handler=_bench, network_allowance=bench_allowance)


def _bench(args: argparse.Namespace, config: Config) -> int:
    from assistant_bench.cli import run

    return run(args, config)

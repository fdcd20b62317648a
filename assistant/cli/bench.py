"""`bench`: measure latency, accuracy, start-up and memory on this machine (the
`assistant_bench` package, which needs the bench extra: pip install 'assistant[bench]')."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from assistant.config import Config
from assistant_bench.allowance import bench_allowance
from assistant_bench.cli import add_arguments, start_audio_lab


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench", help="benchmark this machine: latency per stage, recognition accuracy, "
        "wake word, start-up time, memory",
        description="Run a fixed set of spoken turns through the test-mode pipeline and "
        "measure end of speech to first audio per stage, the recognizers' word error rate "
        "and speed, the wake word's detection rate and false accepts, cold start and peak "
        "memory. Writes results.json, table.md and chart.png (same as "
        "scripts/benchmark.py). Needs the bench extra: pip install 'assistant[bench]'.")
    add_arguments(parser)
    parser.set_defaults(handler=bench, network_allowance=bench_allowance,
                        before_policy=start_audio_lab)


def bench(args: argparse.Namespace, config: Config, *,
          import_module: Callable[[str], ModuleType] = importlib.import_module) -> int:
    """Run the benchmark; without the bench extra, one line saying how to install it."""
    from assistant_bench.cli import run

    return run(args, config, import_module=import_module)

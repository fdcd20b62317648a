"""The benchmark's command line, shared by `assistant bench` and scripts/benchmark.py.

Only light imports here: the engines load when the benchmark runs, not when `--help`
is printed.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from assistant.extras import require
from assistant_bench.machine import check_cpus, machine_label

SECTIONS = ("process", "latency", "chat", "qa", "qa-zh", "everyday", "asr", "wake")
DEFAULT_REPS = 5
QUICK_REPS = 2


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The benchmark's options (the same for `assistant bench` and the script)."""
    parser.add_argument("--reps", type=_positive, metavar="N",
                        help=f"repetitions of the spoken turn set (default: {DEFAULT_REPS}, "
                        f"{QUICK_REPS} with --quick)")
    parser.add_argument("--out", metavar="DIR",
                        help="where results.json, table.md and chart.png go (default: "
                        f"benchmarks/{machine_label()}/ under the current folder)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer turns, clips and samples: a smoke test in a minute or two")
    parser.add_argument("--cpus", type=check_cpus, metavar="N",
                        help="pin this process and its children to N cores (e.g. 4 with "
                        "--profile pi for a Raspberry Pi-class budget; more than this machine "
                        "has measures on all it has, with a note; default: every core it may "
                        "use)")
    parser.add_argument("--realtime", action="store_true",
                        help="pace the whole test mode by the wall clock (default: faster than "
                        "real time; the end-of-speech window is always paced, so latencies "
                        "are honest either way)")
    parser.add_argument("--live", action="store_true",
                        help="also measure outside in: `assistant run` through real audio "
                        "devices (a private PulseAudio daemon; needs pulseaudio and "
                        "pulseaudio-utils), from the request's last sound to the reply's "
                        "first sound")
    parser.add_argument("--satellites", type=_positive, metavar="N",
                        help="only the load test: `assistant serve` with 1, 2, 4 ... N "
                        "simulated satellites speaking at once (Wyoming clients on "
                        "127.0.0.1:10710); end of speech to first reply audio, commands and "
                        "questions apart; writes satellites.json and satellites.md")
    parser.add_argument("--home", action="store_true",
                        help="only the home: command latency with the simulated home, a "
                        "Mosquitto broker (127.0.0.1:10711) and a Home Assistant core "
                        "(127.0.0.1:10712) side by side (needs mosquitto and Python 3.13 for "
                        "scripts/home_assistant.sh); writes home.json and home.md")
    parser.add_argument("--skip", action="append", choices=SECTIONS, default=[],
                        metavar="PART", help=f"leave out a part: {', '.join(SECTIONS)} "
                        "(repeatable)")


def require_extras(args: argparse.Namespace, *,
                   import_module: Callable[[str], ModuleType] = importlib.import_module) -> None:
    """The bench extra, and the serve extra for `--satellites` (MissingExtra: one line
    naming the pip command)."""
    require("bench", "jiwer", needed_by="the benchmark", import_module=import_module)
    if args.satellites:
        require("serve", "wyoming", needed_by="the benchmark's --satellites",
                import_module=import_module)


def run(args: argparse.Namespace, config: Any, *,
        import_module: Callable[[str], ModuleType] = importlib.import_module) -> int:
    """Run the benchmark with parsed options; write and print the results."""
    require_extras(args, import_module=import_module)
    from assistant_bench.suite import Options, run_suite

    if args.satellites:
        return _satellites(args, config)
    if getattr(args, "home", False):
        return _home(args, config)
    options = Options(reps=args.reps or (QUICK_REPS if args.quick else DEFAULT_REPS),
                      out=args.out, quick=args.quick, cpus=args.cpus, realtime=args.realtime,
                      live=args.live, skip=tuple(args.skip),
                      config_path=getattr(args, "config", None),
                      profile=getattr(args, "profile", None))
    run_suite(config, options, lab=getattr(args, "audio_lab", None))
    return 0


def start_audio_lab(args: argparse.Namespace, config: Any = None) -> None:
    """With --live, before the network policy: start the audio lab (`args.audio_lab`,
    stopped when the process exits). Its PulseAudio daemon listens on a unix socket, which
    the policy forbids (the live part failed with "Connection refused")."""
    if not getattr(args, "live", False) or args.satellites or getattr(args, "home", False):
        return  # importing the lab starts threads (numpy's): only when it is needed
    from assistant_bench.lab import AudioLab, missing_tools

    if missing_tools():
        return
    lab = AudioLab().__enter__()
    atexit.register(lab.__exit__)
    args.audio_lab = lab


def _satellites(args: argparse.Namespace, config: Any) -> int:
    from pathlib import Path

    from assistant_bench.satellites import run_satellites_bench

    global_args = [*(["--config", args.config] if getattr(args, "config", None) else []),
                   *(["--profile", args.profile] if getattr(args, "profile", None) else [])]
    out = Path(args.out or Path("benchmarks") / machine_label())
    run_satellites_bench(config, most=args.satellites, reps=args.reps or QUICK_REPS, out=out,
                         global_args=global_args)
    return 0


def _home(args: argparse.Namespace, config: Any, *, labs: Any = None) -> int:
    """`--home`: with the labs started before the network policy (`labs`: homes and
    notes, from `main`), or started now."""
    from pathlib import Path

    from assistant_bench.home import run_home_bench
    from assistant_bench.home_lab import home_labs

    out = Path(args.out or Path("benchmarks") / machine_label())
    with contextlib.nullcontext(labs) if labs is not None else home_labs(_say) as started:
        homes, notes = started
        run_home_bench(config, homes=homes, notes=notes, reps=args.reps or QUICK_REPS,
                       out=out, say=_say)
    return 0


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None, *, prog: str = "benchmark.py") -> int:
    """scripts/benchmark.py and `python -m assistant_bench`: the options of `assistant
    bench`, plus --config and --debug."""
    from assistant.config import load_config
    from assistant.errors import AssistantError
    from assistant.sandbox.policy import apply_network_policy
    from assistant_bench.allowance import bench_allowance

    parser = argparse.ArgumentParser(
        prog=prog, description="Measure the assistant on this machine: latency per "
        "stage, recognition accuracy, wake word, start-up time and memory.")
    parser.add_argument("--config", metavar="FILE", help="TOML config file (as for assistant)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--profile", metavar="NAME",
                        help="a built-in profile (as for assistant), e.g. pi")
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(args.config, profile=args.profile)
        with contextlib.ExitStack() as stack:
            if args.home:  # the broker and HA are not the assistant: started before the policy
                from assistant_bench.home_lab import home_labs

                labs = stack.enter_context(home_labs(_say))
            start_audio_lab(args)
            apply_network_policy(argparse.Namespace(
                command="bench", satellites=args.satellites, home=args.home,
                network_allowance=bench_allowance), config)
            if args.home:
                require_extras(args)
                return _home(args, config, labs=labs)
            return run(args, config)
    except AssistantError as error:
        if args.debug:
            raise
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130

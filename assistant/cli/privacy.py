"""`forget`: delete what the assistant keeps about you on disk (`assistant.retention.forget`)
after asking, and say what was deleted."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from assistant.config import Config
from assistant.errors import AssistantError
from assistant.retention.forget import ForgetPlan, delete, plan_forget
from assistant.retention.telemetry import ORT_STATE

MEMORY_NOTE = (
    "Conversation memory lives in RAM only: it is gone when the assistant stops. To clear "
    "it in a running assistant, say \"forget our conversation\".")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "forget", help="delete the transcript log and saved recordings",
        description="Delete the transcript log (privacy.log_dir), the utterance "
        "recordings the assistant saved in privacy.record_dir (only its own utt-*.wav files; "
        "nothing else there is touched) and the telemetry state ONNX Runtime kept before the "
        "assistant turned it off (~/.cache/Microsoft/DeveloperTools/.onnxruntime), then list "
        "what was deleted. Asks first on a terminal; without a terminal, --yes is required.")
    parser.add_argument("--yes", action="store_true",
                        help="delete without asking (needed when stdin is not a terminal)")
    parser.set_defaults(handler=_forget)


def forget(config: Config, *, yes: bool, stdin: IO[str], stdout: IO[str],
           is_tty: Callable[[], bool], cache: Path | None = None) -> int:
    """Delete the transcript log, recordings and library telemetry state after confirming;
    returns the exit code. `cache`: the XDG cache directory (default: this user's)."""
    plan = plan_forget(config.privacy, cache=cache)
    if plan.empty:
        print(f"Nothing to delete: no transcript log in {plan.log_dir}"
              + (f", no recordings in {plan.record_dir}" if plan.record_dir else "")
              + ".", file=stdout)
        print(MEMORY_NOTE, file=stdout)
        return 0
    question = "Delete " + " and ".join(_what(plan)) + "?"
    if not yes:
        if not is_tty():
            raise AssistantError(f"not deleting without confirmation: {question} "
                                 "Run `assistant forget --yes` to delete.")
        print(f"{question} [y/N] ", end="", file=stdout, flush=True)
        if stdin.readline().strip().lower() not in ("y", "yes"):
            print("Nothing deleted.", file=stdout)
            return 1
    removed = delete(plan)
    print(f"Deleted {_count(len(removed.logs), 'transcript log file')} from {plan.log_dir}.",
          file=stdout)
    for path in removed.logs:
        print(f"  {path.name}", file=stdout)
    if plan.record_dir is not None:
        print(f"Deleted {_count(len(removed.recordings), 'recording')} from {plan.record_dir}"
              " (other files there were left alone).", file=stdout)
        for path in removed.recordings:
            print(f"  {path.name}", file=stdout)
    if removed.telemetry:
        print(f"Deleted ONNX Runtime's telemetry state ({_count(len(removed.telemetry), 'file')}) "
              f"from {plan.cache / ORT_STATE}.", file=stdout)
    print(MEMORY_NOTE, file=stdout)
    return 0


def _what(plan: ForgetPlan) -> list[str]:
    parts = []
    if plan.logs:
        parts.append(f"{_count(len(plan.logs), 'transcript log file')} in {plan.log_dir}")
    if plan.recordings:
        parts.append(f"{_count(len(plan.recordings), 'recording')} in {plan.record_dir}")
    if plan.telemetry:
        parts.append(f"ONNX Runtime's telemetry state in {plan.cache / ORT_STATE}")
    return parts


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _forget(args: argparse.Namespace, config: Config) -> int:
    return forget(config, yes=args.yes, stdin=sys.stdin, stdout=sys.stdout,
                  is_tty=sys.stdin.isatty)

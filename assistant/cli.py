"""The `assistant` command line: argparse subcommands, one clear error line, exit codes.

Each command module exposes `register(subparsers)` which adds its parser and sets
`handler=function(args, config) -> int`. Heavy imports (engines, sounddevice) happen
inside the handlers, so `assistant --help` or `assistant models list` work on a
machine without PortAudio.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence

from assistant import __version__
from assistant.config import LANGUAGES, load_config, with_language
from assistant.errors import AssistantError
from assistant.logs import configure as configure_logging
from assistant.privacy.policy import apply_network_policy

log = logging.getLogger(__name__)

#: Modules whose `register` adds subcommands, in the order `--help` lists them.
COMMAND_MODULES = (
    "assistant.commands.voice",
    "assistant.commands.serve",
    "assistant.commands.speech",
    "assistant.commands.chat",
    "assistant.commands.intents",
    "assistant.commands.system",
    "assistant.commands.privacy",
    "assistant.commands.bench",
    "assistant.models.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="A private voice assistant: everything runs on this device, nothing is sent "
        "anywhere. Start with `assistant doctor`, then `assistant demo`.",
    )
    parser.add_argument("--config", metavar="FILE",
                        help="TOML config file (default: ./assistant.toml, else "
                        "~/.config/assistant/assistant.toml, else built-in defaults)")
    parser.add_argument("--debug", action="store_true",
                        help="log debug messages and show tracebacks on errors (what was "
                        "heard and answered only with --log-transcripts)")
    parser.add_argument("--log-transcripts", action="store_true",
                        help="with --debug, also log what was heard and answered (keep such "
                        "a log private)")
    parser.add_argument("--profile", metavar="NAME", default=None, help=PROFILE_HELP)
    parser.add_argument("--version", action="version", version=f"assistant {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    for command in subparsers.choices.values():  # also after the command: `bench --profile pi`
        command.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS,
                             help=PROFILE_HELP)
    for name in LANGUAGE_COMMANDS:
        subparsers.choices[name].add_argument(
            "--language", choices=LANGUAGES, default=None,
            help="the language spoken (default: the config's top-level `language`, else en)")
    return parser


#: Commands with `--language` (transcribe has its own, for any recognizer language).
LANGUAGE_COMMANDS = ("run", "script", "chat", "say")


PROFILE_HELP = ("a built-in profile of settings for a class of machine, e.g. `pi` (Raspberry "
                "Pi 4/5); keys in the config file win over it (default: the file's `profile` "
                "key, else none)")


class Terminated(BaseException):
    """SIGTERM arrived (a BaseException, so it unwinds past `except Exception`)."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(debug=args.debug, transcripts=args.log_transcripts)
    # SIGTERM unwinds like Ctrl-C, so every temporary file is removed on the way out
    # (`run` replaces this with its own clean stop). SIGINT is set explicitly too: Python
    # leaves it ignored when the parent ignored it (a shell script's `&`, a CI runner),
    # and a SIGINT that does nothing let `models fetch` and `script` run on to the end.
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        config = load_config(args.config, profile=args.profile)
        if getattr(args, "language", None) in LANGUAGES:
            config = with_language(config, args.language)
        apply_network_policy(args, config)
        return int(args.handler(args, config) or 0)
    except AssistantError as error:
        if args.debug:
            log.exception("failed")
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("terminated", file=sys.stderr)
        return 143
    except Exception as error:  # noqa: BLE001 - one line for the user, traceback with --debug
        if args.debug:
            raise
        print(f"error: {type(error).__name__}: {error} (run with --debug for details)",
              file=sys.stderr)
        return 1

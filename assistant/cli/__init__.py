"""The `assistant` command line: argparse subcommands, one clear error line, exit codes.

One module per command group (`voice`: run, script, demo; `serve`; `speech`: say,
transcribe; `chat`; `intents`; `system`: devices, doctor; `privacy`: forget; `bench`;
`models`). Each exposes `register(subparsers)`, which adds its parsers and sets
`handler=function(args, config) -> int`, and holds those handlers. Heavy imports
(engines, sounddevice, the benchmark) happen inside the handlers, so `assistant --help`
or `assistant models list` start fast and work on a machine without PortAudio.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence

from assistant import __version__
from assistant.cli import bench, chat, intents, models, privacy, serve, speech, system, voice
from assistant.config import load_config, with_language
from assistant.errors import AssistantError
from assistant.language import available_languages
from assistant.logs import configure as configure_logging
from assistant.sandbox.policy import apply_network_policy

log = logging.getLogger(__name__)

#: The command groups, in the order `--help` lists their commands.
COMMAND_GROUPS = (voice, serve, speech, chat, intents, system, privacy, bench, models)


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
    for group in COMMAND_GROUPS:
        group.register(subparsers)
    for command in subparsers.choices.values():  # also after the command: `bench --profile pi`
        command.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS,
                             help=PROFILE_HELP)
    for name in LANGUAGE_COMMANDS:
        subparsers.choices[name].add_argument(
            "--language", choices=[*available_languages(), "auto"], default=None,
            help="the language spoken, or auto: each turn answered in the language heard "
                 "(default: the config's top-level `language`, else en)")
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
        if getattr(args, "language", None) is not None:
            config = with_language(config, args.language)
        before_policy = getattr(args, "before_policy", None)
        if before_policy is not None:  # e.g. doctor's probe starts a helper outside it
            before_policy(args, config)
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

"""`serve`: the Wyoming server for Home Assistant and wyoming-satellite: the arguments and
the network allowance (exactly the listen address, the satellites and the home's backend).

The handler is in `assistant.commands.serve_run` (imported when the command runs)."""

from __future__ import annotations

import argparse
from typing import Any

from assistant.commands import lazy
from assistant.config import Config
from assistant.privacy.allowance import NetworkAllowance


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser(
        "serve", help="a Wyoming server: speech-to-text, text-to-speech, wake word and "
        "conversation for Home Assistant; drives wyoming-satellite rooms",
        description="Serve the assistant over Wyoming (Home Assistant's voice protocol) on "
        "tcp://127.0.0.1:10700, and run one conversation per wyoming-satellite given with "
        "--satellite. Only the listen address and the satellites can be reached: the "
        "kernel refuses everything else. Prints a line containing 'listening' when ready; "
        "Ctrl-C or SIGTERM stops it.")
    serve.add_argument("--listen", metavar="ADDRESS:PORT",
                       help="where to listen (default: serve.listen of the config, else "
                       "127.0.0.1:10700); local-network addresses only")
    serve.add_argument("--satellite", action="append", default=[], metavar="tcp://HOST:PORT",
                       help="a wyoming-satellite to connect to (repeatable; added to "
                       "serve.satellites of the config); local network only")
    serve.add_argument("--client", action="append", default=[], metavar="NETWORK",
                       help="a network whose clients may connect, e.g. Home Assistant's "
                       "192.168.1.10/32 (repeatable; added to serve.clients)")
    serve.add_argument("--no-wake", action="store_true",
                       help="satellites without the wake word: every utterance is a request")
    serve.set_defaults(handler=lazy("assistant.commands.serve_run:serve"),
                       network_allowance=serve_allowance)


def listen_address(args: argparse.Namespace, config: Config) -> str:
    return str(getattr(args, "listen", None) or config.serve.listen)


def satellite_addresses(args: argparse.Namespace, config: Config) -> list[str]:
    given = [*config.serve.satellites, *getattr(args, "satellite", [])]
    return [s.strip().removeprefix("tcp://") for s in given]


def serve_allowance(args: argparse.Namespace, config: Config) -> NetworkAllowance:
    """What `serve` may reach: its listen address, its satellites and the home's backend
    (Home Assistant or the broker), nothing else (ValueError naming a malformed or
    non-local one)."""
    home = config.home.peer()
    return NetworkAllowance.parse(listen=[listen_address(args, config)],
                                  peers=[*satellite_addresses(args, config),
                                         *([home] if home else [])])

"""`serve`: the Wyoming server for Home Assistant and wyoming-satellite: the arguments and
the network allowance (exactly the listen address and the satellites).

The handler is in `assistant.commands.serve_run` (imported when the command runs)."""

from __future__ import annotations

import argparse
import ipaddress
from typing import Any

from assistant.commands import lazy
from assistant.config import Config
from assistant.privacy.allowance import LOCAL_NETWORKS, IPNetwork, NetworkAllowance


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


def client_networks(args: argparse.Namespace, config: Config) -> tuple[IPNetwork, ...]:
    """The networks of `serve.clients` and `--client`; ValueError naming one that is not a
    network, or one beyond the local network without `serve.allow_public_clients`."""
    networks = []
    for text in [*config.serve.clients, *getattr(args, "client", [])]:
        try:
            network = ipaddress.ip_network(str(text).strip(), strict=False)
        except ValueError:
            raise ValueError(f"serve.clients: {text!r} is not a network such as "
                             "192.168.1.10/32") from None
        if _beyond_local(network) and not config.serve.allow_public_clients:
            raise ValueError(
                f"serve.clients: {text!r} reaches beyond the local network: anyone who can "
                "reach the port could give commands and hear the answers. Name Home "
                "Assistant's address (e.g. 192.168.1.10/32), or set "
                "serve.allow_public_clients = true to accept it knowingly")
        networks.append(network)
    return tuple(networks)


def public_clients(networks: tuple[IPNetwork, ...]) -> list[str]:
    """The networks reaching beyond the local network (for the start-up warning)."""
    return [str(network) for network in networks if _beyond_local(network)]


def _beyond_local(network: IPNetwork) -> bool:
    return not any(network.version == local.version
                   and network.subnet_of(local)  # type: ignore[arg-type]
                   for local in LOCAL_NETWORKS)


def serve_allowance(args: argparse.Namespace, config: Config) -> NetworkAllowance:
    """What `serve` may reach: its listen address and its satellites, nothing else
    (ValueError naming a malformed or non-local one)."""
    return NetworkAllowance.parse(listen=[listen_address(args, config)],
                                  peers=satellite_addresses(args, config))

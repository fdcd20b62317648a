"""`serve`: the Wyoming server for Home Assistant and wyoming-satellite: the arguments, the
network allowance (exactly the listen address and the satellites) and the handler."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from assistant.config import Config, ServeConfig
from assistant.errors import AssistantError
from assistant.extras import require
from assistant.sandbox.allowance import NetworkAllowance
from assistant.server.allowance import (
    beyond_local,
    client_networks,
    satellite_peers,
    serve_allowance,
)

if TYPE_CHECKING:
    from assistant.server.app import ServePlan
    from assistant.server.wire import WireLimits


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve", help="a Wyoming server: speech-to-text, text-to-speech, wake word and "
        "conversation for Home Assistant; drives wyoming-satellite rooms",
        description="Serve the assistant over Wyoming (Home Assistant's voice protocol) on "
        "tcp://127.0.0.1:10700, and run one conversation per wyoming-satellite given with "
        "--satellite. Only the listen address and the satellites can be reached: the "
        "kernel refuses everything else. Prints a line containing 'listening' when ready; "
        "Ctrl-C or SIGTERM stops it.")
    parser.add_argument("--listen", metavar="ADDRESS:PORT",
                        help="where to listen (default: serve.listen of the config, else "
                        "127.0.0.1:10700); local-network addresses only")
    parser.add_argument("--satellite", action="append", default=[], metavar="tcp://HOST:PORT",
                        help="a wyoming-satellite to connect to (repeatable; added to "
                        "serve.satellites of the config); local network only")
    parser.add_argument("--client", action="append", default=[], metavar="NETWORK",
                        help="a network whose clients may connect, e.g. Home Assistant's "
                        "192.168.1.10/32 (repeatable; added to serve.clients)")
    parser.add_argument("--no-wake", action="store_true",
                        help="satellites without the wake word: every utterance is a request")
    parser.set_defaults(handler=serve, network_allowance=allowance)


def serve(args: argparse.Namespace, config: Config) -> int:
    import asyncio

    require("serve", "wyoming", needed_by="assistant serve")  # before the engines load

    from assistant.assembly import load_engines, session_settings
    from assistant.loop.clock import WallClock
    from assistant.retention.transcript_log import TranscriptLog
    from assistant.sandbox.policy import seal_listeners
    from assistant.server.app import WyomingServer
    from assistant.server.connection import ServerContext
    from assistant.server.info import describe
    from assistant.sound.priority import raise_process_priority

    started = time.perf_counter()
    plan = serve_plan(args, config)
    wake = not args.no_wake
    transcripts = TranscriptLog.from_config(config.privacy)  # None unless opted in
    raise_process_priority()  # before the engines start their threads
    with load_engines(config, wake=wake) as engines:
        clock = WallClock()
        serve_config = config.serve
        context = ServerContext(
            engines=engines, settings=session_settings(config, engines.language, wake=wake),
            info=describe(engines, language=engines.language.code).event(),
            limits=wire_limits(serve_config),
            clock=clock, observers=(transcripts.observe,) if transcripts else ())
        server = WyomingServer(context, plan)

        def ready(line: str) -> None:
            seal_listeners()  # the listener is up: nothing else may listen from now on
            print(f"{line} (ready in {time.perf_counter() - started:.1f} s)", flush=True)

        try:
            asyncio.run(server.run(ready=ready))
        finally:
            clock.close()
    print("stopped", flush=True)
    return 0


def allowance(args: argparse.Namespace, config: Config) -> NetworkAllowance:
    """What this run of `serve` may reach (the command's `network_allowance`)."""
    return serve_allowance(config, listen=getattr(args, "listen", None),
                           satellites=getattr(args, "satellite", ()))


def serve_plan(args: argparse.Namespace, config: Config) -> ServePlan:
    """Where to listen, the satellites and who else may connect: the config and the flags
    (AssistantError naming `serve.clients` for a network that is not one)."""
    from assistant.server.app import ServePlan

    reach = serve_allowance(config, listen=args.listen, satellites=args.satellite)
    satellites = NetworkAllowance.parse(peers=satellite_peers(config.serve, args.satellite))
    try:
        clients = client_networks(config, args.client)
    except ValueError as error:
        raise AssistantError(str(error)) from None
    public = [str(network) for network in clients if beyond_local(network)]
    if public:
        print(f"warning: serve.allow_public_clients: clients from {', '.join(public)} may "
              "connect: anyone who can reach the port can give commands and hear the answers",
              file=sys.stderr, flush=True)
    serve = config.serve
    return ServePlan(listen=reach.listen[0], satellites=satellites.peers, clients=clients,
                     reconnect_max_s=serve.reconnect_max_s,
                     max_connections=serve.max_connections,
                     max_connections_per_peer=serve.max_connections_per_peer)


def wire_limits(config: ServeConfig) -> WireLimits:
    """The per-connection limits of `[serve]` (see `assistant.server.wire`)."""
    from assistant.server.wire import WireLimits

    return WireLimits(max_event_bytes=config.max_event_bytes,
                      idle_timeout_s=config.idle_timeout_ms / 1000,
                      first_event_timeout_s=config.first_event_timeout_ms / 1000,
                      max_audio_s=config.max_audio_s,
                      write_timeout_s=config.write_timeout_ms / 1000,
                      max_text_chars=config.max_text_chars)

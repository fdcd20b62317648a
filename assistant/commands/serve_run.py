"""The handler of `serve` (see `assistant.commands.serve`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from assistant.commands.serve import client_networks, public_clients, serve_allowance
from assistant.config import Config, ServeConfig
from assistant.engines.loader import load_engines
from assistant.errors import AssistantError
from assistant.loop.clock import WallClock
from assistant.loop.session import SessionSettings
from assistant.privacy.transcript_log import TranscriptLog
from assistant.server.app import ServePlan, WyomingServer
from assistant.server.connection import ServerContext
from assistant.server.info import describe
from assistant.server.wire import WireLimits
from assistant.sound.priority import raise_process_priority


def serve(args: argparse.Namespace, config: Config) -> int:
    started = time.perf_counter()
    plan = serve_plan(args, config)
    wake = not args.no_wake
    transcripts = TranscriptLog.from_config(config.privacy)  # None unless opted in
    raise_process_priority()  # before the engines start their threads
    with load_engines(config, wake=wake) as engines:
        clock = WallClock()
        serve_config = config.serve
        context = ServerContext(
            engines=engines, settings=SessionSettings.from_config(config, wake=wake),
            info=describe(engines, language=config.skills.language).event(),
            limits=wire_limits(serve_config),
            clock=clock, observers=(transcripts.observe,) if transcripts else ())
        server = WyomingServer(context, plan)

        def ready(line: str) -> None:
            print(f"{line} (ready in {time.perf_counter() - started:.1f} s)", flush=True)

        try:
            asyncio.run(server.run(ready=ready))
        finally:
            clock.close()
    print("stopped", flush=True)
    return 0


def serve_plan(args: argparse.Namespace, config: Config) -> ServePlan:
    allowance = serve_allowance(args, config)
    try:
        clients = client_networks(args, config)
    except ValueError as error:
        raise AssistantError(str(error)) from None
    if public_clients(clients):
        print(f"warning: serve.allow_public_clients: clients from "
              f"{', '.join(public_clients(clients))} may connect: anyone who can reach the "
              "port can give commands and hear the answers", file=sys.stderr, flush=True)
    serve = config.serve
    return ServePlan(listen=allowance.listen[0], satellites=allowance.peers,
                     clients=clients, reconnect_max_s=serve.reconnect_max_s,
                     max_connections=serve.max_connections,
                     max_connections_per_peer=serve.max_connections_per_peer)


def wire_limits(config: ServeConfig) -> WireLimits:
    """The per-connection limits of `[serve]` (see `assistant.server.wire`)."""
    return WireLimits(max_event_bytes=config.max_event_bytes,
                      idle_timeout_s=config.idle_timeout_ms / 1000,
                      first_event_timeout_s=config.first_event_timeout_ms / 1000,
                      max_audio_s=config.max_audio_s,
                      write_timeout_s=config.write_timeout_ms / 1000,
                      max_text_chars=config.max_text_chars)

"""The handler of `serve` (see `assistant.commands.serve`)."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import time

from assistant.commands.serve import serve_allowance
from assistant.config import Config
from assistant.engines.loader import load_engines
from assistant.errors import AssistantError
from assistant.loop.clock import WallClock
from assistant.loop.session import SessionSettings
from assistant.privacy.policy import seal_listeners
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
            limits=WireLimits(max_event_bytes=serve_config.max_event_bytes,
                              idle_timeout_s=serve_config.idle_timeout_ms / 1000,
                              max_audio_s=serve_config.max_audio_s),
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


def serve_plan(args: argparse.Namespace, config: Config) -> ServePlan:
    allowance = serve_allowance(args, config)
    clients = []
    for text in [*config.serve.clients, *args.client]:
        try:
            clients.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            raise AssistantError(f"serve.clients: {text!r} is not a network such as "
                                 "192.168.1.10/32") from None
    return ServePlan(listen=allowance.listen[0], satellites=allowance.peers,
                     clients=tuple(clients), reconnect_max_s=config.serve.reconnect_max_s)

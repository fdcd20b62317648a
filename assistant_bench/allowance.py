"""What the benchmark may reach: nothing, but for `--satellites` one loopback port, for
`--home` the loopback ports of its broker and Home Assistant, and the chat server of
`llm.url`."""

from __future__ import annotations

import argparse

from assistant.config import Config
from assistant.home.allowance import with_chat_server
from assistant.sandbox.allowance import NetworkAllowance

BENCH_PORT = 10710
"""Where `bench --satellites` runs its server (127.0.0.1)."""


def bench_allowance(args: argparse.Namespace, config: Config) -> NetworkAllowance | None:
    """Offline, but for `--satellites`: its server listens on, and its clients connect to,
    one loopback port (the server is a child process and inherits this policy); for
    `--home`: the broker's and Home Assistant's (children too); and the chat server of
    `llm.backend = "openai"`, which the benchmark measures like the local model."""
    if getattr(args, "home", False):
        from assistant_bench.home_lab import BROKER_PORT, HA_PORT

        endpoints = [f"127.0.0.1:{BROKER_PORT}", f"127.0.0.1:{HA_PORT}"]
        allowance = NetworkAllowance.parse(listen=endpoints, peers=endpoints)
    elif getattr(args, "satellites", None):
        endpoint = f"127.0.0.1:{BENCH_PORT}"
        allowance = NetworkAllowance.parse(listen=[endpoint], peers=[endpoint])
    else:
        allowance = NetworkAllowance.parse()
    allowance = with_chat_server(allowance, config)
    return allowance if allowance.peers or allowance.listen else None

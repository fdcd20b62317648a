"""What the benchmark may reach: nothing, but for `--satellites` one loopback port and for
`--home` the loopback ports of its broker and Home Assistant."""

from __future__ import annotations

import argparse

from assistant.config import Config
from assistant.sandbox.allowance import NetworkAllowance

BENCH_PORT = 10710
"""Where `bench --satellites` runs its server (127.0.0.1)."""


def bench_allowance(args: argparse.Namespace, config: Config) -> NetworkAllowance | None:
    """Offline, but for `--satellites`: its server listens on, and its clients connect to,
    one loopback port (the server is a child process and inherits this policy); and for
    `--home`: the broker's and Home Assistant's (children too)."""
    if getattr(args, "home", False):
        from assistant_bench.home_lab import BROKER_PORT, HA_PORT

        endpoints = [f"127.0.0.1:{BROKER_PORT}", f"127.0.0.1:{HA_PORT}"]
        return NetworkAllowance.parse(listen=endpoints, peers=endpoints)
    if not getattr(args, "satellites", None):
        return None
    endpoint = f"127.0.0.1:{BENCH_PORT}"
    return NetworkAllowance.parse(listen=[endpoint], peers=[endpoint])

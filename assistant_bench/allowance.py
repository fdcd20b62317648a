"""What the benchmark may reach: nothing, but for `--satellites` one loopback port."""

from __future__ import annotations

import argparse

from assistant.config import Config
from assistant.sandbox.allowance import NetworkAllowance

BENCH_PORT = 10710
"""Where `bench --satellites` runs its server (127.0.0.1)."""


def bench_allowance(args: argparse.Namespace, config: Config) -> NetworkAllowance | None:
    """Offline, but for `--satellites`: its server listens on, and its clients connect to,
    one loopback port (the server is a child process and inherits this policy)."""
    if not getattr(args, "satellites", None):
        return None
    endpoint = f"127.0.0.1:{BENCH_PORT}"
    return NetworkAllowance.parse(listen=[endpoint], peers=[endpoint])

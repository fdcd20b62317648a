"""What a command that reaches the home may connect to: Home Assistant's or the broker's
address and port, nothing else (light: imported when the command line is built)."""

from __future__ import annotations

import argparse

from assistant.config import Config
from assistant.sandbox.allowance import NetworkAllowance


def home_allowance(args: argparse.Namespace, config: Config) -> NetworkAllowance | None:
    """The `network_allowance` of run, script, chat and doctor: the home backend's one
    peer, or None (offline) for the simulated home."""
    peer = config.home.peer()
    return NetworkAllowance.parse(peers=[peer]) if peer else None

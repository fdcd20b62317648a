"""What a command that reaches the home may connect to: Home Assistant's or the broker's
address and port, and the chat server of `llm.url`, nothing else (light: imported when the
command line is built)."""

from __future__ import annotations

import argparse

from assistant.config import Config
from assistant.sandbox.allowance import NetworkAllowance


def home_allowance(args: argparse.Namespace, config: Config) -> NetworkAllowance | None:
    """The `network_allowance` of run, script, chat and doctor: the home backend's one
    peer and the chat server's, or None (offline) for the simulated home and the local
    chat model."""
    peer = config.home.peer()
    allowance = with_chat_server(NetworkAllowance.parse(peers=[peer] if peer else []),
                                 config)
    return allowance if allowance.peers else None


def with_chat_server(allowance: NetworkAllowance, config: Config) -> NetworkAllowance:
    """`allowance` and the chat server of `llm.backend = "openai"`, exactly its address
    and port (checked by the config: local, or allowed knowingly)."""
    server = config.llm.server()
    return allowance.adding([server.endpoint]) if server is not None else allowance

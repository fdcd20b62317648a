"""What `assistant serve` may reach: its listen address, its satellites and the home's
backend (Home Assistant or the broker), nothing else.

Light on purpose (no `wyoming` import): the command line builds it before any engine
loads, to install the network policy, and `assistant doctor` shows it."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.config import Config, ServeConfig
from assistant.sandbox.allowance import NetworkAllowance


def satellite_peers(config: ServeConfig, satellites: Sequence[str] = ()) -> list[str]:
    """Every satellite's ADDRESS:PORT: those of `serve.satellites`, then `satellites`."""
    return [s.strip().removeprefix("tcp://") for s in [*config.satellites, *satellites]]


def serve_allowance(config: Config, *, listen: str | None = None,
                    satellites: Sequence[str] = ()) -> NetworkAllowance:
    """The listen address (`listen`, else `serve.listen`), every satellite and the home's
    backend; ValueError naming a malformed or non-local one."""
    home = config.home.peer()
    return NetworkAllowance.parse(listen=[listen or config.serve.listen],
                                  peers=[*satellite_peers(config.serve, satellites),
                                         *([home] if home else [])])

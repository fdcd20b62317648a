"""What `assistant serve` may reach: its listen address and its satellites, nothing else.

Light on purpose (no `wyoming` import): the command line builds it before any engine
loads, to install the network policy, and `assistant doctor` shows it."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.config import ServeConfig
from assistant.sandbox.allowance import NetworkAllowance


def serve_allowance(config: ServeConfig, *, listen: str | None = None,
                    satellites: Sequence[str] = ()) -> NetworkAllowance:
    """The listen address (`listen`, else `serve.listen`) and every satellite (those of
    `serve.satellites`, then `satellites`); ValueError naming a malformed or non-local one."""
    given = [*config.satellites, *satellites]
    return NetworkAllowance.parse(listen=[listen or config.listen],
                                  peers=[s.strip().removeprefix("tcp://") for s in given])

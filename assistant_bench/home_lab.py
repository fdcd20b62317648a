"""The homes `bench --home` measures besides the simulated one: a Mosquitto broker with two
devices announced as Zigbee2MQTT announces them, and a Home Assistant core with the
tests' home, both on loopback (the harness the tests use: `assistant_bench.mosquitto`,
`assistant_bench.home_assistant`).

They are outside the assistant, so `scripts/benchmark.py --home` starts them before the
benchmark puts itself under the network policy, which then lets the assistant reach
exactly their two ports. This module imports nothing heavy: the policy's Landlock rules
must be in place before any library starts a thread. Started after the policy
(`assistant bench --home`: the command line applies it first), Home Assistant cannot run
(its `network` integration opens a UDP socket, which the policy refuses): a note says so
and the others are measured.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

BROKER_PORT = 10711
HA_PORT = 10712
"""Loopback ports of the broker and Home Assistant (the network policy allows these)."""

Homes = dict[str, dict[str, Any]]
"""name -> its [home] section ("simulated", "mqtt", "homeassistant")."""


@contextlib.contextmanager
def home_labs(say: Callable[[str], None]) -> Iterator[tuple[Homes, list[str]]]:
    """Start the broker and Home Assistant where they can run here (a note for each that
    cannot) and stop them after; yields the homes to measure and the notes."""
    homes: Homes = {"simulated": {"backend": "simulated"}}
    notes: list[str] = []
    with contextlib.ExitStack() as labs, tempfile.TemporaryDirectory(
            prefix="assistant-bench-home-") as scratch:
        from assistant_bench.mosquitto import missing_mosquitto, running_broker

        missing = missing_mosquitto()
        if missing:
            notes.append(f"mqtt: not measured: {missing}")
        else:
            (Path(scratch) / "broker").mkdir()
            broker = labs.enter_context(running_broker(Path(scratch) / "broker",
                                                       port=BROKER_PORT))
            _announce(broker)
            homes["mqtt"] = {"backend": "mqtt", "broker": f"127.0.0.1:{BROKER_PORT}"}
        try:
            homes["homeassistant"] = labs.enter_context(_home_assistant(Path(scratch), say))
        except (OSError, RuntimeError, subprocess.SubprocessError) as error:
            notes.append(f"homeassistant: not measured: {_first_line(error)}")
        yield homes, notes


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    if "network" in text and "Permission denied" in text:
        return ("it cannot start under the network policy (its network integration opens "
                "a UDP socket): run scripts/benchmark.py --home, which starts it first")
    return text.splitlines()[0] if text else type(error).__name__


def _announce(broker: Any) -> None:
    from assistant_bench.mosquitto import z2m_light, z2m_switch

    for topic, payload in (z2m_light("kitchen light", area="Kitchen"),
                           z2m_switch("coffee machine")):
        broker.publish(topic, payload, retain=True)


@contextlib.contextmanager
def _home_assistant(scratch: Path, say: Callable[[str], None]) -> Iterator[dict[str, Any]]:
    from assistant_bench.home_assistant import start_home_assistant

    say("home: starting Home Assistant (scripts/home_assistant.sh makes its venv once)")
    ha = start_home_assistant(scratch / "ha", HA_PORT)
    try:
        token = scratch / "ha-token"
        token.write_text(ha.token)
        token.chmod(0o600)
        yield {"backend": "homeassistant", "url": ha.url, "token_file": str(token)}
    finally:
        ha.stop()

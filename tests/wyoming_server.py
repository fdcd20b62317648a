"""A real `assistant serve` for the Wyoming tests: its own port, home state and limits."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from assistant_bench.satellites import ServeProcess

IDLE_TIMEOUT_MS = 3000
"""Short, so the silent-client test is quick (the default is 30 s)."""
READY_TIMEOUT_S = 240.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_config(tmp: Path, *, satellites: Sequence[str] = (), extra: str = "") -> Path:
    """A config with a fresh home state and a short idle limit; `extra` is more TOML for
    the [serve] section."""
    path = tmp / "assistant.toml"
    listed = ", ".join(f'"{s}"' for s in satellites)
    path.write_text(f'[skills]\nstate_file = "{tmp / "home-state.json"}"\n'
                    f"[serve]\nidle_timeout_ms = {IDLE_TIMEOUT_MS}\nsatellites = [{listed}]\n"
                    f"reconnect_max_s = 2.0\n{extra}", encoding="utf-8")
    return path


@contextmanager
def running_server(tmp: Path, *, port: int, satellites: Sequence[str] = (),
                   env: dict[str, str] | None = None, extra: str = "") -> Iterator[ServeProcess]:
    config = serve_config(tmp, satellites=satellites, extra=extra)
    environment = {**(env or os.environ), "XDG_STATE_HOME": str(tmp / "state")}
    server = ServeProcess(["--listen", f"127.0.0.1:{port}"],
                          global_args=["--debug", "--config", str(config)], env=environment)
    try:
        server.wait_for("listening on", timeout=READY_TIMEOUT_S)
        yield server
    finally:
        code = server.stop()
    assert code == 0 and "stopped" in server.lines, server.output()  # a clean SIGTERM stop

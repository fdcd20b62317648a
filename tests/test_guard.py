"""The Python network guard refuses non-local traffic, allows loopback and AF_UNIX, and is
on for every command except `models fetch`. (The kernel layer under it is tested in
test_network_policy.py; here the guard is installed alone, as on a system without seccomp.)

Nothing here may send a packet off the machine, even with a broken guard: every test that
opens a socket or runs a command runs it in a child process inside `unshare -n`, a network
namespace with only a loopback interface, and checks that the *guard's* refusal (not the
kernel's "Network is unreachable") is what stopped the connection.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.cli import build_parser
from assistant.errors import AssistantError
from assistant.sandbox.guard import NetworkBlockedError, is_loopback_host, refusal
from assistant.sandbox.policy import guarded

# Runs first in every isolated child: bring up loopback (down in a new namespace) and make
# sure this really is a namespace with nothing but loopback, before anything else happens.
PRELUDE = """\
import fcntl, json, socket, struct, sys
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as _s:
    _req = struct.pack("16sh", b"lo", 0)
    _flags = struct.unpack("16sh", fcntl.ioctl(_s, 0x8913, _req))[1]  # SIOCGIFFLAGS
    fcntl.ioctl(_s, 0x8914, struct.pack("16sh", b"lo", _flags | 1))  # SIOCSIFFLAGS, IFF_UP
if [name for _, name in socket.if_nameindex()] != ["lo"]:
    sys.exit("not isolated: this network namespace has interfaces besides lo")
"""

BLOCKED = "the network guard refused"


@functools.lru_cache(maxsize=1)
def _unshare_problem() -> str | None:
    if shutil.which("unshare") is None:
        return "`unshare` (util-linux) is not installed"
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"the kernel forbids `unshare -n` here: {probe.stderr.strip()}"
    return None


@pytest.fixture
def netns() -> None:
    problem = _unshare_problem()
    if problem:
        pytest.skip(f"{problem}; socket tests run only inside a network namespace so that "
                    "nothing can leave the machine")


def run_isolated(code: str, *argv: str, cwd: Path,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run Python `code` (after PRELUDE) with `argv` in a fresh network namespace."""
    return subprocess.run(["unshare", "-n", sys.executable, "-c", PRELUDE + code, *argv],
                          capture_output=True, text=True, timeout=120, cwd=cwd,
                          env={**os.environ, **(env or {})})


def run_cli_isolated(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`assistant ARGV` end to end (the real `main`) in a fresh network namespace."""
    return run_isolated("from assistant.cli import main\nsys.exit(main(sys.argv[1:]))",
                        *argv, cwd=cwd, env={"XDG_CONFIG_HOME": str(cwd / "config")})


# -- the policy (pure: no sockets) ------------------------------------------------------

@dataclass(frozen=True)
class FakeSocket:
    family: int


INET = FakeSocket(socket.AF_INET)
INET6 = FakeSocket(socket.AF_INET6)
UNIX = FakeSocket(socket.AF_UNIX)


@pytest.mark.parametrize(("event", "args"), [
    ("socket.connect", (INET, ("127.0.0.1", 8080))),
    ("socket.connect", (INET, ("127.3.2.1", 8080))),
    ("socket.connect", (INET, ("localhost", 8080))),
    ("socket.connect", (INET6, ("::1", 8080, 0, 0))),
    ("socket.connect", (INET6, ("::ffff:127.0.0.1", 8080, 0, 0))),
    ("socket.connect", (UNIX, "/run/user/0/pulse/native")),
    ("socket.connect", (UNIX, b"\0abstract")),
    ("socket.bind", (INET, ("127.0.0.1", 0))),
    ("socket.sendto", (INET, ("127.0.0.1", 9))),
    ("socket.sendmsg", (INET, None)),
    ("socket.getaddrinfo", ("localhost", 80, 0, 0, 0)),
    ("socket.getaddrinfo", (None, 80, 0, 0, 0)),
    ("socket.gethostbyname", ("localhost",)),
    ("socket.gethostbyaddr", ("127.0.0.1",)),
    ("socket.getnameinfo", (("127.0.0.1", 80),)),
    ("socket.gethostname", ()),
    ("socket.__new__", (INET, socket.AF_INET, socket.SOCK_STREAM, 0)),
    ("open", ("/etc/hosts", "r", 0)),
])
def test_local_traffic_is_allowed(event: str, args: tuple[object, ...]) -> None:
    assert refusal(event, args) is None


@pytest.mark.parametrize(("event", "args", "what"), [
    ("socket.connect", (INET, ("192.0.2.1", 9)), "a connection to 192.0.2.1:9"),
    ("socket.connect", (INET, ("example.com", 80)), "a connection to example.com:80"),
    ("socket.connect", (INET, ("0.0.0.0", 80)), "a connection to 0.0.0.0:80"),
    ("socket.connect", (INET6, ("2001:db8::1", 9, 0, 0)), "a connection to [2001:db8::1]:9"),
    ("socket.connect", (INET6, ("fe80::1%lo", 9, 0, 1)), "a connection to [fe80::1%lo]:9"),
    ("socket.sendto", (INET, ("8.8.8.8", 53)), "sending to 8.8.8.8:53"),
    ("socket.sendmsg", (INET, ("8.8.8.8", 53)), "sending to 8.8.8.8:53"),
    ("socket.bind", (INET, ("", 8080)), "listening on every interface, port 8080"),
    ("socket.bind", (INET6, ("::", 8080, 0, 0)), "listening on [::]:8080"),
    ("socket.bind", (FakeSocket(17), ("eth0", 0)), "listening on eth0:0 over AF_PACKET"),
    ("socket.getaddrinfo", ("example.com", 443, 0, 0, 0), "a DNS lookup of 'example.com'"),
    ("socket.getaddrinfo", (b"example.com", 443, 0, 0, 0), "a DNS lookup of b'example.com'"),
    ("socket.getaddrinfo", ("foo.localhost", 80, 0, 0, 0), "a DNS lookup of 'foo.localhost'"),
    # A literal needs no DNS, but whoever asks is about to reach it: refused, named here,
    # since the kernel filter would refuse the socket next without knowing the destination.
    ("socket.getaddrinfo", ("192.0.2.1", 80, 0, 0, 0), "a connection to 192.0.2.1:80"),
    ("socket.getaddrinfo", ("192.0.2.1", "53", 0, socket.SOCK_DGRAM, 0), "sending to 192.0.2.1:53"),
    ("socket.getaddrinfo", ("2001:db8::1", 9, 0, 0, 0), "a connection to [2001:db8::1]:9"),
    ("socket.gethostbyname", ("example.com",), "a DNS lookup of 'example.com'"),
    ("socket.gethostbyaddr", ("192.0.2.1",), "a reverse DNS lookup of '192.0.2.1'"),
    ("socket.getnameinfo", (("192.0.2.1", 80),), "a name lookup of 192.0.2.1:80"),
])
def test_remote_traffic_and_lookups_are_refused(event: str, args: tuple[object, ...],
                                                what: str) -> None:
    assert refusal(event, args) == what


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.255.0.9", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("localhost", True), ("LOCALHOST.", True), (b"127.0.0.1", True),
    ("128.0.0.1", False), ("0.0.0.0", False), ("", False), ("::", False),
    ("192.168.1.10", False), ("localhost.example.com", False), (None, False), (2130706433, False),
])
def test_loopback_hosts(host: object, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_blocked_error_fails_like_a_refused_connection() -> None:
    error = NetworkBlockedError("a connection to 192.0.2.1:9")
    assert isinstance(error, ConnectionRefusedError)
    assert isinstance(error, OSError)
    assert isinstance(error, AssistantError)
    assert error.errno == 111
    assert str(error).startswith(f"{BLOCKED} a connection to 192.0.2.1:9")
    assert "assistant models fetch" in str(error)


# -- which commands are guarded ---------------------------------------------------------

def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse has no public way to list subparsers
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _every_command_line() -> list[list[str]]:
    """One valid command line per leaf subcommand, positionals filled with "x"."""
    lines = []

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> None:
        children = _subcommands(parser)
        if children:
            for name, child in children.items():
                walk(child, [*prefix, name])
            return
        positionals = [a for a in parser._actions if not a.option_strings
                       and a.nargs not in ("*", "?", argparse.SUPPRESS)]
        lines.append([*prefix, *["x"] * len(positionals)])

    walk(build_parser(), [])
    return lines


def test_every_command_but_models_fetch_is_guarded() -> None:
    parser = build_parser()
    seen = []
    for argv in _every_command_line():
        args = parser.parse_args(argv)
        name = [word for word in argv if word != "x"]
        assert guarded(args) is (name != ["models", "fetch"]), name
        seen.append(name)
    assert ["models", "fetch"] in seen
    assert ["doctor"] in seen
    assert len(seen) > 5


# -- the real guard, in a network namespace ---------------------------------------------

GUARD_PROBES = """
import asyncio, os, tempfile, threading, urllib.request
results = {}

def attempt(label, action):
    try:
        action()
        results[label] = "ok"
    except Exception as error:
        results[label] = f"{type(error).__name__}: {error}"

def remote():
    with socket.socket() as sock:
        sock.settimeout(2)
        sock.connect(("192.0.2.1", 9))

attempt("before the guard", remote)  # the kernel's answer, to tell the two apart

from assistant.sandbox.guard import guard_state, install_guard
results["state before"] = guard_state()
install_guard()
install_guard()  # idempotent
results["state after"] = guard_state()
results["hf offline"] = os.environ.get("HF_HUB_OFFLINE")
results["hf telemetry"] = os.environ.get("HF_HUB_DISABLE_TELEMETRY")
import _socket
results["connect wrapped once"] = socket.socket.connect.__wrapped__ is _socket.socket.connect

# Allowed: a TCP echo server on loopback, and an AF_UNIX server (what PulseAudio uses).
server = socket.create_server(("127.0.0.1", 0))
def echo():
    conn, _ = server.accept()
    with conn:
        conn.sendall(conn.recv(16).upper())
threading.Thread(target=echo, daemon=True).start()
def loopback():
    with socket.create_connection(("localhost", server.getsockname()[1]), timeout=5) as c:
        c.sendall(b"ping")
        assert c.recv(16) == b"PING"
attempt("loopback", loopback)

unix_path = os.path.join(tempfile.mkdtemp(), "native")
unix_server = socket.socket(socket.AF_UNIX)
unix_server.bind(unix_path)
unix_server.listen()
def unix():
    with socket.socket(socket.AF_UNIX) as c:
        c.connect(unix_path)
        c.sendall(b"hello")
attempt("unix", unix)

# Refused.
attempt("connect", remote)
attempt("connect again", remote)
def connect_ex():
    with socket.socket() as sock:
        return sock.connect_ex(("192.0.2.1", 9))
attempt("connect_ex", connect_ex)
attempt("create_connection", lambda: socket.create_connection(("192.0.2.1", 9), timeout=2))
def udp():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"x", ("192.0.2.1", 53))
attempt("udp", udp)
attempt("dns", lambda: socket.getaddrinfo("example.com", 443))
def name_connect():
    with socket.socket() as sock:
        sock.connect(("example.com", 80))
attempt("name connect", name_connect)
attempt("ipv6", lambda: socket.create_connection(("2001:db8::1", 9), timeout=2))
attempt("urllib", lambda: urllib.request.urlopen("http://example.com/", timeout=2))
async def asyncio_connect():
    await asyncio.open_connection("192.0.2.1", 9)
attempt("asyncio", lambda: asyncio.run(asyncio_connect()))
def listen_everywhere():
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
attempt("bind", listen_everywhere)
print(json.dumps(results))
"""


def test_guard_refuses_remote_and_allows_loopback_and_unix(netns: None, tmp_path: Path) -> None:
    done = run_isolated("import logging\nlogging.basicConfig()\n" + GUARD_PROBES, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert "Network is unreachable" in results.pop("before the guard")
    assert results.pop("state before") == "not installed"
    assert results.pop("state after") == "on"
    assert results.pop("hf offline") == "1"
    assert results.pop("hf telemetry") == "1"
    assert results.pop("connect wrapped once") is True
    assert results.pop("loopback") == "ok"
    assert results.pop("unix") == "ok"
    for label, outcome in results.items():
        assert outcome.startswith(f"NetworkBlockedError: {BLOCKED}") or (
            label == "urllib" and outcome.startswith(f"URLError: <urlopen error {BLOCKED}")
        ), f"{label}: {outcome}"
        assert "unreachable" not in outcome
    assert "a DNS lookup of 'example.com'" in results["dns"]
    # One WARNING per destination, however often it is tried.
    warnings = [line for line in done.stderr.splitlines() if line.startswith("WARNING")]
    assert sum("192.0.2.1:9" in line for line in warnings) == 1
    assert len(warnings) == len(set(warnings))


def test_models_fetch_alone_runs_without_the_guard(netns: None, tmp_path: Path) -> None:
    code = """
from assistant.cli import build_parser
from assistant.config import Config
from assistant.sandbox.guard import guard_state
from assistant.sandbox.policy import apply_network_policy
parser = build_parser()
print(apply_network_policy(parser.parse_args(["models", "fetch"]), Config()).level)
print(guard_state())
print(apply_network_policy(parser.parse_args(["models", "list"]), Config()).level)
print(guard_state())
"""
    done = run_isolated(code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:4] == [
        "none (this command downloads models)", "not installed", "kernel filter", "on"]


def test_doctor_proves_the_policy_refuses_a_connection(netns: None, tmp_path: Path) -> None:
    done = run_cli_isolated("doctor", "--quick", cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr  # 1: some model is not installed here
    assert ("ok    network policy: kernel filter: seccomp (only AF_UNIX and AF_NETLINK "
            "route sockets; no listen, io_uring, ptrace, pidfd_getfd, mount) + ") in done.stdout
    assert ("not dumpable + network namespace with loopback only + Python guard (audit hook)"
            in done.stdout)
    assert ("ok    network policy: a test connection to 192.0.2.1:9 was refused by the kernel "
            "network filter (every way out: assistant doctor --network-probe)") in done.stdout
    assert "warning:" not in done.stderr


def test_guard_off_in_config_warns_at_every_start(netns: None, tmp_path: Path) -> None:
    config = tmp_path / "assistant.toml"
    config.write_text("[privacy]\nnetwork_guard = false\n", encoding="utf-8")
    warning = (f"warning: the network guard is OFF (privacy.network_guard = false in {config}): "
               "nothing stops a library from reaching the internet")
    for argv in (["models", "list"], ["doctor", "--quick"]):
        done = run_cli_isolated("--config", str(config), *argv, cwd=tmp_path)
        assert done.returncode in (0, 1), done.stderr
        assert warning in done.stderr.splitlines(), argv
    assert f"warn  network guard: off (privacy.network_guard = false in {config})" in done.stdout
    assert f"fix: set privacy.network_guard = true in {config}" in done.stdout

"""The kernel network policy: every way out is refused under every guarded command's policy.

A seccomp filter cannot be removed from a process, so nothing here installs it in the
pytest process: each check runs in a child (or a fork of one), and, as in test_guard.py,
inside `unshare -n`, a network namespace with loopback only. There, a broken policy shows
as "refused by the network namespace" (ENETUNREACH) instead of "refused by the kernel
network filter", and the assertions fail without a packet leaving the machine.
"""

from __future__ import annotations

import argparse
import errno
import json
import platform
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import Config
from assistant.errors import AssistantError
from assistant.sandbox.allowance import Endpoint, NetworkAllowance
from assistant.sandbox.guard import GUARD, guard_state, refusal
from assistant.sandbox.kernel import yama_scope
from assistant.sandbox.landlock import abi_version
from assistant.sandbox.policy import apply_network_policy
from assistant.sandbox.probe import classify
from assistant.sandbox.seccomp import Rule, network_rules
from tests.test_guard import (  # noqa: F401 - netns is a fixture
    BLOCKED,
    FakeSocket,
    _every_command_line,
    netns,
    run_cli_isolated,
    run_isolated,
)

KERNEL = "the kernel network filter"
LANDLOCK = "the kernel (Landlock)"
NAMESPACE = "the network namespace"

# -- pure: the allowance, the guard with an allowance, the verdicts ---------------------

def test_allowance_parses_local_endpoints() -> None:
    allow = NetworkAllowance.parse(listen=["0.0.0.0:10700"],
                                   peers=["192.168.1.0/24:10700", "[fe80::1]:10800",
                                          "127.0.0.1:10900"])
    assert allow.listen_ports == (10700,)
    assert allow.peer_ports == (10700, 10800, 10900)
    assert allow.permits_listen("0.0.0.0", 10700)
    assert not allow.permits_listen("0.0.0.0", 10701)
    assert allow.permits_connect("192.168.1.42", 10700)
    assert allow.permits_connect("::ffff:192.168.1.42", 10700)
    assert allow.permits_connect("fe80::1%eth0", 10800)
    assert not allow.permits_connect("192.168.2.42", 10700)
    assert not allow.permits_connect("192.168.1.42", 10800)
    assert not allow.permits_connect("example.com", 10700)  # names would need DNS
    assert allow.permits_peer_address("192.168.1.7")
    assert not allow.permits_peer_address("10.0.0.7")
    assert allow.describe() == ("listen on 0.0.0.0:10700; connect to 192.168.1.0/24:10700, "
                                "[fe80::1]:10800, 127.0.0.1:10900")


@pytest.mark.parametrize(("listen", "peers", "message"), [
    ((), ("8.8.8.8:53",), "peer '8.8.8.8:53' is not on the local network"),
    ((), ("0.0.0.0:10700",), "peer '0.0.0.0:10700' is not on the local network"),
    ((), ("0.0.0.0/0:10700",), "peer '0.0.0.0/0:10700' is not on the local network"),
    (("203.0.113.5:10700",), (), "listen address '203.0.113.5:10700' is not on the local"),
    ((), ("192.168.1.20",), "peer '192.168.1.20' is not ADDRESS:PORT"),
    ((), ("192.168.1.20:0",), "needs a port from 1 to 65535"),
    ((), ("satellite.local:10700",), "peer 'satellite.local:10700' is not ADDRESS:PORT"),
])
def test_allowance_refuses_what_is_not_local(listen: tuple[str, ...], peers: tuple[str, ...],
                                             message: str) -> None:
    with pytest.raises(ValueError) as error:
        NetworkAllowance.parse(listen=listen, peers=peers)
    assert message in str(error.value)


def test_guard_with_an_allowance_allows_exactly_it() -> None:
    allow = NetworkAllowance(listen=(Endpoint.parse("127.0.0.1:10700", role="listen"),),
                             peers=(Endpoint.parse("192.168.1.0/24:10700", role="peer"),))
    inet = FakeSocket(socket.AF_INET)
    assert refusal("socket.bind", (inet, ("127.0.0.1", 10700)), allow) is None
    assert refusal("socket.connect", (inet, ("192.168.1.9", 10700)), allow) is None
    assert refusal("socket.getaddrinfo", ("192.168.1.9", 10700, 0, 0, 0), allow) is None
    assert refusal("socket.bind", (inet, ("", 10700)), allow) == \
        "listening on every interface, port 10700"
    assert refusal("socket.connect", (inet, ("127.0.0.1", 10701)), allow) == \
        "a connection to 127.0.0.1:10701"  # loopback too: exactly what is configured
    assert refusal("socket.connect", (inet, ("192.168.2.9", 10700)), allow) == \
        "a connection to 192.168.2.9:10700"
    assert refusal("socket.sendto", (inet, ("192.168.1.9", 10700)), allow) == \
        "sending to 192.168.1.9:10700"
    assert refusal("socket.getaddrinfo", ("example.com", 80, 0, 0, 0), allow) == \
        "a DNS lookup of 'example.com'"


@pytest.mark.parametrize(("step", "outcome", "isolated", "refused", "by"), [
    ("socket", errno.EACCES, False, True, KERNEL),
    ("socket", errno.EAFNOSUPPORT, False, True, KERNEL),
    ("connect", errno.EACCES, False, True, LANDLOCK),
    ("connect", errno.ENETUNREACH, True, True, NAMESPACE),
    ("connect", errno.ENETUNREACH, False, False, ""),  # merely no route right now
    ("connect", errno.ECONNREFUSED, True, False, ""),  # the far end answered
    ("connect", "timeout", True, False, ""),
    ("connect", "connected", True, False, ""),
])
def test_only_a_policy_counts_as_a_refusal(step: str, outcome: int | str, isolated: bool,
                                           refused: bool, by: str) -> None:
    attempt = classify("way", step, outcome, isolated=isolated)
    assert (attempt.refused, attempt.by) == (refused, by), attempt


def test_filter_rules_allow_only_local_families_offline() -> None:
    def refused_families(rules: tuple[Rule, ...]) -> set[int]:
        """Families refused outright (one EQ comparison on argument 0)."""
        return {rule.compares[0].value for rule in rules
                if rule.syscall == "socket" and len(rule.compares) == 1
                and rule.compares[0].op == 4}

    offline = refused_families(network_rules(allow_tcp=False))
    assert offline == set(range(17)) - {socket.AF_UNIX, socket.AF_NETLINK}
    tcp = refused_families(network_rules(allow_tcp=True))
    assert tcp == offline - {socket.AF_INET, socket.AF_INET6}


# -- every guarded command: three ways out, each refused by the kernel ------------------

EVERY_COMMAND = """
import errno, os, subprocess
from assistant.cli import build_parser
from assistant.config import Config
from assistant.sandbox.policy import apply_network_policy
from assistant.sandbox.probe import escape_attempts

parser = build_parser()
results = {}
victim = subprocess.Popen(["sleep", "600"])  # a process of the same user, outside the policy
for argv in json.loads(sys.argv[1]):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the filter stays in this child, which tries every way out and exits
        os.close(read)
        status = apply_network_policy(parser.parse_args(argv), Config())
        attempts = escape_attempts(isolated=True)
        try:  # what writing code into it takes
            os.close(os.open(f"/proc/{victim.pid}/mem", os.O_RDWR))
            memory = "opened"
        except OSError as error:
            memory = errno.errorcode[error.errno]
        with os.fdopen(write, "w") as out:
            json.dump({"level": status.level, "allowance": status.allow is not None,
                       "memory": memory,
                       "attempts": [[a.way, a.refused, a.by, a.detail] for a in attempts]}, out)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        results[" ".join(argv)] = json.load(answer)
    os.waitpid(pid, 0)
victim.kill()
print(json.dumps(results))
"""


@pytest.mark.usefixtures("netns")
def test_every_guarded_command_refuses_every_way_out(tmp_path: Path) -> None:
    lines = _every_command_line()
    done = run_isolated(EVERY_COMMAND, json.dumps(lines), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert len(results) == len(lines) > 5
    for command, result in results.items():
        ways = {way: (refused, by, detail) for way, refused, by, detail in result["attempts"]}
        assert set(ways) == {"Python socket", "connect() through libc (ctypes)",
                             "child process (python -c)", "child process (bash /dev/tcp)"}
        if command.startswith("models fetch"):
            # No policy: only the test's own namespace stops it.
            assert result["level"] == "none (this command downloads models)"
            assert all(by == NAMESPACE for _, by, _ in ways.values()), (command, ways)
            continue
        assert result["level"] == "kernel filter", command
        if abi_version() >= 1:  # Landlock: no process outside the domain, whatever its uid
            assert result["memory"] == "EACCES", command
        if result["allowance"]:  # a network-facing command: TCP sockets, but not to port 9
            for way, (refused, by, detail) in ways.items():
                layers = {LANDLOCK} | ({GUARD} if way == "Python socket" else set())
                assert refused and by in layers, (command, way, detail)
            continue
        for way, (refused, by, detail) in ways.items():
            assert refused and by == KERNEL, (command, way, detail)
        assert "refused an AF_INET socket" in ways["Python socket"][2]
    assert "models fetch" in results and "doctor" in results


# -- what each layer says, and the filter's corners --------------------------------------

NAMED = """
import asyncio, errno, os, socket, urllib.request
from assistant.config import Config
from assistant.sandbox.policy import apply_network_policy
import argparse, logging
logging.basicConfig()
status = apply_network_policy(argparse.Namespace(command="run"), Config())
results = {"level": status.level}

def attempt(label, action):
    try:
        action()
        results[label] = "ok"
    except Exception as error:
        results[label] = f"{type(error).__name__}: {error}"

attempt("create_connection", lambda: socket.create_connection(("192.0.2.1", 9), timeout=2))
attempt("ipv6", lambda: socket.create_connection(("2001:db8::1", 9), timeout=2))
attempt("dns", lambda: socket.getaddrinfo("example.com", 443))
attempt("urllib", lambda: urllib.request.urlopen("http://192.0.2.1:9/", timeout=2))
async def open_connection():
    await asyncio.open_connection("192.0.2.1", 9)
attempt("asyncio", lambda: asyncio.run(open_connection()))
attempt("raw inet", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))
attempt("udp6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM))
attempt("packet", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW))
attempt("unix", lambda: socket.socket(socket.AF_UNIX).close())
attempt("socketpair", lambda: [s.close() for s in socket.socketpair()])
attempt("netlink", lambda: socket.if_nameindex())
for name, protocol in (("sock_diag", 4), ("audit", 9), ("uevent", 15)):
    attempt(f"netlink {name}", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, protocol))
attempt("listen", lambda: socket.socket(socket.AF_UNIX).listen())
print(json.dumps(results))
"""


@pytest.mark.usefixtures("netns")
def test_refusals_name_what_was_tried(tmp_path: Path) -> None:
    done = run_isolated(NAMED, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results.pop("level") == "kernel filter"
    for label in ("unix", "socketpair", "netlink"):
        assert results.pop(label) == "ok", label
    guard = f"NetworkBlockedError: {BLOCKED}"
    kernel = f"NetworkBlockedError: {KERNEL} refused"
    assert results["create_connection"].startswith(f"{guard} a connection to 192.0.2.1:9 (")
    assert results["ipv6"].startswith(f"{guard} a connection to [2001:db8::1]:9 (")
    assert results["dns"].startswith(f"{guard} a DNS lookup of 'example.com' (")
    assert results["urllib"].startswith(f"URLError: <urlopen error {BLOCKED} a connection to "
                                        "192.0.2.1:9 (")
    # asyncio skips getaddrinfo for an IP literal: the first the guard hears of it is the
    # socket the kernel refused.
    assert results["asyncio"].startswith(f"{kernel} an AF_INET socket (")
    assert results["raw inet"].startswith(f"{kernel} an AF_INET socket (the assistant works "
                                          "offline; only `assistant models fetch`")
    assert results["udp6"].startswith(f"{kernel} an AF_INET6 socket (")
    assert results["packet"].startswith(f"{kernel} an AF_PACKET socket (")
    for name in ("sock_diag", "audit", "uevent"):  # only NETLINK_ROUTE is used
        assert results[f"netlink {name}"].startswith(f"{kernel} an AF_NETLINK socket ("), name
    assert results["listen"] == "PermissionError: [Errno 13] Permission denied"
    warnings = [line for line in done.stderr.splitlines() if line.startswith("WARNING")]
    assert "WARNING:assistant.sandbox.guard:the network guard refused a connection to 192.0.2.1:9" \
        in warnings
    assert len(warnings) == len(set(warnings))


CORNERS = """
import ctypes, errno, mmap, os, platform, subprocess, threading
from assistant.sandbox.policy import install_network_policy
from assistant.sandbox.seccomp import filter_mode
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
results = {}
NR = {"x86_64": dict(socket=41, ptrace=101, process_vm_writev=311, mount=165),
      "aarch64": dict(socket=198, ptrace=117, process_vm_writev=271, mount=40)}[platform.machine()]

def call(label, *args):
    result = libc.syscall(*args)
    results[label] = "ok" if result >= 0 else errno.errorcode[ctypes.get_errno()]

# A thread started before the filter is covered too (libseccomp's TSYNC).
go, done = threading.Event(), threading.Event()
def later():
    go.wait()
    call("thread socket", NR["socket"], 2, 1, 0)
    done.set()
threading.Thread(target=later).start()
sleeper = subprocess.Popen(["sleep", "30"])
status = install_network_policy()
go.set()
done.wait()
results["level"] = status.level
results["seccomp mode"] = filter_mode()
results["no_new_privs"] = open("/proc/self/status").read().split("NoNewPrivs:")[1].split()[0]
results["dumpable"] = libc.prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE
effective = int(open("/proc/self/status").read().split("CapEff:")[1].split()[0], 16)
results["net admin"] = bool(effective & (1 << 12))
call("mount", NR["mount"], None, b"/tmp", b"tmpfs", 0, None)
# The kernel keeps the low 32 bits of the family: 2**32 + AF_INET must not slip through.
call("family with high bits", NR["socket"], ctypes.c_uint64(2**32 + 2), 1, 0)
params = ctypes.create_string_buffer(120)
call("io_uring_setup", 425, 8, params)
call("ptrace attach", NR["ptrace"], 16, sleeper.pid, 0, 0)
call("process_vm_writev", NR["process_vm_writev"], os.getpid(), None, 0, None, 0, 0)
pidfd = os.pidfd_open(os.getpid())
call("pidfd_getfd", 438, pidfd, 0, 0)
sleeper.kill()
if platform.machine() == "x86_64":
    # socket(AF_INET, SOCK_STREAM) through the i386 ABI (int 0x80, call 359), which a 64-bit
    # process can use; without the filter it returns a socket.
    code = bytes.fromhex("53B867010000BB02000000B90100000031D2CD804863C05BC3")
    page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(code)
    function = ctypes.CFUNCTYPE(ctypes.c_long)(ctypes.addressof(ctypes.c_char.from_buffer(page)))
    result = function()
    results["i386 socket"] = "ok" if result >= 0 else errno.errorcode[-result]
print(json.dumps(results))
"""


@pytest.mark.usefixtures("netns")
def test_the_filter_covers_threads_compat_abis_io_uring_and_other_processes(tmp_path: Path) -> None:
    done = run_isolated(CORNERS, cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # refused calls fail; the process lives on
    results = json.loads(done.stdout)
    assert results.pop("level") == "kernel filter"
    assert results.pop("seccomp mode") == 2
    assert results.pop("no_new_privs") == "1"
    assert results.pop("dumpable") == 0  # other processes of the user cannot read its memory
    assert results.pop("net admin") is False  # as root too: netlink can only read
    expected = {"thread socket": "EACCES", "family with high bits": "EACCES",
                "io_uring_setup": "EPERM", "ptrace attach": "EPERM",
                "process_vm_writev": "EPERM", "pidfd_getfd": "EPERM", "mount": "EPERM"}
    if platform.machine() == "x86_64":
        expected["i386 socket"] = "EACCES"
    assert results == expected


# -- without seccomp, and with the guard off --------------------------------------------

FALLBACK = """
import argparse, io
from assistant.doctor import network_checks
from assistant.config import Config
from assistant.sandbox.kernel import KernelSupport
from assistant.sandbox.policy import apply_network_policy
from assistant.sandbox.probe import try_libc_connect, try_python_socket
from assistant.sandbox.seccomp import filter_mode
err = io.StringIO()
no_seccomp = lambda: KernelSupport("seccomp is a Linux feature (this is darwin)", 0, False)
status = apply_network_policy(argparse.Namespace(command="run"), Config(), stderr=err,
                              probe=no_seccomp)
checks = network_checks(Config())
print(json.dumps({"level": status.level, "warning": err.getvalue(),
                  "seccomp mode": filter_mode(),
                  "python": try_python_socket().by,
                  "libc refused": try_libc_connect().refused,
                  "doctor": [[c.status, c.what, c.fix] for c in checks]}))
"""


@pytest.mark.usefixtures("netns")
def test_without_seccomp_the_python_guard_stays_with_a_loud_warning(tmp_path: Path) -> None:
    done = run_isolated(FALLBACK, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["level"] == "Python hook only"
    assert result["warning"] == (
        "warning: no kernel network filter: seccomp is a Linux feature (this is darwin): only "
        "the Python guard refuses connections, and native libraries and child processes pass "
        "by it; install libseccomp2 (Debian/Ubuntu: apt-get install libseccomp2), or run the "
        "assistant in a network namespace (`unshare -n`, systemd PrivateNetwork=yes)\n")
    assert result["seccomp mode"] == 0
    assert result["python"] == "the network guard"
    assert result["libc refused"] is False  # what the kernel layer is for (no route here)
    first, second, *open_ways = result["doctor"]
    # Landlock is missing too (the probe said ABI 0): no process outside is out of reach.
    memory = "network policy: open on this kernel: another process's memory (/proc/<pid>/mem)"
    assert open_ways[0][:2] == ["warn", memory] or yama_scope()
    assert first[0] == "warn" and first[1].startswith(
        "network policy: NOT ENFORCED BY THE KERNEL. Only the Python hook guards this process")
    assert "apt-get install libseccomp2" in first[2]
    assert second[0] == "ok" and "refused by the network guard" in second[1]


GUARD_OFF = """
import argparse, ctypes, io
from assistant.config import Config, PrivacyConfig
from assistant.sandbox.policy import apply_network_policy
from assistant.sandbox.seccomp import filter_mode
err = io.StringIO()
status = apply_network_policy(argparse.Namespace(command="run"),
                              Config(privacy=PrivacyConfig(network_guard=False)), stderr=err)
fd = ctypes.CDLL(None).socket(2, 1, 0)
print(json.dumps({"level": status.level, "seccomp mode": filter_mode(), "inet socket": fd >= 0,
                  "warning": err.getvalue()}))
"""


@pytest.mark.usefixtures("netns")
def test_guard_off_in_config_turns_off_both_layers(tmp_path: Path) -> None:
    done = run_isolated(GUARD_OFF, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["level"], result["seccomp mode"], result["inet socket"]) == ("off", 0, True)
    assert result["warning"].startswith("warning: the network guard is OFF")


# -- the proof a user runs ----------------------------------------------------------------

FAKE_BUS = """
import os, socket, sys
bus = socket.socket(socket.AF_UNIX)
bus.bind(sys.argv[1])
bus.listen()
print("ready", flush=True)
sys.stdin.read()
"""


@pytest.mark.usefixtures("netns")
def test_doctor_network_probe_exits_0_when_every_way_out_is_refused(tmp_path: Path) -> None:
    """Every way out the kernel can refuse is refused, including those through a helper the
    probe starts outside the policy and a session bus (a fake one this test starts)."""
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    bus = subprocess.Popen([sys.executable, "-c", FAKE_BUS, str(runtime / "bus")],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert bus.stdout is not None and bus.stdout.readline() == "ready\n"
        done = run_isolated("from assistant.cli import main\nsys.exit(main(sys.argv[1:]))",
                            "doctor", "--network-probe", cwd=tmp_path,
                            env={"XDG_CONFIG_HOME": str(tmp_path / "config"),
                                 "XDG_RUNTIME_DIR": str(runtime)})
    finally:
        bus.kill()
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("network policy: kernel filter: seccomp (only AF_UNIX and "
                               "AF_NETLINK route sockets; no listen")
    for way in ("Python socket", "connect() through libc (ctypes)",
                "child process (python -c)", "child process (bash /dev/tcp)"):
        assert f"{way}: refused by the kernel network filter" in lines, done.stdout
    verdicts = {line.partition(": ")[0]: line.partition(": ")[2] for line in lines
                if ": refused by" in line or ": possible with" in line}
    abi = abi_version()
    refused = ["local daemons that go online", "listen() without bind()",
               "listen() without bind() under `serve`", "netlink (NETLINK_SOCK_DIAG)"]
    willing = ["sending on a connected TCP socket handed over by a process outside"]
    for way, needed in (("another process's memory", 1),
                        ("connect() on a TCP socket handed over by a process outside", 4),
                        ("an abstract unix socket of a process outside", 6),
                        ("a unix socket file of a process outside (a proxy)", 9)):
        (refused if abi >= needed else willing).append(way)
    for way in refused:
        assert verdicts[way].startswith("refused by"), (way, done.stdout)
    for way in willing:
        assert verdicts[way].startswith("possible with a willing process outside"), way
    daemons = lines[lines.index("local daemons that go online: " + verdicts[
        "local daemons that go online"]) + 1]
    assert daemons.startswith("    none reached: ") and str(runtime / "bus") in daemons
    assert lines[-1] == f"all {4 + len(refused)} ways out were refused"
    assert done.stderr == ""


# A network namespace that is not "loopback only" (a tap device, no route): the namespace
# no longer counts as a policy, and still nothing can leave the machine.
TAP = """
import fcntl, os, struct
_tap = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(_tap, 0x400454CA, struct.pack("16sH", b"probe0", 0x1002))  # TUNSETIFF TAP|NO_PI
from assistant.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.usefixtures("netns")
def test_doctor_network_probe_exits_1_when_a_way_out_is_open(tmp_path: Path) -> None:
    if not Path("/dev/net/tun").exists():
        pytest.skip("no /dev/net/tun to make a namespace that is not loopback-only")
    config = tmp_path / "assistant.toml"
    config.write_text("[privacy]\nnetwork_guard = false\n", encoding="utf-8")
    done = run_isolated(TAP, "--config", str(config), "doctor", "--network-probe", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "connect() through libc (ctypes): NOT REFUSED" in done.stdout
    assert "child process (bash /dev/tcp): NOT REFUSED" in done.stdout
    assert "ENETUNREACH (Network is unreachable), but no policy stopped it" in done.stdout
    assert "listen() without bind(): NOT REFUSED\n    listening on every address" in done.stdout
    if not yama_scope():  # the policy is off: only Yama could stop this
        assert "another process's memory: NOT REFUSED\n" in done.stdout
    assert "4 of 4 attempts were not refused" not in done.stdout  # the local ones count too
    assert re.search(r"\n\d+ of 1[0-9] attempts were not refused: ", done.stdout), done.stdout


# -- where the network is the feature: exactly the allowance ------------------------------

ALLOWANCE = """
import argparse, ctypes, errno
from assistant.config import Config
from assistant.sandbox.allowance import NetworkAllowance
from assistant.sandbox.policy import apply_network_policy
from assistant.sandbox.probe import try_libc_connect, try_python_child, try_python_socket

ALLOWED, REFUSED = 10700, 10701
outside = socket.create_server(("127.0.0.1", REFUSED))  # listening before the policy

def allowance(args, config):  # what a network-facing command declares
    return NetworkAllowance.parse(listen=[f"127.0.0.1:{ALLOWED}"],
                                  peers=[f"127.0.0.1:{ALLOWED}"])

args = argparse.Namespace(command="serve", network_allowance=allowance)
status = apply_network_policy(args, Config())
results = {"level": status.level, "layers": status.layers, "allow": status.allow.describe()}

def attempt(label, action):
    try:
        results[label] = action()
    except Exception as error:
        results[label] = f"{type(error).__name__}: {error}"

server = socket.create_server(("127.0.0.1", ALLOWED))
def echo():
    with socket.create_connection(("127.0.0.1", ALLOWED), timeout=5) as client:
        conn, _ = server.accept()
        with conn:
            client.sendall(b"ping")
            conn.sendall(conn.recv(4).upper())
            return client.recv(4).decode()
attempt("allowed echo", echo)
attempt("allowed libc", lambda: try_libc_connect(("127.0.0.1", ALLOWED)).detail)
attempt("python to other port", lambda: socket.create_connection(("127.0.0.1", REFUSED), 2))
attempt("bind other port", lambda: socket.create_server(("127.0.0.1", REFUSED + 1)))
for label, probe in (("libc", try_libc_connect), ("child", try_python_child)):
    found = probe(("127.0.0.1", REFUSED))
    results[f"{label} to other port"] = [found.refused, found.by, found.detail]
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.socket(2, 1, 0)
port = struct.pack("!H", REFUSED + 1)
address = struct.pack("=H2s4s8x", 2, port, socket.inet_aton("127.0.0.1"))
bound = libc.bind(fd, address, 16) == 0
results["libc bind other port"] = bound or errno.errorcode[ctypes.get_errno()]
attempt("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
attempt("public peer", lambda: socket.create_connection(("192.0.2.1", ALLOWED), 2))
print(json.dumps(results))
"""


@pytest.mark.usefixtures("netns")
def test_an_allowance_opens_exactly_its_ports_and_addresses(tmp_path: Path) -> None:
    done = run_isolated(ALLOWANCE, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results["level"] == "kernel filter"
    assert results["allow"] == "listen on 127.0.0.1:10700; connect to 127.0.0.1:10700"
    assert results["layers"][0].startswith("seccomp (AF_UNIX, AF_NETLINK route and TCP sockets "
                                           "only; no listen once listening")
    assert results["allowed echo"] == "PING"
    assert results["allowed libc"] == "connected"
    guard = f"NetworkBlockedError: {BLOCKED}"
    assert results["python to other port"].startswith(f"{guard} a connection to 127.0.0.1:10701 "
                                                      "(only what this command is configured "
                                                      "for is allowed: listen on 127.0.0.1:10700")
    # (socket.create_server re-raises the error with the address appended)
    assert f"{BLOCKED} listening on 127.0.0.1:10702" in results["bind other port"]
    assert results["udp"].startswith(f"NetworkBlockedError: {KERNEL} refused an AF_INET "
                                     "SOCK_DGRAM socket")
    assert results["public peer"].startswith(f"{guard} a connection to 192.0.2.1:10700")
    if abi_version() < 4:
        pytest.skip("this kernel has no Landlock TCP rules (Linux 6.7+): ports were checked "
                    "by the Python guard only")
    assert any("TCP bind to port 10700 only, connect to port 10700 only" in layer
               for layer in results["layers"])
    for label in ("libc to other port", "child to other port"):
        refused, by, detail = results[label]
        assert refused and by == LANDLOCK, (label, detail)
        assert detail == "connect() failed with EACCES (Permission denied)"
    assert results["libc bind other port"] == "EACCES"


def test_a_bad_allowance_is_one_clear_error_and_installs_nothing() -> None:
    def allowance(args: argparse.Namespace, config: Config) -> NetworkAllowance:
        return NetworkAllowance.parse(peers=["8.8.8.8:10700"])

    args = argparse.Namespace(command="serve", network_allowance=allowance)
    with pytest.raises(AssistantError, match="peer '8.8.8.8:10700' is not on the local network"):
        apply_network_policy(args, Config())
    assert guard_state() == "not installed"  # raised before anything was installed

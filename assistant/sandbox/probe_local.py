"""Local ways out, tried under the policy in force: the second half of `doctor --network-probe`.

A process that may not open a network socket can still try to make another process do it.
These attempts need a counterpart outside the policy, so `start_helper` starts one before
the policy is installed (`assistant.cli.main` runs a command's `before_policy`): a small
Python process that listens on a unix socket file and on an abstract unix socket, forwards
what it is sent to a TCP "sink" of its own on loopback, and hands over TCP sockets on
request. Nothing leaves the machine: the sink is on 127.0.0.1, and so is every socket the
helper hands over. Then, under the policy:

1. another process's memory: `/proc/<helper>/mem` opened for writing;
2. the local daemons that go online, as found and hidden by the policy;
3. the helper's abstract socket, and its socket file (a proxy);
4. TCP sockets handed over through either: connecting an unconnected one, sending on a
   connected one;
5. `listen()` without `bind()`, offline and under the server's policy (tried in a child
   that installs it before the doctor's own policy, and seals it once listening);
6. a netlink socket of a protocol the assistant does not use (NETLINK_SOCK_DIAG).

A way that needs a willing process outside (3's socket file, 4's connected socket) is not
a way out by itself: it is reported, and fails the probe only where the kernel could have
refused it.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import select
import socket
import stat
import subprocess
import sys
from dataclasses import dataclass, field

from assistant.config import Config
from assistant.sandbox.allowance import NetworkAllowance
from assistant.sandbox.daemons import daemon_sockets
from assistant.sandbox.guard import NetworkBlockedError, quiet_refusals
from assistant.sandbox.probe import Attempt
from assistant.sandbox.ways import Way

NETLINK_SOCK_DIAG = 4
_REFUSALS = {errno.EACCES, errno.EPERM, errno.ECONNREFUSED, errno.ENOENT}

_HELPER = r"""
import array, json, os, shutil, socket, sys, tempfile, threading
sink = socket.create_server(("127.0.0.1", 0))
directory = tempfile.mkdtemp(prefix="assistant-probe-")
path = os.path.join(directory, "probe.sock")
named = socket.socket(socket.AF_UNIX)
named.bind(path)
named.listen()
abstract_name = "\0assistant-probe-%d" % os.getpid()
abstract = socket.socket(socket.AF_UNIX)
abstract.bind(abstract_name)
abstract.listen()
lock = threading.Lock()
def report(**event):
    with lock:
        print(json.dumps(event), flush=True)
def sink_loop():
    while True:
        conn, _ = sink.accept()
        with conn:
            report(sink=conn.recv(256).decode(errors="replace"))
def unix_loop(server, kind):
    while True:
        conn, _ = server.accept()
        with conn:
            request = conn.recv(256).decode(errors="replace")
            report(unix=kind, request=request)
            if request == "sockets":
                connected = socket.create_connection(("127.0.0.1", sink.getsockname()[1]))
                loose = socket.socket()
                fds = array.array("i", [connected.fileno(), loose.fileno()])
                conn.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
                connected.close()
                loose.close()
            elif request.startswith("forward "):
                with socket.create_connection(("127.0.0.1", sink.getsockname()[1])) as out:
                    out.sendall(request[8:].encode())
threading.Thread(target=sink_loop, daemon=True).start()
for server, kind in ((named, "file"), (abstract, "abstract")):
    threading.Thread(target=unix_loop, args=(server, kind), daemon=True).start()
print(json.dumps({"pid": os.getpid(), "path": path, "abstract": abstract_name[1:],
                  "sink": sink.getsockname()[1]}), flush=True)
try:
    sys.stdin.read()
finally:
    shutil.rmtree(directory, ignore_errors=True)
    os._exit(0)  # now, with its threads: no interpreter shutdown racing them for stdout
"""


@dataclass
class Helper:
    """The process outside the policy; `serve_listen` is the server-policy attempt."""

    process: subprocess.Popen[bytes]
    pid: int
    path: str
    abstract: str
    sink_port: int
    serve_listen: Attempt | None = None
    _events: list[dict[str, str]] = field(default_factory=list)
    _partial: bytes = b""

    def wait_for(self, key: str, value: str, *, timeout_s: float = 5.0) -> bool:
        """True once the helper reports `key` = `value` (what reached it); False when it
        has said nothing more for `timeout_s`."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while not any(event.get(key) == value for event in self._events):
            ready, _, _ = select.select([fd], [], [], timeout_s)
            chunk = os.read(fd, 4096) if ready else b""
            if not chunk:
                return False
            *lines, self._partial = (self._partial + chunk).split(b"\n")
            self._events += [json.loads(line) for line in lines if line.strip()]
        self._events = [event for event in self._events if event.get(key) != value]
        return True

    def seen(self, key: str) -> list[str]:
        """Every `key` the helper has reported and no `wait_for` has taken, in order."""
        return [event[key] for event in self._events if key in event]

    def close(self) -> None:
        """End the helper: it leaves when its stdin closes (a signal from inside the policy
        could not reach it where Landlock scopes signals)."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            try:
                self.process.kill()
            except OSError:  # outside this process's Landlock domain
                return
            self.process.wait()


def before_policy(args: argparse.Namespace, config: Config) -> int:
    """`doctor`'s step before the policy (see `assistant.cli.main`): with --network-probe,
    start the helper outside it, as `args.probe_helper`."""
    if getattr(args, "network_probe", False):
        args.probe_helper = start_helper()
    return 0


def start_helper(*, serve_probe: bool = True) -> Helper:
    """Start the helper (before the policy!) and, with `serve_probe`, try listen() without
    bind() under the server's policy in a child."""
    process = subprocess.Popen([sys.executable, "-I", "-c", _HELPER], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, bufsize=0)
    assert process.stdout is not None
    hello = json.loads(process.stdout.readline())  # nothing else is sent before it
    helper = Helper(process, int(hello["pid"]), hello["path"], "\0" + hello["abstract"],
                    int(hello["sink"]))
    if serve_probe:
        helper.serve_listen = _in_child(_serve_listen)
    return helper


def _in_child(attempt: object) -> Attempt:
    """Run `attempt()` in a forked child (its policy stays there); its Attempt comes back."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - reports through the pipe
        os.close(read)
        try:
            result = attempt()  # type: ignore[operator]
            text = json.dumps([result.way, result.refused, result.by, result.detail])
        except BaseException as error:  # noqa: BLE001 - any failure is the answer
            text = json.dumps(["listen() without bind() under `serve`", False, "",
                               f"the probe failed: {error}"])
        os.write(write, text.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        way, refused, by, detail = json.load(answer)
    os.waitpid(pid, 0)
    return Attempt(way, refused, by, detail)


def _serve_listen() -> Attempt:
    from assistant.sandbox.policy import install_network_policy, seal_listeners

    way = "listen() without bind() under `serve`"
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    allow = NetworkAllowance.parse(listen=[f"127.0.0.1:{port}"])
    status = install_network_policy(allow=allow)
    server = socket.create_server(("127.0.0.1", port))
    if not seal_listeners():
        return Attempt(way, False, "", f"no kernel filter ({status.warning})")
    with server, socket.socket() as sock:
        try:
            sock.listen()
        except OSError as error:
            return _refused(way, error, "the kernel network filter (sealed once listening)")
        return Attempt(way, False, "", f"listening on every address, port "
                       f"{sock.getsockname()[1]}")


def _refused(way: str, error: OSError, by: str) -> Attempt:
    code = error.errno or errno.EIO
    return Attempt(way, True, by, f"failed with {errno.errorcode.get(code, code)} "
                   f"({os.strerror(code)})")


def _closer(ways: tuple[Way, ...], prefix: str) -> Way:
    return next((w for w in ways if w.way.startswith(prefix)),
                Way(prefix, "", "no policy installed"))


def _verdict(way: str, error: OSError | None, state: Way, detail: str) -> Attempt:
    """Refused when the call failed with a refusal; else open, naming the fix."""
    if error is not None and error.errno in _REFUSALS:
        return _refused(way, error, state.closed_by or "the kernel")
    if error is not None:
        detail = f"failed with {error}, but no policy stopped it"
    return Attempt(way, False, "", f"{detail}; {state.fix}" if state.fix else detail)


def try_memory(helper: Helper, ways: tuple[Way, ...]) -> Attempt:
    """Open the helper's memory for writing, as code injection would."""
    way, path = "another process's memory", f"/proc/{helper.pid}/mem"
    try:
        os.close(os.open(path, os.O_RDWR))
    except OSError as error:
        return _verdict(way, error, _closer(ways, "another process's memory"), "")
    return _verdict(way, None, _closer(ways, "another process's memory"),
                    f"{path} opened for writing: code could be written into it")


def try_daemons(hidden: tuple[str, ...], ways: tuple[Way, ...]) -> Attempt:
    """Connect to every socket of the known daemons that can be seen from here (those the
    policy hid show as /dev/null or an empty directory): each must be refused."""
    way = "local daemons that go online"
    state = _closer(ways, "a local daemon")
    targets: list[str] = []
    for _, path in daemon_sockets():
        targets += ([os.path.join(path, name) for name in os.listdir(path)]
                    if os.path.isdir(path) else [path])
    sockets = [target for target in targets if _is_socket(target)]
    reached = []
    for target in sockets:
        sock, _ = _connect_unix(target)
        if sock is not None:
            sock.close()
            reached.append(target)
    if reached:
        return _verdict(way, None, state, f"reached {', '.join(reached)}")
    if hidden:
        return Attempt(way, True, state.closed_by, f"none reached: {', '.join(hidden)}")
    if sockets:
        return Attempt(way, True, state.closed_by or "the kernel",
                       f"none reached: {', '.join(sockets)}")
    return Attempt(way, True, "", "none of the known daemons runs here")


def _is_socket(path: str) -> bool:
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


def _connect_unix(address: str) -> tuple[socket.socket | None, OSError | None]:
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.connect(address)
    except OSError as error:
        sock.close()
        return None, error
    return sock, None


def try_unix(helper: Helper, ways: tuple[Way, ...], *, abstract: bool) -> Attempt:
    """Ask the helper, through its abstract socket or its socket file, to forward a word
    to its sink (what a proxy daemon would do)."""
    kind = "abstract" if abstract else "file"
    way = ("an abstract unix socket of a process outside" if abstract else
           "a unix socket file of a process outside (a proxy)")
    state = _closer(ways, "an abstract unix socket" if abstract else "a unix socket file")
    sock, error = _connect_unix(helper.abstract if abstract else helper.path)
    if sock is None:
        return _verdict(way, error, state, "")
    with sock:
        sock.sendall(f"forward via-{kind}".encode())
    arrived = helper.wait_for("sink", f"via-{kind}")
    detail = "what it was sent reached its TCP sink" if arrived else "connected"
    attempt = _verdict(way, None, state, detail)
    return _cooperative(attempt) if state.open and not abstract else attempt


def _cooperative(attempt: Attempt) -> Attempt:
    """An attempt that needs a willing process outside, on a kernel that cannot refuse it:
    reported, but no way out by itself."""
    return Attempt(attempt.way, attempt.refused, attempt.by,
                   attempt.detail + " (it takes a willing process outside)", cooperative=True)


def try_passed_sockets(helper: Helper, ways: tuple[Way, ...]) -> list[Attempt]:
    """Receive two TCP sockets from the helper (through whichever of its sockets can be
    reached): connect the unconnected one, send on the connected one."""
    connect_way = "connect() on a TCP socket handed over by a process outside"
    send_way = "sending on a connected TCP socket handed over by a process outside"
    tcp = _closer(ways, "connect() or bind() on a TCP socket")
    channel = None
    for address in (helper.abstract, helper.path):
        channel, _ = _connect_unix(address)
        if channel is not None:
            break
    if channel is None:
        by = "the kernel: no unix socket of the helper could be reached to receive them"
        return [Attempt(connect_way, True, by, "nothing was handed over"),
                Attempt(send_way, True, by, "nothing was handed over")]
    with channel:
        channel.sendall(b"sockets")
        _, fds, _, _ = socket.recv_fds(channel, 16, 2)
    connected, loose = (socket.socket(fileno=fd) for fd in fds)
    sink_port = connected.getpeername()[1]
    with loose:
        try:
            loose.connect(("127.0.0.1", sink_port))
            first = _verdict(connect_way, None, tcp, f"connected to 127.0.0.1:{sink_port}")
        except OSError as error:
            first = _verdict(connect_way, error, tcp, "")
    with connected:
        connected.sendall(b"handed-over")
    arrived = helper.wait_for("sink", "handed-over")
    second = Attempt(send_way, False, "", ("what it sent reached the helper's sink" if arrived
                     else "sent") + "; no kernel refuses the use of a connected socket, only "
                     "the ways it could come in (the unix sockets above)", cooperative=True)
    return [first, second]


def try_listen(ways: tuple[Way, ...]) -> Attempt:
    """listen() on a TCP socket that was never bound: the kernel would pick a port on every
    address (offline, the socket itself is refused first)."""
    way = "listen() without bind()"
    state = _closer(ways, "listen()")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.listen()
            port = sock.getsockname()[1]
    except OSError as error:
        return _verdict(way, error, state, "")
    return _verdict(way, None, state, f"listening on every address, port {port}")


def try_netlink(ways: tuple[Way, ...]) -> Attempt:
    """A NETLINK_SOCK_DIAG socket (it lists every process's sockets)."""
    way = "netlink (NETLINK_SOCK_DIAG)"
    state = _closer(ways, "netlink")
    try:
        socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG).close()
    except NetworkBlockedError as error:  # the guard's name for the kernel's EACCES
        return Attempt(way, True, state.closed_by or error.by, f'NetworkBlockedError: "{error}"')
    except OSError as error:
        return _verdict(way, error, state, "")
    return _verdict(way, None, state, "the socket was created")


def local_attempts(helper: Helper, *, ways: tuple[Way, ...],
                   hidden: tuple[str, ...]) -> list[Attempt]:
    """Every local way out, in order (see the module doc)."""
    with quiet_refusals():
        attempts = [try_memory(helper, ways), try_daemons(hidden, ways),
                    try_unix(helper, ways, abstract=True),
                    try_unix(helper, ways, abstract=False),
                    *try_passed_sockets(helper, ways), try_listen(ways)]
        if helper.serve_listen is not None:
            attempts.append(helper.serve_listen)
        return [*attempts, try_netlink(ways)]

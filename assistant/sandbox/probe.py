"""Three ways straight out, tried under the policy in force: the first half of `assistant
doctor --network-probe` (the ways around the filter are in `assistant.sandbox.probe_local`).

Each attempt aims at 192.0.2.1 port 9 (TEST-NET-1, RFC 5737: reserved for documentation,
routed nowhere), so nothing real is contacted even where the policy fails:

1. a Python socket (what the Python guard sees);
2. `socket()` and `connect()` through libc with ctypes (what a native library does: the
   Python guard cannot see it);
3. child processes: `python -c` opening a TCP socket, and bash's `/dev/tcp` (a program that is
   not Python at all).

An attempt counts as refused only when a policy refused it: the kernel (seccomp, Landlock,
or a network namespace without any interface but loopback) or the Python guard. A
connection, a timeout, "Connection refused" from the far end or "Network is unreachable" on
a machine that merely has no route right now all mean the attempt left the process.
"""

from __future__ import annotations

import ctypes
import errno
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
from dataclasses import dataclass

from assistant.sandbox.guard import NetworkBlockedError, quiet_refusals

PROBE_ADDRESS = ("192.0.2.1", 9)
"""TEST-NET-1 (RFC 5737), port 9 (discard): reserved for documentation, routed nowhere."""

_KERNEL_ERRORS = {errno.EACCES, errno.EPERM, errno.EAFNOSUPPORT}
_STRERROR = {os.strerror(code): code for code in errno.errorcode}


@dataclass(frozen=True)
class Attempt:
    """One way out and what stopped it: `by` is the layer that refused ("" = none did).
    `cooperative`: it needs a willing process outside, so it is no way out by itself."""

    way: str
    refused: bool
    by: str
    detail: str
    cooperative: bool = False


def classify(way: str, step: str, outcome: int | str, *, isolated: bool) -> Attempt:
    """Judge one attempt: `step` is "socket" or "connect"; `outcome` an errno, or
    "connected" / "timeout". `isolated`: this network namespace has loopback only."""
    if isinstance(outcome, str):
        what = ("connected" if outcome == "connected" else
                "still connecting when given up: the attempt left this process")
        return Attempt(way, False, "", what)
    name = f"{errno.errorcode.get(outcome, outcome)} ({os.strerror(outcome)})"
    if outcome in _KERNEL_ERRORS:
        layer = "the kernel network filter" if step == "socket" else "the kernel (Landlock)"
        return Attempt(way, True, layer, f"{step}() failed with {name}")
    if outcome == errno.ENETUNREACH and isolated:
        return Attempt(way, True, "the network namespace",
                       f"{step}() failed with {name}: no interface but loopback")
    return Attempt(way, False, "", f"{step}() failed with {name}, but no policy stopped it: "
                   "the attempt reached the network stack")


def try_python_socket(address: tuple[str, int] = PROBE_ADDRESS, *, timeout_s: float = 1.0,
                      isolated: bool = False) -> Attempt:
    """A TCP connection through Python's `socket` module (the guard names what it refused)."""
    way, step = "Python socket", "socket"
    try:
        with quiet_refusals(), socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            step = "connect"
            sock.settimeout(timeout_s)
            sock.connect(address)
    except NetworkBlockedError as error:
        return Attempt(way, True, error.by, f'NetworkBlockedError: "{error}"')
    except TimeoutError:
        return classify(way, step, "timeout", isolated=isolated)
    except OSError as error:
        return classify(way, step, error.errno or errno.EIO, isolated=isolated)
    return classify(way, step, "connected", isolated=isolated)


def try_libc_connect(address: tuple[str, int] = PROBE_ADDRESS, *, timeout_s: float = 1.0,
                     isolated: bool = False) -> Attempt:
    """`socket()` + non-blocking `connect()` called in libc, as native code would."""
    way = "connect() through libc (ctypes)"
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
    if fd < 0:
        return classify(way, "socket", ctypes.get_errno(), isolated=isolated)
    try:
        os.set_blocking(fd, False)
        buffer = ctypes.create_string_buffer(_sockaddr_in(address), 16)
        if libc.connect(fd, buffer, 16) == 0:
            return classify(way, "connect", "connected", isolated=isolated)
        code = ctypes.get_errno()
        if code != errno.EINPROGRESS:
            return classify(way, "connect", code, isolated=isolated)
        _, writable, _ = select.select([], [fd], [], timeout_s)
        if not writable:
            return classify(way, "connect", "timeout", isolated=isolated)
        result = ctypes.c_int(0)
        size = ctypes.c_uint32(ctypes.sizeof(result))
        libc.getsockopt(fd, socket.SOL_SOCKET, socket.SO_ERROR, ctypes.byref(result),
                        ctypes.byref(size))
        return classify(way, "connect", result.value or "connected", isolated=isolated)
    finally:
        os.close(fd)


def _sockaddr_in(address: tuple[str, int]) -> bytes:
    """struct sockaddr_in (16 bytes); the BSDs and macOS start it with a length byte."""
    port, host = struct.pack("!H", address[1]), socket.inet_aton(address[0])
    if sys.platform.startswith("linux"):
        return struct.pack("=H2s4s8x", socket.AF_INET, port, host)
    return struct.pack("=BB2s4s8x", 16, socket.AF_INET, port, host)


_CHILD = """
import socket, sys
step = "socket"
try:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    step = "connect"
    sock.settimeout(float(sys.argv[3]))
    sock.connect((sys.argv[1], int(sys.argv[2])))
    print("connected")
except TimeoutError:
    print("timeout")
except OSError as error:
    print(step, error.errno)
"""


def try_python_child(address: tuple[str, int] = PROBE_ADDRESS, *, timeout_s: float = 1.0,
                     isolated: bool = False) -> Attempt:
    """A new Python interpreter: it inherits the kernel policy, not the Python guard."""
    way = "child process (python -c)"
    done = subprocess.run([sys.executable, "-I", "-c", _CHILD, address[0], str(address[1]),
                           str(timeout_s)], capture_output=True, text=True,
                          timeout=timeout_s + 30)
    words = done.stdout.split()
    if len(words) == 2 and words[1].isdigit():
        return classify(way, words[0], int(words[1]), isolated=isolated)
    if words in (["connected"], ["timeout"]):
        return classify(way, "connect", words[0], isolated=isolated)
    return Attempt(way, False, "", f"the child failed: {done.stderr.strip()[-200:]}")


def try_shell_child(address: tuple[str, int] = PROBE_ADDRESS, *, timeout_s: float = 1.0,
                    isolated: bool = False) -> Attempt | None:
    """bash's /dev/tcp: a child that is not Python. None when bash is not installed."""
    way = "child process (bash /dev/tcp)"
    bash = shutil.which("bash")
    if bash is None:
        return None
    script = f"exec 3<>/dev/tcp/{address[0]}/{address[1]} && echo connected"
    try:
        done = subprocess.run([bash, "-c", script], capture_output=True, text=True,
                              timeout=timeout_s + 1, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return classify(way, "connect", "timeout", isolated=isolated)
    if done.returncode == 0 and "connected" in done.stdout:
        return classify(way, "connect", "connected", isolated=isolated)
    for line in done.stderr.splitlines():  # "bash: socket: Permission denied"
        parts = [part.strip() for part in line.split(":")]
        if len(parts) == 3 and parts[1] in ("socket", "connect") and parts[2] in _STRERROR:
            return classify(way, parts[1], _STRERROR[parts[2]], isolated=isolated)
    return Attempt(way, False, "", f"bash failed in an unexpected way: {done.stderr.strip()}")


def escape_attempts(address: tuple[str, int] = PROBE_ADDRESS, *, timeout_s: float = 1.0,
                    isolated: bool = False) -> list[Attempt]:
    """Every way out, in order; the bash child is left out where there is no bash."""
    attempts = [try_python_socket(address, timeout_s=timeout_s, isolated=isolated),
                try_libc_connect(address, timeout_s=timeout_s, isolated=isolated),
                try_python_child(address, timeout_s=timeout_s, isolated=isolated)]
    shell = try_shell_child(address, timeout_s=timeout_s, isolated=isolated)
    return attempts + ([shell] if shell is not None else [])

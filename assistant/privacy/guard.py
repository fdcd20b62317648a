"""The network guard: the user's voice never leaves the device, and that is checkable.

Every command except `assistant models fetch` installs, at start-up, a process-wide
audit hook (`sys.addaudithook`) on CPython's socket events. It refuses, by raising
`NetworkBlockedError` (an `OSError`, so libraries fail the way they do when a server is
down), every connection, datagram, listening socket and DNS lookup that is not local:

- allowed: loopback (127.0.0.0/8, ::1, ::ffff:127.x, the name "localhost"), AF_UNIX sockets
  (PulseAudio and PipeWire talk over one) and AF_NETLINK (the kernel);
- refused: any other address, name lookups of other names (so there is no DNS leak),
  reverse lookups of other addresses, listening on a non-loopback address, and socket
  families that can reach the network by other means (AF_PACKET, Bluetooth, CAN ...).

CPython resolves a host *name* passed straight to `connect`, `connect_ex`, `sendto`,
`sendmsg` or `bind` before it raises the audit event, so the guard also wraps those five
methods of `socket.socket` to refuse such names before they are resolved.

Audit hooks cannot be removed, so `install_guard()` is idempotent and the guard stays on
for the life of the process. Its limits: it guards this Python process only (not child
processes) and only sockets made through Python's `socket` module, not C libraries that
open their own.
"""

from __future__ import annotations

import _socket
import argparse
import errno
import functools
import ipaddress
import logging
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from assistant.config import Config
from assistant.errors import AssistantError

log = logging.getLogger(__name__)

GUARD_ON = "on"
GUARD_OFF = "off (disabled in config)"
GUARD_NOT_INSTALLED = "not installed"

#: Set when the guard is installed (faster-whisper's hub client, which we never call).
OFFLINE_ENVIRONMENT = {"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}

#: The only command that may use the network: (args.command, args.models_action).
UNGUARDED_COMMANDS = frozenset({("models", "fetch")})

#: An address reserved for documentation (TEST-NET-1, RFC 5737): `probe_guard` aims here.
PROBE_ADDRESS = ("192.0.2.1", 9)

_LOCAL_FAMILIES = frozenset(
    getattr(socket, name) for name in ("AF_UNIX", "AF_NETLINK") if hasattr(socket, name))
_IP_FAMILIES = frozenset({socket.AF_INET, socket.AF_INET6})


class NetworkBlockedError(AssistantError, ConnectionRefusedError):
    """The network guard refused a non-local connection or lookup (errno ECONNREFUSED)."""

    def __init__(self, what: str) -> None:
        super().__init__(errno.ECONNREFUSED,
                         f"the network guard refused {what} (the assistant works offline; "
                         "only `assistant models fetch` uses the network)")
        self.what = what

    def __str__(self) -> str:
        return str(self.strerror)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.what,))


# -- the policy: pure functions of an audit event ---------------------------------------

def is_loopback_host(host: object) -> bool:
    """True for a loopback IP literal or the name "localhost" (no other name is trusted:
    the resolver may send anything else to a DNS server)."""
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip().lower()
    if name in ("localhost", "localhost."):
        return True
    ip = _ip_literal(name)
    if ip is None:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return None


def _needs_lookup(host: object) -> bool:
    """True when resolving `host` may ask a DNS server (a name other than "localhost")."""
    if host is None or host == "" or host == b"":
        return False
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    return not is_loopback_host(host) and _ip_literal(host.strip()) is None


def _describe(address: object) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        host = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)
        if not host:
            return f"every interface, port {port}"
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return repr(address)


def _family_name(family: int) -> str:
    try:
        return socket.AddressFamily(family).name
    except ValueError:
        return f"address family {family}"


def _address_refusal(family: int, address: object, action: str) -> str | None:
    if family in _LOCAL_FAMILIES or address is None:
        return None
    if family not in _IP_FAMILIES:
        return f"{action} {_describe(address)} over {_family_name(family)}"
    host = address[0] if isinstance(address, tuple) and address else address
    if is_loopback_host(host):
        return None
    return f"{action} {_describe(address)}"


def refusal(event: str, args: tuple[Any, ...]) -> str | None:
    """What the guard refuses for this audit event, e.g. "a connection to 192.0.2.1:9";
    None when it is allowed. Pure: the hook raises, this only decides."""
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg", "socket.bind"):
        sock, address = args[0], args[1]
        family = getattr(sock, "family", socket.AF_INET)
        action = {"socket.connect": "a connection to", "socket.bind": "listening on"}.get(
            event, "sending to")
        return _address_refusal(family, address, action)
    if event in ("socket.getaddrinfo", "socket.gethostbyname"):
        return f"a DNS lookup of {args[0]!r}" if _needs_lookup(args[0]) else None
    if event == "socket.gethostbyaddr":
        return None if is_loopback_host(args[0]) else f"a reverse DNS lookup of {args[0]!r}"
    if event == "socket.getnameinfo":
        sockaddr = args[0]
        host = sockaddr[0] if isinstance(sockaddr, tuple) and sockaddr else sockaddr
        return None if is_loopback_host(host) else f"a name lookup of {_describe(sockaddr)}"
    return None


# -- the installed guard ----------------------------------------------------------------

@dataclass
class _GuardState:
    installed: bool = False
    disabled_by_config: bool = False


_state = _GuardState()
_lock = threading.RLock()
_local = threading.local()
_warned: set[str] = set()


def guard_state() -> str:
    """GUARD_ON, GUARD_OFF ("off (disabled in config)") or GUARD_NOT_INSTALLED."""
    if _state.installed:
        return GUARD_ON
    return GUARD_OFF if _state.disabled_by_config else GUARD_NOT_INSTALLED


def install_guard() -> None:
    """Refuse non-local network access in this process from now on (idempotent: the
    audit hook cannot be removed, and installing twice adds nothing)."""
    with _lock:
        os.environ.update(OFFLINE_ENVIRONMENT)
        if _state.installed:
            return
        _wrap_socket_methods()
        sys.addaudithook(_audit_hook)
        _state.installed = True
    log.debug("network guard installed")


def _audit_hook(event: str, args: tuple[Any, ...]) -> None:
    if not event.startswith("socket."):
        return
    what = refusal(event, args)
    if what is not None:
        _refuse(what)


def _refuse(what: str) -> None:
    """Raise NetworkBlockedError; log a warning the first time `what` is refused. Socket
    events raised while logging (a syslog handler, say) are still refused, silently."""
    if not getattr(_local, "quiet", False) and not getattr(_local, "logging", False):
        with _lock:
            first = what not in _warned
            _warned.add(what)
        if first:
            _local.logging = True
            try:
                log.warning("network guard: refused %s", what)
            finally:
                _local.logging = False
    raise NetworkBlockedError(what)


def _wrap_socket_methods() -> None:
    """Refuse host names given straight to socket methods, before CPython resolves them
    (it raises the audit event only after the lookup)."""

    def check(sock: socket.socket, address: object, action: str) -> None:
        if (sock.family in _IP_FAMILIES and isinstance(address, tuple) and address
                and _needs_lookup(address[0])):
            _refuse(f"{action} {_describe(address)} (a DNS lookup of {address[0]!r})")

    def address_last(method: Any, action: str) -> Callable[..., Any]:
        @functools.wraps(method)
        def guarded(self: socket.socket, *args: Any) -> Any:
            check(self, args[-1] if args else None, action)
            return method(self, *args)
        return guarded

    @functools.wraps(_socket.socket.sendmsg)
    def sendmsg(self: socket.socket, *args: Any) -> Any:
        check(self, args[3] if len(args) > 3 else None, "sending to")
        return _socket.socket.sendmsg(self, *args)

    cls: Any = socket.socket
    cls.connect = address_last(_socket.socket.connect, "a connection to")
    cls.connect_ex = address_last(_socket.socket.connect_ex, "a connection to")
    cls.bind = address_last(_socket.socket.bind, "listening on")
    cls.sendto = address_last(_socket.socket.sendto, "sending to")
    cls.sendmsg = sendmsg


@contextmanager
def _quiet() -> Iterator[None]:
    _local.quiet = True
    try:
        yield
    finally:
        _local.quiet = False


def probe_guard(address: tuple[str, int] = PROBE_ADDRESS, *,
                timeout_s: float = 1.0) -> tuple[bool, str]:
    """Try a TCP connection to a reserved non-loopback address. Returns (refused by the
    guard, what happened). With the guard on, nothing is sent: the guard refuses before
    the kernel sees the connection."""
    with _quiet(), socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_s)
        try:
            sock.connect(address)
        except NetworkBlockedError as error:
            return True, str(error)
        except OSError as error:
            return False, f"stopped by the system, not the guard: {error}"
    return False, "the connection succeeded"


# -- the command-line policy ------------------------------------------------------------

def guarded(args: argparse.Namespace) -> bool:
    """False only for the commands allowed to use the network (`models fetch`)."""
    command = (getattr(args, "command", None), getattr(args, "models_action", None))
    return command not in UNGUARDED_COMMANDS


def apply_network_policy(args: argparse.Namespace, config: Config, *,
                         stderr: IO[str] | None = None) -> str:
    """Install the guard for this command unless it is `models fetch` or the config turns
    it off (then warn on stderr, at every start). Returns the guard state."""
    if not guarded(args):
        log.debug("network guard not installed: this command downloads models")
        return guard_state()
    if not config.privacy.network_guard:
        _state.disabled_by_config = True
        where = config.source or "the configuration"
        print(f"warning: the network guard is OFF (privacy.network_guard = false in {where}): "
              "nothing stops a library from reaching the internet",
              file=stderr if stderr is not None else sys.stderr)
        return guard_state()
    install_guard()
    return guard_state()

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
for the life of the process. Its limits (PEP 578: audit hooks are not a sandbox): it sees
this Python process only, not child processes, and only sockets made through Python's
`socket` module, not C libraries that open their own. The kernel layer
(`assistant.sandbox.policy`) closes those; this guard is what turns a refusal into one clear
line naming what was tried: a Python connection is refused here, naming its destination
(also when it is an IP literal handed to `getaddrinfo`, as `socket.create_connection`
does), and a socket the kernel filter refused becomes "the kernel network filter refused
an AF_INET socket".

With a `NetworkAllowance` (the Wyoming server), the guard allows exactly its listen
addresses and peers, and nothing else, loopback included.
"""

from __future__ import annotations

import _socket
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
from typing import Any

from assistant import NO_TELEMETRY
from assistant.errors import AssistantError
from assistant.sandbox.allowance import NetworkAllowance

log = logging.getLogger(__name__)

GUARD_ON = "on"
GUARD_OFF = "off (disabled in config)"
GUARD_NOT_INSTALLED = "not installed"

#: Set when the guard is installed (faster-whisper's hub client, which we never call), with
#: the telemetry opt-outs the package sets at import (`assistant.NO_TELEMETRY`) again.
OFFLINE_ENVIRONMENT = {"HF_HUB_OFFLINE": "1", **NO_TELEMETRY}

GUARD = "the network guard"
KERNEL_FILTER = "the kernel network filter"
OFFLINE_HINT = "the assistant works offline; only `assistant models fetch` uses the network"

_LOCAL_FAMILIES = frozenset(
    getattr(socket, name) for name in ("AF_UNIX", "AF_NETLINK") if hasattr(socket, name))
_IP_FAMILIES = frozenset({socket.AF_INET, socket.AF_INET6})


class NetworkBlockedError(AssistantError, ConnectionRefusedError):
    """The network guard refused a non-local connection or lookup, or turned the kernel
    filter's refusal into this one line (errno ECONNREFUSED either way)."""

    def __init__(self, what: str, by: str = GUARD, hint: str = OFFLINE_HINT) -> None:
        super().__init__(errno.ECONNREFUSED, f"{by} refused {what} ({hint})")
        self.what, self.by, self.hint = what, by, hint

    def __str__(self) -> str:
        return str(self.strerror)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.what, self.by, self.hint))


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


def _address_refusal(event: str, family: int, address: object,
                     allow: NetworkAllowance | None) -> str | None:
    action = {"socket.connect": "a connection to", "socket.bind": "listening on"}.get(
        event, "sending to")
    if family in _LOCAL_FAMILIES or address is None:
        return None
    if family not in _IP_FAMILIES:
        return f"{action} {_describe(address)} over {_family_name(family)}"
    host = address[0] if isinstance(address, tuple) and address else address
    if allow is None:
        return None if is_loopback_host(host) else f"{action} {_describe(address)}"
    port = address[1] if isinstance(address, tuple) and len(address) > 1 else None
    if host in ("", b""):
        host = "0.0.0.0" if family == socket.AF_INET else "::"
    permitted = {"socket.connect": allow.permits_connect,
                 "socket.bind": allow.permits_listen}.get(event)
    return None if permitted and permitted(host, port) else f"{action} {_describe(address)}"


def _lookup_refusal(args: tuple[Any, ...], allow: NetworkAllowance | None) -> str | None:
    """getaddrinfo(host, port, family, type, proto): a name means DNS. Offline, an IP literal
    means the caller is about to reach it, so it is refused here, naming the destination
    (the kernel filter would refuse the socket next, without knowing where it was going)."""
    host = args[0]
    if _needs_lookup(host):
        return f"a DNS lookup of {host!r}"
    if allow is not None or host in (None, "", b"") or is_loopback_host(host):
        return None
    port = args[1] if len(args) > 1 else None
    kind = args[3] if len(args) > 3 else 0
    action = "sending to" if kind == socket.SOCK_DGRAM else "a connection to"
    name = bytes(host).decode("ascii", "replace") if isinstance(host, (bytes, bytearray)) \
        else str(host)
    return f"{action} {_describe((name, port))}"


def refusal(event: str, args: tuple[Any, ...],
            allow: NetworkAllowance | None = None) -> str | None:
    """What the guard refuses for this audit event, e.g. "a connection to 192.0.2.1:9";
    None when it is allowed. Offline (`allow` None) only local traffic passes; with an
    allowance, exactly its addresses. Pure: the hook raises, this only decides."""
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg", "socket.bind"):
        family = getattr(args[0], "family", socket.AF_INET)
        return _address_refusal(event, family, args[1], allow)
    if event == "socket.getaddrinfo":
        return _lookup_refusal(args, allow)
    if event == "socket.gethostbyname":
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
    allow: NetworkAllowance | None = None
    kernel_filter: bool = False


_state = _GuardState()
_lock = threading.RLock()
_local = threading.local()
_warned: set[tuple[str, str]] = set()


def guard_state() -> str:
    """GUARD_ON, GUARD_OFF ("off (disabled in config)") or GUARD_NOT_INSTALLED."""
    if _state.installed:
        return GUARD_ON
    return GUARD_OFF if _state.disabled_by_config else GUARD_NOT_INSTALLED


def mark_disabled_by_config() -> None:
    """Record that the configuration turned the guard off (`guard_state` reports it)."""
    _state.disabled_by_config = True


def install_guard(*, allow: NetworkAllowance | None = None, kernel_filter: bool = False) -> None:
    """Refuse non-local network access in this process from now on (with `allow`: all but
    its addresses). `kernel_filter`: a kernel filter refuses sockets too, and its refusals
    are reported as such. Idempotent: the audit hook cannot be removed, and the first
    call's settings stay."""
    with _lock:
        os.environ.update(OFFLINE_ENVIRONMENT)
        if _state.installed:
            return
        _state.allow, _state.kernel_filter = allow, kernel_filter
        _wrap_socket_methods()
        sys.addaudithook(_audit_hook)
        _state.installed = True
    log.debug("network guard installed")


def _hint() -> str:
    if _state.allow is None:
        return OFFLINE_HINT
    return f"only what this command is configured for is allowed: {_state.allow.describe()}"


def _audit_hook(event: str, args: tuple[Any, ...]) -> None:
    if not event.startswith("socket."):
        return
    what = refusal(event, args, _state.allow)
    if what is not None:
        _refuse(what)


def _refuse(what: str, by: str = GUARD, *, level: int = logging.WARNING) -> None:
    """Raise NetworkBlockedError; log (at `level`) the first time `what` is refused. Socket
    events raised while logging (a syslog handler, say) are still refused, silently."""
    if not getattr(_local, "quiet", False) and not getattr(_local, "logging", False):
        with _lock:
            first = (by, what) not in _warned
            _warned.add((by, what))
        if first:
            _local.logging = True
            try:
                log.log(level, "%s refused %s", by, what)
            finally:
                _local.logging = False
    raise NetworkBlockedError(what, by, _hint())


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

    init = socket.socket.__init__

    @functools.wraps(init)
    def create(self: socket.socket, family: int = -1, type: int = -1, proto: int = -1,
               fileno: int | None = None) -> None:
        try:
            init(self, family, type, proto, fileno)
        except PermissionError:
            if fileno is None and _state.kernel_filter:
                # A socket with no destination yet: often a library's probe at import
                # (urllib3 tries an AF_INET6 one), so it is said with --debug only; the
                # caller still gets the error naming it.
                _refuse(_socket_kind(family, type), KERNEL_FILTER, level=logging.INFO)
            raise

    cls: Any = socket.socket
    cls.__init__ = create
    cls.connect = address_last(_socket.socket.connect, "a connection to")
    cls.connect_ex = address_last(_socket.socket.connect_ex, "a connection to")
    cls.bind = address_last(_socket.socket.bind, "listening on")
    cls.sendto = address_last(_socket.socket.sendto, "sending to")
    cls.sendmsg = sendmsg


@contextmanager
def quiet_refusals() -> Iterator[None]:
    """Refusals in this thread raise as usual but are not logged (for deliberate probes)."""
    _local.quiet = True
    try:
        yield
    finally:
        _local.quiet = False


def _socket_kind(family: int, kind: int) -> str:
    """ "an AF_INET socket"; with its type when a non-stream IP socket was refused."""
    family = socket.AF_INET if family == -1 else family
    name = _family_name(family)
    if _state.allow is not None and family in _IP_FAMILIES and kind not in (-1, 1):
        try:
            name += " " + socket.SocketKind(kind & 0xF).name
        except ValueError:
            name += f" type {kind}"
    return f"an {name} socket"

"""Landlock TCP port rules (Linux 6.7+, Landlock ABI 4): bind and connect only to listed ports.

Used where the network is the feature (the Wyoming server): after `restrict_tcp_ports`,
the kernel refuses with EACCES any TCP `bind()` to a port not in `bind_ports` and any TCP
`connect()` to a port not in `connect_ports`, for this process and every child. Landlock
rules cannot name addresses; the Python guard and the systemd unit restrict those.

A small ctypes layer of our own: PyPI's `landlock` package (1.0.0.dev5) covers file-system
rules only (its README lists "TCP bind and connect" as unsupported).

Before ABI 8, Landlock restricts the calling thread only, so this must run while the
process has one thread; `restrict_tcp_ports` refuses otherwise.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from collections.abc import Iterable

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # every arch but alpha
_CREATE_RULESET_VERSION = 1
_RULE_NET_PORT = 2
ACCESS_NET_BIND_TCP, ACCESS_NET_CONNECT_TCP = 1, 2
NET_ABI = 4
_PR_SET_NO_NEW_PRIVS = 38


class LandlockError(OSError):
    """The kernel has no usable Landlock, or would not apply the rules."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64)]


class _NetPortAttr(ctypes.Structure):
    _fields_ = [("allowed_access", ctypes.c_uint64), ("port", ctypes.c_uint64)]


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi_version() -> int:
    """The kernel's Landlock ABI version; 0 when it has none (not Linux, too old, or
    Landlock not among the enabled LSMs)."""
    if not sys.platform.startswith("linux"):
        return 0
    version = _libc().syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                              ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(0, int(version))


def restrict_tcp_ports(*, bind_ports: Iterable[int], connect_ports: Iterable[int]) -> None:
    """From now on, this process and its children may bind TCP only to `bind_ports` and
    connect only to `connect_ports`. Sets PR_SET_NO_NEW_PRIVS. Raises LandlockError."""
    if abi_version() < NET_ABI:
        raise LandlockError(errno.ENOSYS, "this kernel's Landlock has no TCP rules "
                            f"(ABI {abi_version()}; TCP needs ABI {NET_ABI}, Linux 6.7)")
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        raise LandlockError(errno.EINVAL, f"Landlock rules must be applied before any thread "
                            f"starts (this process has {threads})")
    libc = _libc()
    attr = _RulesetAttr(0, ACCESS_NET_BIND_TCP | ACCESS_NET_CONNECT_TCP)
    fd = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
                      ctypes.c_uint32(0))
    _check(fd, "create a ruleset")
    try:
        for access, ports in ((ACCESS_NET_BIND_TCP, bind_ports),
                              (ACCESS_NET_CONNECT_TCP, connect_ports)):
            for port in sorted(set(ports)):
                rule = _NetPortAttr(access, port)
                _check(libc.syscall(_SYS_ADD_RULE, ctypes.c_int(fd),
                                    ctypes.c_int(_RULE_NET_PORT), ctypes.byref(rule),
                                    ctypes.c_uint32(0)), f"allow TCP port {port}")
        _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs")
        _check(libc.syscall(_SYS_RESTRICT_SELF, ctypes.c_int(fd), ctypes.c_uint32(0)),
               "restrict this process")
    finally:
        os.close(fd)


def _check(result: int, what: str) -> None:
    if result < 0:
        code = ctypes.get_errno()
        raise LandlockError(code, f"Landlock could not {what}: {os.strerror(code)}")

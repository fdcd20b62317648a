"""Landlock, through a small ctypes layer of our own: one ruleset per command, for good.

Landlock is an unprivileged Linux security module; what a process restricts itself to holds
for it and every child, and cannot be undone. What each ABI version brings, and what
`sandbox_ruleset` asks of it:

- ABI 1 (Linux 5.13): a Landlock domain at all. A process in one cannot ptrace, nor open
  `/proc/<pid>/mem`, `/proc/<pid>/root` and the like of, any process outside its domain,
  whatever its uid: this closes writing code into another process of the same user.
  File-system rights: the sandbox may not create device nodes (the rest of the file system
  stays as the user's permissions make it: the assistant writes where its configuration
  and command line say, and a benchmark starts its own sound server, whose socket file it
  creates). On ABI 1 a renamed or linked file may not change directory.
- ABI 2 (5.19): REFER, always handled once file-system rights are; granted everywhere.
- ABI 4 (6.7): TCP `bind()` and `connect()` to listed ports only. Offline commands list
  none, so even a TCP socket handed over by another process cannot connect anywhere.
- ABI 6 (6.12): scopes: no connecting or sending to abstract unix sockets created outside
  the domain (an X server, older D-Bus buses, a helper's proxy), no signals to processes
  outside it.
- ABI 8 (7.0): the rules reach every thread at once (TSYNC); before, only the calling
  thread and its future threads and children, so `restrict_self` refuses to run when the
  process already has threads.
- ABI 9 (7.1): RESOLVE_UNIX: `connect()`/`sendmsg()` to a unix socket file is refused
  unless the socket was created inside the domain or its path is allowed. Only the sound
  server's sockets are (see `assistant.sandbox.daemons`).

PyPI's `landlock` package (1.0.0.dev5) covers file-system rules only, none of the above
scopes or TCP rules, hence this module.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # every arch but alpha
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2
_RESTRICT_SELF_TSYNC = 1 << 3
_PR_SET_NO_NEW_PRIVS = 38

FS_MAKE_CHAR, FS_MAKE_BLOCK = 1 << 6, 1 << 11
FS_REFER = 1 << 13
FS_RESOLVE_UNIX = 1 << 16
ACCESS_NET_BIND_TCP, ACCESS_NET_CONNECT_TCP = 1, 2
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2

REFER_ABI, NET_ABI, SCOPE_ABI, TSYNC_ABI, RESOLVE_UNIX_ABI = 2, 4, 6, 8, 9
#: The first Linux release of each ABI version, for messages that tell a user what to run.
LINUX_FOR_ABI = {1: "5.13", 2: "5.19", 3: "6.2", 4: "6.7", 5: "6.10", 6: "6.12", 7: "6.15",
                 8: "7.0", 9: "7.1"}


class LandlockError(OSError):
    """The kernel has no usable Landlock, or would not apply the rules."""


@dataclass(frozen=True)
class Ruleset:
    """What a domain handles (refuses unless a rule allows it) and the rules that allow.
    `paths`: (path, access bits) allowed beneath a directory or on one file; `ports`:
    (ACCESS_NET_*, TCP port)."""

    handled_fs: int = 0
    handled_net: int = 0
    scoped: int = 0
    paths: tuple[tuple[str, int], ...] = ()
    ports: tuple[tuple[int, int], ...] = ()


def sandbox_ruleset(abi: int, *, bind_ports: Iterable[int] = (),
                    connect_ports: Iterable[int] = (),
                    unix_sockets: Iterable[str] = ()) -> Ruleset:
    """The assistant's ruleset for a kernel of Landlock ABI `abi` (see the module doc).
    `bind_ports`/`connect_ports`: TCP ports allowed (none: no TCP at all); `unix_sockets`:
    the socket files that may be reached on ABI 9+."""
    if abi < 1:
        raise LandlockError(errno.ENOSYS, "this kernel has no Landlock")
    handled_fs = FS_MAKE_CHAR | FS_MAKE_BLOCK
    paths: list[tuple[str, int]] = []
    if abi >= REFER_ABI:
        handled_fs |= FS_REFER
        paths.append(("/", FS_REFER))
    if abi >= RESOLVE_UNIX_ABI:
        handled_fs |= FS_RESOLVE_UNIX
        paths += [(path, FS_RESOLVE_UNIX) for path in sorted(set(unix_sockets))]
    handled_net, ports = 0, []
    if abi >= NET_ABI:
        handled_net = ACCESS_NET_BIND_TCP | ACCESS_NET_CONNECT_TCP
        ports = [(ACCESS_NET_BIND_TCP, p) for p in sorted(set(bind_ports))]
        ports += [(ACCESS_NET_CONNECT_TCP, p) for p in sorted(set(connect_ports))]
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= SCOPE_ABI else 0
    return Ruleset(handled_fs, handled_net, scoped, tuple(paths), tuple(ports))


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


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


def restrict_self(ruleset: Ruleset, *, abi: int) -> None:
    """From now on, this process and its children live in a domain of `ruleset` (for
    good). Sets PR_SET_NO_NEW_PRIVS. Raises LandlockError, having changed nothing."""
    if abi < TSYNC_ABI:
        threads = len(os.listdir("/proc/self/task"))
        if threads != 1:
            raise LandlockError(errno.EINVAL, "Landlock rules must be applied before any "
                                f"thread starts (this process has {threads}; Linux "
                                f"{LINUX_FOR_ABI[TSYNC_ABI]} lifts this)")
    libc = _libc()
    attr = _RulesetAttr(ruleset.handled_fs, ruleset.handled_net, ruleset.scoped)
    size = ctypes.sizeof(attr) if abi >= SCOPE_ABI else 16 if abi >= NET_ABI else 8
    fd = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                      ctypes.c_uint32(0))
    _check(fd, "create a ruleset")
    try:
        for path, access in ruleset.paths:
            _add_path_rule(libc, fd, path, access)
        for access, port in ruleset.ports:
            rule = _NetPortAttr(access, port)
            _check(libc.syscall(_SYS_ADD_RULE, ctypes.c_int(fd), ctypes.c_int(_RULE_NET_PORT),
                                ctypes.byref(rule), ctypes.c_uint32(0)),
                   f"allow TCP port {port}")
        _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs")
        flags = _RESTRICT_SELF_TSYNC if abi >= TSYNC_ABI else 0
        _check(libc.syscall(_SYS_RESTRICT_SELF, ctypes.c_int(fd), ctypes.c_uint32(flags)),
               "restrict this process")
    finally:
        os.close(fd)


def _add_path_rule(libc: ctypes.CDLL, ruleset_fd: int, path: str, access: int) -> None:
    try:
        parent = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError as error:
        raise LandlockError(error.errno or errno.ENOENT,
                            f"Landlock could not open {path}: {error.strerror}") from None
    try:
        rule = _PathBeneathAttr(access, parent)
        _check(libc.syscall(_SYS_ADD_RULE, ctypes.c_int(ruleset_fd),
                            ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(rule),
                            ctypes.c_uint32(0)), f"allow {path}")
    finally:
        os.close(parent)


def _check(result: int, what: str) -> None:
    if result < 0:
        code = ctypes.get_errno()
        raise LandlockError(code, f"Landlock could not {what}: {os.strerror(code)}")


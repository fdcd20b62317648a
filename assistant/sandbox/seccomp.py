"""A seccomp-bpf filter, through libseccomp, that refuses network sockets in the kernel.

Loaded once at start-up, it covers every thread (libseccomp's TSYNC), every native library
and every child process (filters are inherited across fork and exec, and cannot be removed).
It sets PR_SET_NO_NEW_PRIVS, so a set-uid child cannot shed it. A refused call fails with an
errno (EACCES for sockets, EPERM otherwise); the filter never kills the process.

Offline (every command but `models fetch`):
- `socket()`/`socketpair()` of every address family but AF_UNIX (PulseAudio, PipeWire, ALSA
  plugins, D-Bus) and AF_NETLINK (talks to the kernel only; glibc's `getifaddrs` and
  `if_nameindex` use it) is refused, including garbage in the upper 32 bits of the argument;
- `io_uring_setup` is refused: io_uring's socket and connect operations bypass syscall
  filters;
- AF_NETLINK sockets of every protocol but NETLINK_ROUTE are refused: NETLINK_SOCK_DIAG
  would list every process's sockets, NETLINK_AUDIT, NETFILTER, XFRM and the rest have no
  use here. (Measured under strace: `script`, `devices` and `serve` up to listening open no
  netlink socket at all; PortAudio and ALSA enumerate devices through files and AF_UNIX.
  NETLINK_ROUTE stays for glibc's `getifaddrs`, `if_nameindex` and `getaddrinfo` with
  AI_ADDRCONFIG, which a library may call; it only reads once CAP_NET_ADMIN is gone, see
  `assistant.sandbox.capabilities`.)
- `listen()` is refused (nothing offline serves anyone; a TCP socket that listens without
  `bind()` gets a port on every address, which no port rule sees). The Wyoming server may
  listen until its listener is up, then `listen_seal()` refuses it too;
- `ptrace`, `process_vm_writev` and `pidfd_getfd` are refused, so a child cannot borrow a
  socket from, or write into, another process of the same user (opening
  `/proc/<pid>/mem` is Landlock's and Yama's to refuse: see `assistant.sandbox.policy`);
- the mount system calls are refused, so nothing can uncover the daemon sockets hidden by
  `assistant.sandbox.daemons`;
- the 32-bit ABIs are filtered too (an x86_64 process can make i386 system calls with
  `int 0x80`; tried here: without the filter that opens an AF_INET socket). On i386,
  `socketcall(SYS_SOCKET)` hides its arguments behind a pointer, so it is refused whatever
  the family. System calls of any other ABI fail with EPERM.

With a `NetworkAllowance` (the Wyoming server) AF_INET and AF_INET6 are allowed too, but only
TCP stream sockets (no UDP, raw or SCTP); Landlock then limits their ports.

The binding is a small ctypes layer of our own over libseccomp2's stable C API (2.5 or newer,
Debian: libseccomp2): PyPI's pyseccomp (the only binding on PyPI) has had no release since
January 2021 nor a commit since June 2021, and spends 36 ms (idle machine) to 110 ms (load
average 11) at import running `ldconfig` to find libraries, where loading libseccomp.so.2
directly takes 0.2 ms; Debian's python3-seccomp is built for Debian's own Python only.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

LIBRARY = "libseccomp.so.2"
MIN_VERSION = (2, 5)

AF_UNIX, AF_INET, AF_INET6, AF_NETLINK = 1, 2, 10, 16
NETLINK_ROUTE = 0
SOCK_STREAM, SOCK_TYPE_MASK = 1, 0xF
IPPROTO_TCP = 6

_ACT_ALLOW = 0x7FFF0000
_ATTR_ACT_BADARCH, _ATTR_CTL_NNP, _ATTR_CTL_TSYNC = 2, 3, 4
_CMP_NE, _CMP_EQ, _CMP_GE, _CMP_MASKED_EQ = 1, 4, 5, 7
_ARCH_X86, _ARCH_X86_64, _ARCH_X32 = 0x40000003, 0xC000003E, 0x4000003E
_ARCH_AARCH64, _ARCH_ARM = 0xC00000B7, 0x40000028
#: Native architecture -> the older ABIs the same CPU can run, which must be filtered too.
COMPAT_ARCHES = {_ARCH_X86_64: (_ARCH_X86, _ARCH_X32), _ARCH_AARCH64: (_ARCH_ARM,)}


class SeccompError(OSError):
    """libseccomp is missing or too old, or the kernel would not load the filter."""


def _act_errno(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


@dataclass(frozen=True)
class Compare:
    """One argument comparison: argument `arg` `op` `value` (MASKED_EQ: arg & mask == value)."""

    arg: int
    op: int
    value: int
    mask: int = 0


@dataclass(frozen=True)
class Rule:
    """Refuse `syscall` with `error` when every comparison holds (none: always).
    `optional`: left out where libseccomp does not know the call (a newer one)."""

    syscall: str
    error: int
    compares: tuple[Compare, ...] = ()
    optional: bool = False


#: The mount API, old and new: nothing the assistant does mounts anything.
MOUNT_CALLS = ("mount", "umount2", "pivot_root", "open_tree", "move_mount", "fsopen", "fsmount",
               "fspick", "mount_setattr")


def network_rules(*, allow_tcp: bool, allow_listen: bool = False) -> tuple[Rule, ...]:
    """The filter as data: which calls are refused, offline or with TCP allowed.
    `allow_listen`: `listen()` stays allowed (until `listen_seal`)."""
    families = {AF_UNIX, AF_NETLINK} | ({AF_INET, AF_INET6} if allow_tcp else set())
    rules = [Rule(call, errno.EPERM) for call in
             ("io_uring_setup", "ptrace", "process_vm_writev", "pidfd_getfd")]
    rules += [Rule(call, errno.EPERM, optional=True) for call in MOUNT_CALLS]
    for call in ("socket", "socketpair"):
        rules += [Rule(call, errno.EACCES, (Compare(0, _CMP_EQ, family),))
                  for family in range(AF_NETLINK + 1) if family not in families]
        # Any larger value, including garbage in the upper 32 bits the kernel would drop.
        rules.append(Rule(call, errno.EACCES, (Compare(0, _CMP_GE, AF_NETLINK + 1),)))
    rules.append(Rule("socket", errno.EACCES, (Compare(0, _CMP_EQ, AF_NETLINK),
                                               Compare(2, _CMP_NE, NETLINK_ROUTE))))
    if not allow_listen:
        rules += listen_seal()
    if allow_tcp:
        rules += list(_tcp_only_rules())
    return tuple(rules)


def listen_seal() -> tuple[Rule, ...]:
    """A filter of its own, stacked once a server's listeners are up: no more `listen()`."""
    return (Rule("listen", errno.EACCES),)


def _tcp_only_rules() -> Iterator[Rule]:
    """For AF_INET/AF_INET6: refuse every socket type but SOCK_STREAM and every protocol but
    0 and IPPROTO_TCP (Landlock only governs TCP)."""
    for family in (AF_INET, AF_INET6):
        is_family = Compare(0, _CMP_EQ, family)
        for kind in range(SOCK_TYPE_MASK + 1):
            if kind != SOCK_STREAM:
                yield Rule("socket", errno.EACCES,
                           (is_family, Compare(1, _CMP_MASKED_EQ, kind, SOCK_TYPE_MASK)))
        for protocol in range(1, IPPROTO_TCP):
            yield Rule("socket", errno.EACCES, (is_family, Compare(2, _CMP_EQ, protocol)))
        yield Rule("socket", errno.EACCES, (is_family, Compare(2, _CMP_GE, IPPROTO_TCP + 1)))


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


class _Version(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint), ("minor", ctypes.c_uint), ("micro", ctypes.c_uint)]


def load_library() -> ctypes.CDLL:
    """libseccomp, with the prototypes this module uses. SeccompError says what is missing."""
    if not sys.platform.startswith("linux"):
        raise SeccompError(errno.ENOSYS, f"seccomp is a Linux feature (this is {sys.platform})")
    try:
        lib = ctypes.CDLL(LIBRARY, use_errno=True)
    except OSError:
        raise SeccompError(errno.ENOENT, f"{LIBRARY} is not installed (Debian/Ubuntu: "
                           "apt-get install libseccomp2; Fedora: dnf install libseccomp)") from None
    void_p, u32 = ctypes.c_void_p, ctypes.c_uint32
    lib.seccomp_version.restype = ctypes.POINTER(_Version)
    lib.seccomp_init.restype = void_p
    lib.seccomp_init.argtypes = [u32]
    lib.seccomp_release.argtypes = [void_p]
    lib.seccomp_attr_set.argtypes = [void_p, ctypes.c_int, u32]
    lib.seccomp_arch_native.restype = u32
    lib.seccomp_arch_add.argtypes = [void_p, u32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [void_p, u32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(_ArgCmp)]
    lib.seccomp_load.argtypes = [void_p]
    version = lib.seccomp_version().contents
    if (version.major, version.minor) < MIN_VERSION:
        raise SeccompError(errno.ENOSYS, f"libseccomp {version.major}.{version.minor} is too old "
                           f"(the filter needs {MIN_VERSION[0]}.{MIN_VERSION[1]} or newer)")
    return lib


def kernel_problem() -> str | None:
    """Why this kernel cannot load a seccomp filter, or None when it can."""
    if not sys.platform.startswith("linux"):
        return f"seccomp is a Linux feature (this is {sys.platform})"
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            if not any(line.startswith("Seccomp:") for line in status):
                return "this kernel was built without seccomp (CONFIG_SECCOMP)"
    except OSError as error:
        return f"cannot read /proc/self/status ({error.strerror})"
    return None


def install_filter(rules: tuple[Rule, ...], *, lib: ctypes.CDLL | None = None) -> None:
    """Load `rules` into the kernel for this process, its threads and future children (for
    good). Raises SeccompError, having changed nothing, when it cannot."""
    problem = kernel_problem()
    if problem:
        raise SeccompError(errno.ENOSYS, problem)
    lib = lib or load_library()
    ctx = lib.seccomp_init(_ACT_ALLOW)
    if not ctx:
        raise SeccompError(errno.ENOMEM, "seccomp_init failed")
    try:
        _check(lib.seccomp_attr_set(ctx, _ATTR_ACT_BADARCH, _act_errno(errno.EPERM)), "badarch")
        _check(lib.seccomp_attr_set(ctx, _ATTR_CTL_NNP, 1), "no_new_privs")
        _check(lib.seccomp_attr_set(ctx, _ATTR_CTL_TSYNC, 1), "tsync")
        for arch in COMPAT_ARCHES.get(lib.seccomp_arch_native(), ()):
            # An ABI this libseccomp lacks stays refused as a whole by the BADARCH action.
            lib.seccomp_arch_add(ctx, arch)
        for rule in rules:
            _add_rule(lib, ctx, rule)
        _check(lib.seccomp_load(ctx), "load")
    finally:
        lib.seccomp_release(ctx)


def _add_rule(lib: ctypes.CDLL, ctx: int, rule: Rule) -> None:
    number = lib.seccomp_syscall_resolve_name(rule.syscall.encode())
    if number < 0 and rule.optional:
        return
    if number < 0:
        raise SeccompError(errno.ENOSYS, f"libseccomp does not know the system call "
                           f"{rule.syscall!r}")
    compares = (_ArgCmp * max(1, len(rule.compares)))(
        *[_ArgCmp(c.arg, c.op, c.mask if c.op == _CMP_MASKED_EQ else c.value,
                  c.value if c.op == _CMP_MASKED_EQ else 0) for c in rule.compares])
    _check(lib.seccomp_rule_add_array(ctx, _act_errno(rule.error), number, len(rule.compares),
                                      compares), f"rule for {rule.syscall}")


def _check(status: int, what: str) -> None:
    if status < 0:
        raise SeccompError(-status, f"libseccomp {what}: {os.strerror(-status)}")


def filter_mode() -> int:
    """The kernel's seccomp mode for this process: 0 none, 1 strict, 2 filter."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Seccomp:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0

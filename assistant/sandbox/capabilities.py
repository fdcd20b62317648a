"""Drop the capabilities that could undo the policy or reach the network by other means.

Run as root (a Raspberry Pi image, a container), the assistant would hold every capability:
CAP_NET_ADMIN lets a netlink socket add addresses and routes, CAP_SYS_ADMIN unmount what
hides the daemon sockets, CAP_SYS_PTRACE read any process's memory, CAP_SYS_MODULE load
kernel code. `drop` removes those from the bounding, permitted, effective, inheritable and
ambient sets, for this process and (with no_new_privs) every child; what root needs to run
the assistant (reading files, raising its priority, a port below 1024 for `serve`) stays.
In a user namespace entered to hide daemon sockets, `drop(every=True)` drops them all.
"""

from __future__ import annotations

import ctypes
import os

CAP_SETPCAP, CAP_NET_BROADCAST, CAP_NET_ADMIN, CAP_NET_RAW = 8, 11, 12, 13
CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_PTRACE, CAP_SYS_ADMIN, CAP_SYS_BOOT = 16, 17, 19, 21, 22
CAP_MKNOD, CAP_MAC_OVERRIDE, CAP_MAC_ADMIN = 27, 32, 33
CAP_PERFMON, CAP_BPF, CAP_CHECKPOINT_RESTORE = 38, 39, 40

#: Dropped when the assistant runs as root (CAP_SETPCAP last: it is what allows dropping).
DANGEROUS = (CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BROADCAST, CAP_SYS_ADMIN, CAP_SYS_PTRACE,
             CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_BOOT, CAP_BPF, CAP_PERFMON, CAP_MKNOD,
             CAP_MAC_ADMIN, CAP_MAC_OVERRIDE, CAP_CHECKPOINT_RESTORE, CAP_SETPCAP)

_PR_CAPBSET_READ, _PR_CAPBSET_DROP, _PR_CAP_AMBIENT = 23, 24, 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4
_CAP_VERSION_3 = 0x20080522


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def drop(*, every: bool = False) -> tuple[int, ...]:
    """Drop DANGEROUS (every capability with `every`) for good; returns those that were
    held. Raises OSError when the kernel refuses."""
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = _Header(_CAP_VERSION_3, 0), (_Data * 2)()
    _check(libc.capget(ctypes.byref(header), data), "read the capabilities")
    held = [cap for cap in range(64)
            if data[cap // 32].permitted & (1 << (cap % 32))]
    targets = tuple(held) if every else tuple(cap for cap in DANGEROUS if cap in held)
    if not targets:
        return ()
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    ordered = sorted(targets, key=lambda cap: cap == CAP_SETPCAP)
    for cap in ordered:
        if libc.prctl(_PR_CAPBSET_READ, cap, 0, 0, 0) == 1:
            _check(libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0), f"drop capability {cap}")
    for cap in targets:
        mask = ~(1 << (cap % 32)) & 0xFFFFFFFF
        for field in ("effective", "permitted", "inheritable"):
            setattr(data[cap // 32], field, getattr(data[cap // 32], field) & mask)
    _check(libc.capset(ctypes.byref(header), data), "drop the capabilities")
    return targets


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"could not {what}: {os.strerror(code)}")

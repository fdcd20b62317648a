"""Every local way out of the sandbox, and what closes it on this kernel (or what would).

The network policy refuses sockets to the network outright (seccomp); these are the ways
around it that use something else on the machine. `local_ways` says, for the layers that
were installed, which of them is closed and by what, and for each open one the kernel
feature or setting that would close it. `assistant doctor` prints them, and
docs/privacy-enforcement.md explains them.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.sandbox.kernel import KernelSupport
from assistant.sandbox.landlock import (
    LINUX_FOR_ABI,
    NET_ABI,
    RESOLVE_UNIX_ABI,
    SCOPE_ABI,
)

YAMA_FIX = ("set kernel.yama.ptrace_scope = 1 (`sysctl -w kernel.yama.ptrace_scope=1`, and a "
            "file in /etc/sysctl.d/ to keep it)")
LANDLOCK_FIX = ("use a kernel with Landlock (Linux 5.13+ with `landlock` among the enabled "
                "LSMs, e.g. the boot parameter lsm=landlock,...)")


@dataclass(frozen=True)
class Way:
    """One way out: `closed_by` names what refuses it ("" when open); `fix` what would.
    `cooperative`: it takes a willing process outside, so it is no way out by itself."""

    way: str
    closed_by: str
    fix: str = ""
    cooperative: bool = False

    @property
    def open(self) -> bool:
        return not self.closed_by


@dataclass(frozen=True)
class Installed:
    """What the policy installed: the kernel filter, a Landlock domain, the daemon sockets
    hidden (None: hiding was not possible; `hide_problem` says why)."""

    seccomp: bool
    landlock: bool
    hidden: tuple[str, ...] | None
    hide_problem: str = ""


def _linux(abi: int) -> str:
    return f"Linux {LINUX_FOR_ABI[abi]} (Landlock ABI {abi})"


def local_ways(support: KernelSupport, installed: Installed) -> tuple[Way, ...]:
    """Each local way out and its state under `installed` on a kernel like `support`."""
    abi = support.landlock_abi if installed.landlock else 0
    return (_memory(support, installed), _daemons(abi, installed),
            Way("an abstract unix socket of a process outside (X11, a proxy)",
                "Landlock (scope)" if abi >= SCOPE_ABI else "", _linux(SCOPE_ABI)),
            Way("a unix socket file of a process outside (a proxy, or one that hands over a "
                "network socket)", "Landlock" if abi >= RESOLVE_UNIX_ABI else "",
                f"{_linux(RESOLVE_UNIX_ABI)}; until then only the known daemons are hidden",
                cooperative=True),
            Way("connect() or bind() on a TCP socket handed over by another process",
                "Landlock (TCP rules)" if abi >= NET_ABI else "", _linux(NET_ABI),
                cooperative=True),
            Way("listen() without bind()", "seccomp" if installed.seccomp else "",
                "install libseccomp2"),
            Way("netlink protocols but NETLINK_ROUTE", "seccomp" if installed.seccomp else "",
                "install libseccomp2"))


def _memory(support: KernelSupport, installed: Installed) -> Way:
    way = "another process's memory (/proc/<pid>/mem)"
    if installed.landlock:
        return Way(way, "Landlock")
    if support.yama_scope:
        return Way(way, f"Yama (ptrace_scope {support.yama_scope})")
    fix = f"{YAMA_FIX}, or {LANDLOCK_FIX}"
    return Way(way, "", fix if support.yama_scope == 0 else LANDLOCK_FIX)


def _daemons(abi: int, installed: Installed) -> Way:
    way = "a local daemon that goes online (name service, D-Bus, systemd, Docker ...)"
    if abi >= RESOLVE_UNIX_ABI:
        return Way(way, "Landlock (no unix socket file but the sound server's)")
    if installed.hidden is None:
        return Way(way, "", f"{installed.hide_problem}: {_linux(RESOLVE_UNIX_ABI)} refuses "
                   "them, or allow this user a user namespace that may mount (or run as root)")
    if not installed.hidden:
        return Way(way, "none of the known daemons runs here")
    closed = f"a private mount namespace ({len(installed.hidden)} daemon socket(s) hidden)"
    if not installed.landlock:
        return Way(way, "", f"hidden, but reachable through /proc/<pid>/root of another "
                   f"process: {LANDLOCK_FIX}")
    return Way(way, closed)

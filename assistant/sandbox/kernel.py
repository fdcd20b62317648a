"""What this kernel and system offer the sandbox: seccomp, Landlock's ABI, Yama, namespaces."""

from __future__ import annotations

import os
from dataclasses import dataclass

from assistant.sandbox import landlock, seccomp

YAMA_SCOPE = "/proc/sys/kernel/yama/ptrace_scope"


@dataclass(frozen=True)
class KernelSupport:
    """Why a seccomp filter cannot be loaded (None: it can), the Landlock ABI version (0:
    none), whether this process already sits in a network namespace with loopback only,
    Yama's ptrace_scope (None: no Yama), and whether the process runs as root."""

    seccomp_problem: str | None
    landlock_abi: int
    isolated: bool = False
    yama_scope: int | None = None
    root: bool = False


def probe_kernel() -> KernelSupport:
    """The real probe: the kernel's seccomp support, libseccomp, Landlock's ABI, Yama."""
    problem = seccomp.kernel_problem()
    if problem is None:
        try:
            seccomp.load_library()
        except seccomp.SeccompError as error:
            problem = str(error.strerror)
    return KernelSupport(problem, landlock.abi_version(), namespace_isolated(), yama_scope(),
                         os.geteuid() == 0)


def namespace_isolated() -> bool:
    """True when this process's network namespace has no interface but loopback (`unshare
    -n`, systemd PrivateNetwork=yes): the kernel has no route out, whatever we do."""
    try:
        with open("/proc/self/net/dev", encoding="ascii") as table:
            names = [line.split(":")[0].strip() for line in table.readlines()[2:]]
    except OSError:
        return False
    return names == ["lo"]


def yama_scope() -> int | None:
    """Yama's kernel.yama.ptrace_scope (0 classic, 1 descendants only, 2 admin only, 3 no
    attach), or None when the kernel has no Yama."""
    try:
        with open(YAMA_SCOPE, encoding="ascii") as scope:
            return int(scope.read().strip())
    except (OSError, ValueError):
        return None

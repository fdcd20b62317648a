"""The network policy every command runs under: enforced by the kernel, explained by Python.

`apply_network_policy` runs once at start-up (from `assistant.cli.main`, before any engine
is loaded or any thread starts) for every command except `assistant models fetch`:

1. **Kernel filter** (`assistant.sandbox.seccomp`): a seccomp-bpf filter refuses sockets of
   every family but AF_UNIX and AF_NETLINK, io_uring, and reaching into other processes,
   for every thread, native library and child process, for good.
2. **Landlock** (`assistant.sandbox.landlock`), only for a command with a `NetworkAllowance`
   (the Wyoming server): TCP bind and connect only to the configured ports.
3. **Python guard** (`assistant.sandbox.guard`): names what was refused in one clear line, and
   checks exact addresses where the kernel layers only see ports.

Why seccomp and not a network namespace (both measured on Linux 6.18, 2 vCPUs, as root and
as an unprivileged user): both refuse everything tried (a Python socket, libc's `connect()`
through ctypes, a Python and a bash child), both keep the PulseAudio unix socket working
(the server sees the real uid through the user-namespace mapping), and both are cheap: the
filter is built and loaded in 1.3-1.6 ms, a user+net namespace entered with its loopback up
in 0.8-1.1 ms (fastest of 21 fresh processes each; medians 2-6 ms and 4-10 ms at a load
average of 7-11). The namespace loses on everything else: it needs unprivileged user
namespaces as a normal user (off by default on Debian 10 and older, restricted by AppArmor
on Ubuntu 23.10+, refused by Docker's default profile), it must be entered while the
process has one thread, it cuts abstract unix sockets (X11, D-Bus session buses: tried,
"Connection refused"), it shows files of other users as nobody, and it cannot express "this
port on the local network only", which the Wyoming server needs. seccomp works the same as
root and as a user, from any thread, and extends to the server with Landlock.

Where no kernel filter can be had (macOS, a kernel without seccomp, no libseccomp2), the
command still runs, with the Python guard alone and a warning at every start. The kernel
support probe is injectable (`probe=`), so that path is tested on a machine that has seccomp.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from assistant.config import Config
from assistant.errors import AssistantError
from assistant.sandbox import landlock, seccomp
from assistant.sandbox.allowance import NetworkAllowance
from assistant.sandbox.guard import install_guard, mark_disabled_by_config

log = logging.getLogger(__name__)

#: The only command that may use the network: (args.command, args.models_action).
UNGUARDED_COMMANDS = frozenset({("models", "fetch")})

LEVEL_KERNEL = "kernel filter"
LEVEL_NAMESPACE = "namespace"
LEVEL_HOOK = "Python hook only"
LEVEL_OFF = "off"
LEVEL_UNGUARDED = "none (this command downloads models)"
LEVEL_NOT_INSTALLED = "not installed"

OFFLINE_FILTER = ("seccomp (only AF_UNIX and AF_NETLINK sockets; no io_uring, ptrace, "
                  "pidfd_getfd)")
TCP_FILTER = "seccomp (AF_UNIX, AF_NETLINK and TCP sockets only; no io_uring, ptrace, pidfd_getfd)"
NAMESPACE = "network namespace with loopback only"
PYTHON_GUARD = "Python guard (audit hook)"
FALLBACK_FIX = ("install libseccomp2 (Debian/Ubuntu: apt-get install libseccomp2), or run the "
                "assistant in a network namespace (`unshare -n`, systemd PrivateNetwork=yes)")


@dataclass(frozen=True)
class KernelSupport:
    """What this kernel and system offer: why a seccomp filter cannot be loaded (None: it
    can), the Landlock ABI version (0: none), and whether this process already sits in a
    network namespace with loopback only."""

    seccomp_problem: str | None
    landlock_abi: int
    isolated: bool = False


def probe_kernel() -> KernelSupport:
    """The real probe: the kernel's seccomp support, libseccomp, Landlock's ABI."""
    problem = seccomp.kernel_problem()
    if problem is None:
        try:
            seccomp.load_library()
        except seccomp.SeccompError as error:
            problem = str(error.strerror)
    return KernelSupport(problem, landlock.abi_version(), namespace_isolated())


@dataclass(frozen=True)
class PolicyStatus:
    """What enforces the network policy in this process, strongest first."""

    level: str
    layers: tuple[str, ...] = ()
    warning: str = ""
    allow: NetworkAllowance | None = None

    def describe(self) -> str:
        return f"{self.level}: " + " + ".join(self.layers) if self.layers else self.level


_status = PolicyStatus(LEVEL_NOT_INSTALLED)


def policy_status() -> PolicyStatus:
    """The policy installed in this process (LEVEL_NOT_INSTALLED before `apply_...`)."""
    return _status


def namespace_isolated() -> bool:
    """True when this process's network namespace has no interface but loopback (`unshare
    -n`, systemd PrivateNetwork=yes): the kernel has no route out, whatever we do."""
    try:
        with open("/proc/self/net/dev", encoding="ascii") as table:
            names = [line.split(":")[0].strip() for line in table.readlines()[2:]]
    except OSError:
        return False
    return names == ["lo"]


def install_network_policy(*, allow: NetworkAllowance | None = None,
                           probe: Callable[[], KernelSupport] = probe_kernel) -> PolicyStatus:
    """Install every layer this system supports, for good: offline when `allow` is None,
    else exactly `allow`. Never fails for want of kernel support: the returned status
    carries a warning instead. Call it before any thread starts."""
    global _status
    started = time.perf_counter()
    support = probe()
    layers: list[str] = []
    problems: list[str] = []
    kernel = _install_seccomp(support, allow_tcp=allow is not None, problems=problems)
    if kernel:
        layers.append(TCP_FILTER if allow is not None else OFFLINE_FILTER)
    if allow is not None:
        layers += _install_landlock(support, allow, problems=problems)
    isolated = support.isolated
    if isolated:
        layers.append(NAMESPACE)
    install_guard(allow=allow, kernel_filter=kernel)
    layers.append(PYTHON_GUARD)
    level = LEVEL_KERNEL if kernel else LEVEL_NAMESPACE if isolated else LEVEL_HOOK
    warning = ""
    if problems and not (isolated and allow is None):
        warning = "; ".join(problems)
        if not kernel:
            warning += (": only the Python guard refuses connections, and native libraries and "
                        f"child processes pass by it; {FALLBACK_FIX}")
    _status = PolicyStatus(level, tuple(layers), warning, allow)
    log.debug("network policy %s installed in %.1f ms", _status.describe(),
              (time.perf_counter() - started) * 1e3)
    return _status


def _install_seccomp(support: KernelSupport, *, allow_tcp: bool, problems: list[str]) -> bool:
    if support.seccomp_problem is not None:
        problems.append(f"no kernel network filter: {support.seccomp_problem}")
        return False
    try:
        seccomp.install_filter(seccomp.network_rules(allow_tcp=allow_tcp))
    except seccomp.SeccompError as error:
        problems.append(f"the kernel network filter could not be loaded: {error.strerror}")
        return False
    return True


def _install_landlock(support: KernelSupport, allow: NetworkAllowance, *,
                      problems: list[str]) -> list[str]:
    ports = (f"Landlock: TCP bind to port {_ports(allow.listen_ports)} only, connect to port "
             f"{_ports(allow.peer_ports)} only")
    if support.landlock_abi < landlock.NET_ABI:
        problems.append(f"no Landlock TCP rules (kernel ABI {support.landlock_abi}, needs "
                        f"{landlock.NET_ABI}: Linux 6.7): ports are checked by the Python guard "
                        "only")
        return []
    try:
        landlock.restrict_tcp_ports(bind_ports=allow.listen_ports,
                                    connect_ports=allow.peer_ports)
    except landlock.LandlockError as error:
        problems.append(str(error.strerror))
        return []
    return [ports]


def _ports(ports: tuple[int, ...]) -> str:
    return ", ".join(map(str, ports)) if ports else "none"


# -- the command-line policy ------------------------------------------------------------

def guarded(args: argparse.Namespace) -> bool:
    """False only for the commands allowed to use the network (`models fetch`)."""
    command = (getattr(args, "command", None), getattr(args, "models_action", None))
    return command not in UNGUARDED_COMMANDS


#: What a network-facing command sets with `parser.set_defaults(network_allowance=...)`.
#: None: this run of the command needs no network (it stays offline).
AllowanceFactory = Callable[[argparse.Namespace, Config], NetworkAllowance | None]


def apply_network_policy(args: argparse.Namespace, config: Config, *,
                         stderr: IO[str] | None = None,
                         probe: Callable[[], KernelSupport] = probe_kernel) -> PolicyStatus:
    """Install the policy for this command: none for `models fetch`; none, with a warning at
    every start, when the config turns it off; `args.network_allowance(args, config)` for a
    command that declares one (the Wyoming server); offline for every other command."""
    global _status
    err = stderr if stderr is not None else sys.stderr
    if not guarded(args):
        log.debug("network policy not installed: this command downloads models")
        _status = PolicyStatus(LEVEL_UNGUARDED)
        return _status
    if not config.privacy.network_guard:
        mark_disabled_by_config()
        where = config.source or "the configuration"
        print(f"warning: the network guard is OFF (privacy.network_guard = false in {where}): "
              "nothing stops a library from reaching the internet", file=err)
        _status = PolicyStatus(LEVEL_OFF)
        return _status
    factory: AllowanceFactory | None = getattr(args, "network_allowance", None)
    try:
        allow = factory(args, config) if factory is not None else None
    except ValueError as error:
        raise AssistantError(str(error)) from None
    status = install_network_policy(allow=allow, probe=probe)
    if status.warning:
        print(f"warning: {status.warning}", file=err)
    return status

"""The network policy every command runs under: enforced by the kernel, explained by Python.

`apply_network_policy` runs once at start-up (from `assistant.cli.main`, before any engine
is loaded or any thread starts) for every command except `assistant models fetch`:

1. **Daemon sockets hidden** (`assistant.sandbox.daemons`), where Landlock cannot refuse
   them: a private mount namespace without nscd, D-Bus, systemd and the like.
2. **Capabilities dropped** (`assistant.sandbox.capabilities`) when running as root.
3. **Kernel filter** (`assistant.sandbox.seccomp`): a seccomp-bpf filter refuses sockets of
   every family but AF_UNIX and AF_NETLINK (NETLINK_ROUTE only), listen(), io_uring,
   mounts and reaching into other processes, for every thread, native library and child
   process, for good.
4. **Landlock** (`assistant.sandbox.landlock`), for every command: no access to processes
   outside (their memory), TCP bind and connect only to the ports of a command's
   `NetworkAllowance` (none offline), no abstract unix sockets outside, and, on Linux 7.1,
   no unix socket file but the sound server's.
5. **Not dumpable**: other processes of the user cannot read this one's memory (the
   user's voice), and it leaves no core dump.
6. **Python guard** (`assistant.sandbox.guard`): names what was refused in one clear line,
   and checks exact addresses where the kernel layers only see ports.

`PolicyStatus.ways` says which local way out is closed here and by what
(`assistant.sandbox.ways`).

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
root and as a user, from any thread, and extends to the server with Landlock. (The mount
namespace that hides daemon sockets is an extra where it can be had, not the foundation.)

Where no kernel filter can be had (macOS, a kernel without seccomp, no libseccomp2), the
command still runs, with the Python guard alone and a warning at every start. The kernel
support probe is injectable (`probe=`), so that path is tested on a machine that has seccomp.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from assistant.config import Config
from assistant.errors import AssistantError
from assistant.sandbox import capabilities, daemons, landlock, seccomp
from assistant.sandbox.allowance import NetworkAllowance
from assistant.sandbox.guard import install_guard, mark_disabled_by_config
from assistant.sandbox.kernel import KernelSupport, probe_kernel
from assistant.sandbox.ways import Installed, Way, local_ways

log = logging.getLogger(__name__)

#: The only command that may use the network: (args.command, args.models_action).
UNGUARDED_COMMANDS = frozenset({("models", "fetch")})

LEVEL_KERNEL = "kernel filter"
LEVEL_NAMESPACE = "namespace"
LEVEL_HOOK = "Python hook only"
LEVEL_OFF = "off"
LEVEL_UNGUARDED = "none (this command downloads models)"
LEVEL_NOT_INSTALLED = "not installed"

OFFLINE_FILTER = ("seccomp (only AF_UNIX and AF_NETLINK route sockets; no listen, io_uring, "
                  "ptrace, pidfd_getfd, mount)")
TCP_FILTER = ("seccomp (AF_UNIX, AF_NETLINK route and TCP sockets only; no listen once "
              "listening, io_uring, ptrace, pidfd_getfd, mount)")
CONNECT_FILTER = ("seccomp (AF_UNIX, AF_NETLINK route and TCP sockets only; no listen, "
                  "io_uring, ptrace, pidfd_getfd, mount)")
NAMESPACE = "network namespace with loopback only"
PYTHON_GUARD = "Python guard (audit hook)"
NOT_DUMPABLE = "not dumpable"
FALLBACK_FIX = ("install libseccomp2 (Debian/Ubuntu: apt-get install libseccomp2), or run the "
                "assistant in a network namespace (`unshare -n`, systemd PrivateNetwork=yes)")
_PR_SET_DUMPABLE = 4


@dataclass(frozen=True)
class PolicyStatus:
    """What enforces the network policy in this process, strongest first, and the state
    of each local way out (`ways`)."""

    level: str
    layers: tuple[str, ...] = ()
    warning: str = ""
    allow: NetworkAllowance | None = None
    ways: tuple[Way, ...] = ()
    hidden: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"{self.level}: " + " + ".join(self.layers) if self.layers else self.level


_status = PolicyStatus(LEVEL_NOT_INSTALLED)


def policy_status() -> PolicyStatus:
    """The policy installed in this process (LEVEL_NOT_INSTALLED before `apply_...`)."""
    return _status


def install_network_policy(*, allow: NetworkAllowance | None = None,
                           probe: Callable[[], KernelSupport] = probe_kernel) -> PolicyStatus:
    """Install every layer this system supports, for good: offline when `allow` is None,
    else exactly `allow`. Never fails for want of kernel support: the returned status
    carries a warning instead (and `ways` says what stays open). Call it before any
    thread starts."""
    global _status
    started = time.perf_counter()
    support = probe()
    layers: list[str] = []
    problems: list[str] = []
    linux = sys.platform.startswith("linux")
    hidden, hide_problem = _hide_daemons(support, layers) if linux else (None, sys.platform)
    if linux:
        _drop_capabilities(support, every=hidden is not None and hidden.user_namespace,
                           layers=layers)
    serves = allow is not None and bool(allow.listen)  # only a server ever listens
    kernel = _install_seccomp(support, allow_tcp=allow is not None, allow_listen=serves,
                              problems=problems)
    if kernel:
        layers.insert(0, TCP_FILTER if serves else
                      CONNECT_FILTER if allow is not None else OFFLINE_FILTER)
    landlocked = _install_landlock(support, allow, layers=layers, problems=problems)
    if linux and ctypes.CDLL(None).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) == 0:
        layers.append(NOT_DUMPABLE)
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
    paths = hidden.paths if hidden is not None else None
    ways = local_ways(support, Installed(kernel, landlocked, paths, hide_problem))
    _status = PolicyStatus(level, tuple(layers), warning, allow, ways, paths or ())
    log.debug("network policy %s installed in %.1f ms; open: %s", _status.describe(),
              (time.perf_counter() - started) * 1e3,
              "; ".join(w.way for w in ways if w.open) or "nothing")
    return _status


def _hide_daemons(support: KernelSupport,
                  layers: list[str]) -> tuple[daemons.Hidden | None, str]:
    """Hide the known daemon sockets where Landlock will not refuse them: (what was hidden,
    or None when no namespace could be had; why)."""
    if support.landlock_abi >= landlock.RESOLVE_UNIX_ABI:
        return daemons.Hidden((), user_namespace=False), ""
    found = [path for _, path in daemons.daemon_sockets()]
    if not found:
        return daemons.Hidden((), user_namespace=False), ""
    try:
        hidden = daemons.hide(found)
    except OSError as error:
        log.debug("daemon sockets not hidden: %s", error.strerror)
        return None, str(error.strerror)
    layers.append(f"{hidden.how} hiding {len(hidden.paths)} daemon socket(s)")
    return hidden, ""


def _drop_capabilities(support: KernelSupport, *, every: bool, layers: list[str]) -> None:
    """As root, drop the dangerous capabilities; in a user namespace of our own, all."""
    if not (support.root or every):
        return
    try:
        dropped = capabilities.drop(every=every)
    except OSError as error:
        log.warning("capabilities not dropped: %s", error.strerror)
        return
    if dropped and not every:
        layers.append(f"root without {len(dropped)} capabilities (network admin, mounts, "
                      "ptrace ...)")


def _install_seccomp(support: KernelSupport, *, allow_tcp: bool, allow_listen: bool,
                     problems: list[str]) -> bool:
    if support.seccomp_problem is not None:
        problems.append(f"no kernel network filter: {support.seccomp_problem}")
        return False
    try:
        seccomp.install_filter(seccomp.network_rules(allow_tcp=allow_tcp,
                                                     allow_listen=allow_listen))
    except seccomp.SeccompError as error:
        problems.append(f"the kernel network filter could not be loaded: {error.strerror}")
        return False
    return True


def _install_landlock(support: KernelSupport, allow: NetworkAllowance | None, *,
                      layers: list[str], problems: list[str]) -> bool:
    """A Landlock domain for every command; its TCP rules name the allowance's ports."""
    abi = support.landlock_abi
    if allow is not None and abi < landlock.NET_ABI:
        problems.append(f"no Landlock TCP rules (kernel ABI {abi}, needs "
                        f"{landlock.NET_ABI}: Linux 6.7): ports are checked by the Python guard "
                        "only")
    if abi < 1:
        return False
    bind = allow.listen_ports if allow is not None else ()
    connect = allow.peer_ports if allow is not None else ()
    ruleset = landlock.sandbox_ruleset(abi, bind_ports=bind, connect_ports=connect,
                                       unix_sockets=daemons.sound_sockets())
    try:
        landlock.restrict_self(ruleset, abi=abi)
    except landlock.LandlockError as error:
        problems.append(str(error.strerror))
        return False
    layers.append(_describe_landlock(abi, bind, connect))
    return True


def _describe_landlock(abi: int, bind: tuple[int, ...], connect: tuple[int, ...]) -> str:
    parts = ["no other process's memory"]
    if abi >= landlock.NET_ABI and (bind or connect):
        parts.append(f"TCP bind to port {_ports(bind)} only, connect to port {_ports(connect)} "
                     "only")
    elif abi >= landlock.NET_ABI:
        parts.append("no TCP bind or connect")
    if abi >= landlock.SCOPE_ABI:
        parts.append("no abstract unix socket or signal outside")
    if abi >= landlock.RESOLVE_UNIX_ABI:
        parts.append("no unix socket file but the sound server's")
    return f"Landlock ABI {abi}: " + ", ".join(parts)


def _ports(ports: tuple[int, ...]) -> str:
    return ", ".join(map(str, ports)) if ports else "none"


def seal_listeners() -> bool:
    """Once a server's listeners are up: no `listen()` from now on, in any thread (a
    second seccomp filter, stacked for good). False where no kernel filter is installed."""
    if _status.level != LEVEL_KERNEL:
        return False
    seccomp.install_filter(seccomp.listen_seal())
    log.debug("listen() sealed")
    return True


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

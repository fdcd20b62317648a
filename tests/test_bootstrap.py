"""scripts/bootstrap.sh: how llama-cpp-python is built for this CPU, and what happens when
the chat model crashes on it.

The shell functions run for real in bash. What would take minutes or need another CPU is
replaced the way a packager would replace it, through the environment: the smoke test by
small scripts (one kills itself with SIGILL, as an AMX kernel does on a Xeon that does not
allow it) and the build by a script that records what it was asked to build.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


class Lab:
    """A throw-away venv folder (its python is this interpreter) and the stand-ins."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.venv = tmp / "venv"
        (self.venv / "bin").mkdir(parents=True)
        (self.venv / "bin" / "python").symlink_to(sys.executable)
        self.builds = tmp / "builds.log"
        self.install = self.script("install", f'echo "$1" >> "{self.builds}"')

    def script(self, name: str, body: str) -> Path:
        path = self.tmp / f"{name}.sh"
        path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        path.chmod(0o755)
        return path

    def crashing(self, *, until_portable: bool = False) -> Path:
        """A smoke test that dies of SIGILL (until a portable build was made, if asked)."""
        check = f'grep -q portable "{self.builds}" 2>/dev/null && exit 0\n' \
            if until_portable else ""
        return self.script("smoke", f"{check}echo 'loading the chat model' >&2\nkill -s ILL $$")

    def bash(self, commands: str, *, smoke: Path | None = None,
             **env: str) -> subprocess.CompletedProcess[str]:
        environment = {**os.environ, "ASSISTANT_VENV": str(self.venv),
                       "ASSISTANT_LLAMA_INSTALL": str(self.install),
                       "PYTHONPATH": str(ROOT), **env}
        environment.pop("ASSISTANT_LLAMA_BUILD", None)
        environment.update(env)
        if smoke is not None:
            environment["ASSISTANT_SMOKE_COMMAND"] = str(smoke)
        return subprocess.run(["bash", "-c", f'set -euo pipefail\nsource "{ROOT}/scripts/'
                               f'bootstrap.sh"\n{commands}'], capture_output=True, text=True,
                              env=environment, timeout=120)

    def built(self) -> list[str]:
        return self.builds.read_text().split() if self.builds.exists() else []


@pytest.fixture
def lab(tmp_path: Path) -> Lab:
    return Lab(tmp_path)


# -- a crash by signal: named, one portable rebuild, then a verdict --------------------------

def test_sigill_is_named_and_one_portable_rebuild_fixes_it(lab: Lab) -> None:
    result = lab.bash("llama_check", smoke=lab.crashing(until_portable=True))
    assert result.returncode == 0, result.stderr
    assert "the chat smoke test died of SIGILL: illegal instruction: llama-cpp-python was " \
           "built with instructions this CPU cannot run" in result.stderr
    assert "rebuilding llama-cpp-python once with a portable baseline" in result.stderr
    assert "the portable build works on this CPU" in result.stderr
    assert lab.built() == ["portable"]
    # remembered for this CPU: the next run keeps the portable build instead of going back
    again = lab.bash("llama_env; llama_kind; llama_check", smoke=lab.crashing(until_portable=True))
    assert again.returncode == 0, again.stderr
    assert again.stdout.split() == ["portable"] and lab.built() == ["portable"]


def test_a_crash_that_survives_the_portable_build_gives_up_with_a_fix(lab: Lab) -> None:
    result = lab.bash("llama_check", smoke=lab.crashing())
    assert result.returncode == 1
    assert lab.built() == ["portable"], "exactly one portable rebuild"
    lines = [line for line in result.stderr.splitlines() if "giving up" in line]
    assert len(lines) == 1, result.stderr
    assert "Fix: report it with the output of" in lines[0] and "assistant doctor" in lines[0]
    assert result.stderr.count("died of SIGILL") == 2  # the native build, then the portable one


def test_an_asked_for_portable_build_that_crashes_is_not_rebuilt(lab: Lab) -> None:
    result = lab.bash("llama_check", smoke=lab.crashing(), ASSISTANT_LLAMA_BUILD="portable")
    assert result.returncode == 1 and lab.built() == []
    assert "died of SIGILL" in result.stderr and "giving up" in result.stderr


@pytest.mark.parametrize(("signal", "cause", "fix"), [
    ("SEGV", "memory fault in the native library", "models fetch --force"),
    ("KILL", "out-of-memory killer", "Fix: free memory"),
])
def test_other_signals_have_their_own_cause_and_fix(lab: Lab, signal: str, cause: str,
                                                    fix: str) -> None:
    smoke = lab.script("smoke", f"kill -s {signal} $$")
    result = lab.bash("llama_check", smoke=smoke)
    assert f"died of SIG{signal}: " in result.stderr and cause in result.stderr
    assert fix in result.stderr.splitlines()[-1]
    assert result.returncode == 1 and lab.built() == ["portable"]


def test_a_failure_without_a_signal_is_reported_and_not_rebuilt(lab: Lab) -> None:
    smoke = lab.script("smoke", "echo 'error: model smollm2 is not installed' >&2; exit 1")
    result = lab.bash("llama_check", smoke=smoke)
    assert result.returncode == 1 and lab.built() == []
    assert "error: model smollm2 is not installed" in result.stderr
    assert "the chat smoke test failed (exit status 1" in result.stderr


def test_a_passing_smoke_test_changes_nothing(lab: Lab) -> None:
    result = lab.bash("llama_check", smoke=lab.script("smoke", "exit 0"))
    assert result.returncode == 0 and lab.built() == []


# -- the build: for this CPU, recorded, rebuilt when the CPU or the flags change ------------

def test_the_build_is_stamped_with_the_cpu_and_redone_on_another_one(lab: Lab) -> None:
    assert lab.bash("llama_env").returncode == 0
    assert lab.built() == ["native"]
    stamp = (lab.venv / ".assistant-llama").read_text()
    fingerprint = lab.bash("cpu_fingerprint").stdout.strip()
    assert f"cpu={fingerprint}" in stamp and "-DLLAVA_BUILD=OFF" in stamp
    assert "llama-cpp-python 0.3" in stamp
    assert lab.bash("llama_env").returncode == 0
    assert lab.built() == ["native"], "a set-up venv on the same CPU is not rebuilt"
    # the cached venv moves to another CPU
    (lab.venv / ".assistant-llama").write_text(stamp.replace(fingerprint, "0123456789abcdef"))
    assert lab.bash("llama_env").returncode == 0
    assert lab.built() == ["native", "native"]
    # or the build asked for changes
    assert lab.bash("llama_env", ASSISTANT_LLAMA_BUILD="portable").returncode == 0
    assert lab.built() == ["native", "native", "portable"]


def test_the_cpu_fingerprint_covers_model_and_flags(lab: Lab) -> None:
    fingerprint = lab.bash("cpu_fingerprint").stdout.strip()
    assert len(fingerprint) == 16 and int(fingerprint, 16) >= 0
    assert lab.bash("cpu_fingerprint").stdout.strip() == fingerprint
    cpuinfo = Path("/proc/cpuinfo").read_text()
    assert any(line.lower().startswith(("flags", "features")) for line in cpuinfo.splitlines())


def flags(lab: Lab, kind: str, arch: str) -> tuple[str, str]:
    result = lab.bash(f'llama_build_flags {kind} {arch}\necho "$LLAMA_CMAKE_ARGS"\n'
                      'echo "$LLAMA_CFLAGS"')
    assert result.returncode == 0, result.stderr
    cmake, cflags = (result.stdout.split("\n") + [""])[:2]
    return cmake, cflags


def test_build_flags_for_each_architecture(lab: Lab) -> None:
    cmake, cflags = flags(lab, "native", "x86_64")
    assert "-DGGML_NATIVE=ON" in cmake and "-DLLAVA_BUILD=OFF" in cmake
    for option in ("AMX_TILE", "AMX_INT8", "AMX_BF16"):
        assert f"-DGGML_{option}=OFF" in cmake
    cmake, cflags = flags(lab, "portable", "x86_64")
    assert "-DGGML_NATIVE=OFF" in cmake and cflags == ""
    for option in ("AVX", "AVX2", "AVX512", "FMA", "F16C", "AMX_TILE", "AMX_INT8"):
        assert f"-DGGML_{option}=OFF" in cmake
    assert flags(lab, "native", "aarch64") == ("-DLLAVA_BUILD=OFF -DGGML_NATIVE=ON", "")
    assert flags(lab, "portable", "aarch64") == (
        "-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_CPU_ARM_ARCH=armv8-a", "")
    wrong = lab.bash("llama_build_flags fast x86_64")
    assert wrong.returncode == 1 and "native or portable" in wrong.stderr


@pytest.mark.skipif(platform.machine() != "x86_64", reason="x86-64 compiler flags")
@pytest.mark.parametrize("compiler", ["cc", "c++"])
def test_the_native_flags_switch_amx_off_even_for_an_amx_cpu(lab: Lab, compiler: str) -> None:
    """What -march=native means on a Sapphire Rapids Xeon, plus bootstrap's flags: no AMX
    left for the preprocessor (ggml's AMX kernels need __AMX_INT8__), whatever the order."""
    if shutil.which(compiler) is None:
        pytest.fail(f"no {compiler}: sudo apt-get install build-essential")
    _, cflags = flags(lab, "native", "x86_64")
    assert {"-mno-amx-tile", "-mno-amx-int8", "-mno-amx-bf16"} <= set(cflags.split())
    language = "c" if compiler == "cc" else "c++"

    def amx_macros(*options: str) -> list[str]:
        out = subprocess.run([compiler, *options, "-dM", "-E", "-x", language, "/dev/null"],
                             capture_output=True, text=True, check=True).stdout
        return sorted(line.split()[1] for line in out.splitlines() if "__AMX" in line)

    assert "__AMX_INT8__" in amx_macros("-march=sapphirerapids")
    assert amx_macros("-march=sapphirerapids", *cflags.split()) == []
    assert amx_macros(*cflags.split(), "-march=sapphirerapids") == []

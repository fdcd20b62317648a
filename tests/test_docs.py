"""The README and the documentation site stay true: the README is short and opens with the
two commands, its links and the paths the pages name exist, every config key and every
command is documented, and the site builds strictly without loading anything from
another host."""

from __future__ import annotations

import glob
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.test_project import pins

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_LIMIT_BYTES = 12 * 1024

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
REPO_PATH = re.compile(r"^(?:assistant|scripts|tests|benchmarks|docs|models|\.ci)/[\w./*-]*$")
TEST_FILE = re.compile(r"^test_[\w*]+\.py$")


def pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def prose(path: Path) -> str:
    """The Markdown of `path` without its fenced code blocks."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def slug(heading: str) -> str:
    """The anchor Python-Markdown (MkDocs) and GitHub give a heading."""
    text = re.sub(r"[`*_]", "", heading)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(path: Path) -> set[str]:
    return {slug(m.group(1)) for m in re.finditer(r"^#+\s+(.+)$", prose(path), re.M)}


def test_readme_is_short() -> None:
    size = len(README.read_bytes())
    assert size <= README_LIMIT_BYTES, \
        f"README.md is {size} bytes; at most {README_LIMIT_BYTES}: move depth into docs/"


def test_readme_opens_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    title, _, rest = text.partition("\n")
    assert title.startswith("# ")
    first = re.match(r"\s*```sh\n(.*?)\n```", rest, re.S)
    assert first, "the first thing after the title must be the sh block with the two commands"
    commands = [line.split("#")[0].strip() for line in first.group(1).splitlines()]
    assert commands == ["scripts/run.sh", "scripts/test.sh"]
    for command in commands:
        assert os.access(ROOT / command, os.X_OK), f"{command} is not an executable file"


def test_every_relative_link_in_the_readme_exists() -> None:
    links = LINK.findall(prose(README))
    assert len(links) >= 10
    for link in links:
        if re.match(r"^[a-z]+:", link):
            continue
        target, _, anchor = link.partition("#")
        path = (ROOT / target).resolve()
        assert path.exists(), f"README.md links to {link}, which does not exist"
        if anchor and path.suffix == ".md":
            assert anchor in anchors(path), f"README.md links to {link}: no such heading"


def test_the_paths_the_pages_name_exist() -> None:
    for path in [README, *pages()]:
        for span in CODE_SPAN.findall(prose(path)):
            if TEST_FILE.match(span):
                span = f"tests/{span}"
            elif not REPO_PATH.match(span):
                continue
            found = glob.glob(str(ROOT / span)) if "*" in span else [str(ROOT / span)]
            assert found and all(Path(f).exists() for f in found), \
                f"{path.name} names `{span}`, which is not in the repository"


def test_every_key_of_the_example_config_is_in_the_configuration_page() -> None:
    example = tomllib.loads((ROOT / "assistant.example.toml").read_text(encoding="utf-8"))
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## `\[(\w+)\]`[^\n]*\n(.*?)(?=^## |\Z)", page, re.S | re.M))
    top = page.split("## Top-level keys", 1)[1].split("\n## ", 1)[0]
    for key, value in example.items():
        if isinstance(value, dict):
            assert key in sections, f"docs/configuration.md has no section for [{key}]"
            for name in value:
                assert f"| `{name}` |" in sections[key], \
                    f"docs/configuration.md does not document {key}.{name}"
        else:
            assert f"| `{key}` |" in top, f"docs/configuration.md does not document {key}"


def test_every_command_is_in_the_commands_page() -> None:
    result = subprocess.run([sys.executable, "-m", "assistant", "--help"], capture_output=True,
                            text=True, cwd=ROOT, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split("COMMAND\n", 2)[-1].split("\noptions:")[0]
    commands = re.findall(r"^ {4}(\w+) ", listed, re.M)
    assert "run" in commands and "models" in commands
    page = (DOCS / "commands.md").read_text(encoding="utf-8")
    for command in commands:
        assert re.search(rf"^### `assistant {command}\b", page, re.M), \
            f"docs/commands.md has no section for `assistant {command}`"


def test_the_docs_extra_is_pinned_inside_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = pins()
    for text in project["optional-dependencies"]["docs"]:
        requirement = Requirement(text)
        version = pinned.get(canonicalize_name(requirement.name))
        assert version and requirement.specifier.contains(version), \
            f"constraints.txt must pin {requirement.name} inside {requirement.specifier}"


def test_the_site_builds_strictly_and_loads_nothing_from_elsewhere(tmp_path: Path) -> None:
    try:
        import mkdocs  # noqa: F401
    except ImportError:
        message = "mkdocs is not installed (pip install -e '.[docs]' -c constraints.txt)"
        if os.environ.get("ASSISTANT_REQUIRE_MODELS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    site = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                             "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(site)],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    built = {p.relative_to(site).parts[0] for p in site.glob("*/index.html")}
    assert built == {p.stem for p in pages() if p.stem != "index"}
    outside = re.compile(r"<(?:script|link|img)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I)
    for html in site.rglob("*.html"):
        found = outside.search(html.read_text(encoding="utf-8"))
        assert not found, f"{html.relative_to(site)} loads {found.group(0)}..."

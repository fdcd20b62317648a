"""The house's floors (docs/architecture.md): a module imports only from its own floor or
below. Read from the code itself (every import statement, inside functions too), so a new
upward import fails here before it tangles the house."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FLOORS: list[tuple[str, tuple[str, ...]]] = [
    ("ground", ("__init__", "errors", "atomic", "toml_file", "yaml_file", "audio", "wav",
                "extras", "sentences", "addresses", "saved_json", "logs")),
    ("config", ("config", "config_check", "config_home", "config_llm", "config_place",
                "profiles")),
    ("infra", ("scheduling", "models", "sandbox")),
    ("engines", ("engines", "home", "knowledge", "places")),
    ("skills", ("intents", "skills")),
    ("language", ("language",)),
    ("loop", ("loop",)),
    ("endpoints", ("sound", "server", "testmode", "retention")),
    ("assembly", ("assembly", "everyday_setup", "knowledge_setup", "doctor", "loading",
                  "warm_up")),
    ("cli", ("cli", "__main__")),
]
"""Bottom to top; each name is a top-level module or package of `assistant`."""
FLOOR = {name: level for level, (_, names) in enumerate(FLOORS) for name in names}


def top_name(module: str) -> str | None:
    """"assistant.loop.router" -> "loop"; None for another package."""
    parts = module.split(".")
    if parts[0] != "assistant":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names
                      if node.module == "assistant"]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def test_every_module_has_a_floor() -> None:
    names = {p.stem if p.is_file() else p.name for p in (ROOT / "assistant").iterdir()
             if (p.suffix == ".py" or (p / "__init__.py").exists())}
    assert names - set(FLOOR) == set(), "give these a floor in FLOORS and the docs"


def test_no_module_imports_a_floor_above_its_own() -> None:
    upward = []
    for path in sorted((ROOT / "assistant").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        mine = FLOOR[top_name(module) or ""]
        for line, imported in imports(path):
            name = top_name(imported)
            if name is not None and name in FLOOR and FLOOR[name] > mine:
                upward.append(f"{path.relative_to(ROOT)}:{line}: {module} ({FLOORS[mine][0]}) "
                              f"imports {imported} ({FLOORS[FLOOR[name]][0]})")
    assert not upward, "\n".join(upward)


def test_the_architecture_page_names_the_floors_in_order() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    positions = [page.find(f"\n {name}") for name, _ in reversed(FLOORS)]
    assert -1 not in positions, "docs/architecture.md: a floor is missing from the picture"
    assert positions == sorted(positions), "docs/architecture.md: the floors are out of order"

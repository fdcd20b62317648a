"""Download progress on stderr, drawn by tqdm (as pip and the Hugging Face tools do).

On a terminal tqdm redraws one line. Otherwise (a log file, CI) whole lines are
written, only at every quarter of the download, or every 10 s when the total is
unknown, so logs stay short.
"""

from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm

_QUIET_PERIOD_S = 10.0


def progress_bar(label: str, total: int | None, *, stream: TextIO | None = None,
                 enabled: bool = True) -> tqdm:
    """A byte counter for one download of `total` bytes (None = unknown), labelled `label`;
    `update(count)` adds bytes, closing it (or leaving its `with`) ends the line."""
    stream = stream if stream is not None else sys.stderr
    common = {"desc": f"  {label}", "total": total, "unit": "B", "unit_scale": True,
              "unit_divisor": 1000, "disable": not enabled}
    if _isatty(stream):
        return tqdm(file=stream, **common)
    counted = "{n_fmt}B/{total_fmt}B {percentage:3.0f}%" if total else "{n_fmt}B"
    return tqdm(file=_Lines(stream), bar_format="{desc}  " + counted, ascii=True,
                mininterval=0.0 if total else _QUIET_PERIOD_S,
                miniters=max(1, total // 4) if total else 1, **common)


class _Lines:
    """tqdm's redraws as whole lines, each written once (no carriage returns in logs)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._last = ""

    def write(self, text: str) -> None:
        line = text.strip("\r\n ")
        if line and line != self._last:
            self._stream.write(f"  {line}\n")
            self._last = line

    def flush(self) -> None:
        self._stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False

"""A small download progress bar on stderr.

On a terminal the line is redrawn at most ten times a second; otherwise (a log file, CI)
a line is printed only at every quarter of the download, or every 10 s when the total
is unknown, so logs stay short.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

_MB = 1_000_000
_REDRAW_S = 0.1
_QUIET_PERIOD_S = 10.0


class Progress:
    """Bytes done out of `total` (None = unknown) for one download, labelled `label`."""

    def __init__(self, label: str, total: int | None, *, stream: TextIO | None = None,
                 enabled: bool = True) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        self._enabled = enabled
        self._tty = enabled and _isatty(self._stream)
        self._last_draw = 0.0 if self._tty else time.monotonic()
        self._next_quarter = 1
        self._closed = False

    def update(self, count: int) -> None:
        """Add `count` bytes done; redraw if it is time to."""
        self.done += count
        if not self._enabled:
            return
        now = time.monotonic()
        if self._tty:
            if now - self._last_draw >= _REDRAW_S:
                self._draw("\r", "")
                self._last_draw = now
        elif self.total:
            quarter = self.done * 4 // self.total
            if quarter >= self._next_quarter and self.done < self.total:
                self._draw("", "\n")
                self._next_quarter = quarter + 1
        elif now - self._last_draw >= _QUIET_PERIOD_S:
            self._draw("", "\n")
            self._last_draw = now

    def close(self) -> None:
        """Draw the final state and end the line (once)."""
        if self._closed:
            return
        self._closed = True
        if self._enabled:
            self._draw("\r" if self._tty else "", "\n")

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def text(self) -> str:
        """The progress line without control characters."""
        done = f"{self.done / _MB:.1f}"
        if not self.total:
            return f"  {self.label}  {done} MB"
        fraction = min(1.0, self.done / self.total)
        bar = "#" * int(fraction * 24)
        return (f"  {self.label}  [{bar:<24}] {done}/{self.total / _MB:.1f} MB "
                f"{fraction * 100:3.0f}%")

    def _draw(self, start: str, end: str) -> None:
        self._stream.write(f"{start}{self.text()}{end}")
        self._stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False

"""Percentiles and summaries of measured values (no numpy needed)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any


def percentile(values: Iterable[float | None], q: float) -> float | None:
    """The `q`-th percentile (0-100) by linear interpolation between closest ranks, the
    method numpy uses by default; None values are ignored; None for no values."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be between 0 and 100, got {q}")
    data = sorted(float(v) for v in values if v is not None)
    if not data:
        return None
    position = (len(data) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (position - low)


def summarize(values: Iterable[float | None], *, digits: int = 1) -> dict[str, Any]:
    """n, p50, p90, mean, min and max of the values (None when there are none)."""
    data = [float(v) for v in values if v is not None]

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, digits)

    return {
        "n": len(data),
        "p50": rounded(percentile(data, 50)),
        "p90": rounded(percentile(data, 90)),
        "mean": rounded(sum(data) / len(data)) if data else None,
        "min": rounded(min(data)) if data else None,
        "max": rounded(max(data)) if data else None,
    }

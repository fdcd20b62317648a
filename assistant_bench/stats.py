"""Summaries of measured values: count, p50, p90, mean, min and max."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def summarize(values: Iterable[float | None], *, digits: int = 1) -> dict[str, Any]:
    """n, p50, p90, mean, min and max of the values, None values ignored (all None when
    there are none). Percentiles interpolate linearly between the closest ranks (numpy's
    default "linear" method, Hyndman and Fan's type 7): the p50 of 1, 2, 3, 4 is 2.5."""
    data = np.array([float(v) for v in values if v is not None])
    if not data.size:
        return {"n": 0, "p50": None, "p90": None, "mean": None, "min": None, "max": None}
    p50, p90 = np.percentile(data, [50, 90], method="linear")
    figures = {"p50": p50, "p90": p90, "mean": data.mean(), "min": data.min(),
               "max": data.max()}
    return {"n": int(data.size), **{k: round(float(v), digits) for k, v in figures.items()}}

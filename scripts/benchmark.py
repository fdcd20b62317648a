#!/usr/bin/env python3
"""Benchmark the assistant on this machine; the same as `assistant bench`.

    ASSISTANT_MODELS_DIR=/path/to/models .venv/bin/python scripts/benchmark.py --reps 5

Writes benchmarks/<machine>/results.json, table.md and chart.png (see --help).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run from a checkout without installing: the package is next to this folder.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant_bench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

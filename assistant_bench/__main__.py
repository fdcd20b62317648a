"""`python -m assistant_bench`: the benchmark without the `assistant` command."""

import sys

from assistant_bench.cli import main

sys.exit(main(prog="python -m assistant_bench"))

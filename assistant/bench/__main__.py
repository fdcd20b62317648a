"""`python -m assistant.bench`: the benchmark without the `assistant` command."""

import sys

from assistant.bench.cli import main

sys.exit(main())

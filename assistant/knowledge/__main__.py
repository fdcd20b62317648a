"""`python -m assistant.knowledge`: build the knowledge database now (scripts/bootstrap.sh
does, after fetching the models), so the first start does not spend the seconds on it.

Prints where the database is, its size and how long the build took; a database already
built for these sources is only opened. Exit status 1, with the fix, when a data set is
missing.
"""

from __future__ import annotations

import argparse
import sys
import time

from assistant.config import load_config
from assistant.errors import AssistantError
from assistant.knowledge.database import (
    KnowledgeSources,
    database_path,
    default_cache_dir,
    open_database,
)
from assistant.models import ModelStore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.knowledge",
                                     description="Build the knowledge database.")
    parser.add_argument("--config", metavar="FILE", help="TOML config file (as for assistant)")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        sources = KnowledgeSources.from_store(ModelStore.from_config(config.models))
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    cache = default_cache_dir()
    start = time.perf_counter()
    open_database(sources, cache, say=lambda line: print(line, file=sys.stderr)).close()
    path = database_path(sources, cache)
    print(f"knowledge database: {path} ({path.stat().st_size / 2**20:.0f} MB, "
          f"{time.perf_counter() - start:.1f} s; WordNet "
          f"{'included' if sources.wordnet else 'missing: apt-get install wordnet-base'}, "
          f"encyclopedia {'included' if sources.summaries else 'not fetched'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

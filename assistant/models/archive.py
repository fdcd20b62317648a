"""Safe extraction of zip and tar archives (wheels included) into a staging folder.

Every member is checked before anything is written from it: absolute names, `..`,
symbolic and hard links, devices, and names that would resolve outside the destination
are refused, and the whole archive with them. Only members under `strip` are extracted
(without that prefix), and each file is hashed while it is written.
"""

from __future__ import annotations

import hashlib
import lzma
import os
import re
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import IO

from assistant.models.registry import MANIFEST_NAME, ModelFile

_CHUNK = 1 << 20
_READ_ERRORS = (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError,
                NotImplementedError, RuntimeError, OSError)
_COMPRESSED_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


class ArchiveError(Exception):
    """The archive is unsafe, corrupt or lacks a needed member; the message says which."""


def extract_zip(archive: Path, dest: Path, *, strip: str = "",
                wanted: dict[str, int | None] | None = None,
                budget: int | None = None) -> list[ModelFile]:
    """Extract a zip's regular files under `strip` into `dest`.

    `wanted` maps each needed path (relative to `strip`) to its size in bytes (None =
    unknown); other members are skipped. None = every file under `strip`. `budget`: the
    most bytes all files together may unpack to (None: no bound beyond `wanted`'s sizes).
    """
    writer = _Writer(dest, strip, wanted, budget)
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = []
            for info in bundle.infolist():
                path = member_path(info.filename)
                kind = stat.S_IFMT(info.external_attr >> 16)
                if kind == stat.S_IFLNK:
                    raise _refuse(info.filename, "it is a symbolic link")
                if info.is_dir() or not path:
                    continue
                if kind not in (0, stat.S_IFREG):
                    raise _refuse(info.filename, "it is a device or special file")
                members.append((path, info))
            for path, info in members:
                relative = writer.select(path, info.filename)
                if relative is not None:
                    with bundle.open(info) as source:
                        writer.write(relative, source, info.filename)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise _corrupt(error) from None
    return writer.finish()


def extract_tar(archive: Path, dest: Path, *, strip: str = "",
                wanted: dict[str, int | None] | None = None,
                budget: int | None = None) -> list[ModelFile]:
    """Extract a tar's (plain, gz, bz2 or xz) regular files under `strip` into `dest`.

    `wanted` and `budget` as for `extract_zip`.
    """
    writer = _Writer(dest, strip, wanted, budget)
    try:
        with tarfile.open(archive, "r:*") as bundle:
            for member in iter(bundle.next, None):
                path = member_path(member.name)
                if member.issym() or member.islnk():
                    raise _refuse(member.name, f"it is a link (to {member.linkname!r})")
                if member.isdir() or not path:
                    continue
                if not member.isfile():
                    raise _refuse(member.name, "it is a device or special file")
                relative = writer.select(path, member.name)
                source = bundle.extractfile(member) if relative is not None else None
                if relative is not None and source is not None:
                    writer.write(relative, source, member.name)
            end = bundle.offset
    except _READ_ERRORS as error:  # writer.write raises only ArchiveError
        raise _corrupt(error) from None
    _check_tar_end(archive, end)
    return writer.finish()


def member_path(name: str) -> str:
    """The normalised relative path of an archive member ("" for the top folder).

    Raises ArchiveError naming the member when it is absolute or climbs out with "..".
    """
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        raise _refuse(name, "its path is absolute")
    if "\\" in name or "\0" in name:
        raise _refuse(name, "its path has a backslash or NUL character")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise _refuse(name, "its path contains '..'")
    return "/".join(parts)


class _Writer:
    """Writes selected members into the destination, hashing them, exactly once each."""

    def __init__(self, dest: Path, strip: str, wanted: dict[str, int | None] | None,
                 budget: int | None = None) -> None:
        self.root = os.path.realpath(dest)
        self.strip = strip
        self.wanted = wanted
        self.budget = budget
        self.written = 0
        self.files: dict[str, ModelFile] = {}

    def select(self, path: str, name: str) -> str | None:
        """The path to extract `path` to, relative to the destination; None = skip it."""
        if not path.startswith(self.strip):
            return None
        relative = path[len(self.strip):]
        if not relative or (self.wanted is not None and relative not in self.wanted):
            return None
        if relative == MANIFEST_NAME:
            raise _refuse(name, f"the name {MANIFEST_NAME} is reserved")
        if relative in self.files:
            raise _refuse(name, "it appears twice")
        return relative

    def write(self, relative: str, source: IO[bytes], name: str) -> None:
        target = os.path.realpath(os.path.join(self.root, relative))
        if not target.startswith(self.root + os.sep):
            raise _refuse(name, "it would be written outside the model folder")
        limit = self.wanted.get(relative) if self.wanted else None
        digest = hashlib.sha256()
        size = 0
        try:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            out = open(target, "xb")  # noqa: SIM115 - "x": never overwrite or follow links
        except OSError as error:
            raise ArchiveError(f"cannot write {relative}: {error}") from None
        with out:
            while True:
                try:
                    chunk = source.read(_CHUNK)
                except _READ_ERRORS as error:
                    raise _corrupt(error) from None
                if not chunk:
                    break
                size += len(chunk)
                self.written += len(chunk)
                if limit is not None and size > limit:
                    raise ArchiveError(f"{relative}: larger than the expected {limit} bytes")
                if self.budget is not None and self.written > self.budget:
                    raise ArchiveError(f"the archive unpacks to more than {self.budget} bytes "
                                       f"(at {relative}): refused as a likely archive bomb")
                digest.update(chunk)
                try:
                    out.write(chunk)
                except OSError as error:
                    raise ArchiveError(f"cannot write {relative}: {error}") from None
        self.files[relative] = ModelFile(path=relative, size=size, sha256=digest.hexdigest())

    def finish(self) -> list[ModelFile]:
        if self.wanted is not None:
            missing = [path for path in self.wanted if path not in self.files]
            if missing:
                more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
                raise ArchiveError(f"the archive has no member {self.strip + missing[0]!r}{more}")
        if not self.files:
            raise ArchiveError(f"the archive holds no files under {self.strip or '/'!r}")
        return list(self.files.values())


def _check_tar_end(archive: Path, offset: int) -> None:
    """Refuse a plain tar cut at a member boundary: tarfile would stop there silently.

    Compressed tars need no check: their decompressor notices a missing end.
    """
    with archive.open("rb") as stream:
        if stream.read(6).startswith(_COMPRESSED_MAGIC):
            return
        stream.seek(offset)
        if stream.read(tarfile.BLOCKSIZE) != bytes(tarfile.BLOCKSIZE):
            raise ArchiveError("archive is truncated or corrupt (no end-of-archive marker)")


def _refuse(name: str, why: str) -> ArchiveError:
    return ArchiveError(f"refused archive member {name!r}: {why}")


def _corrupt(error: BaseException) -> ArchiveError:
    detail = str(error) or type(error).__name__
    return ArchiveError(f"archive is truncated or corrupt ({detail})")

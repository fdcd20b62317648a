"""Offline models: the registry of what exists, the store on disk, and the fetcher.

Engines call `ModelStore.from_config(config.models).require(model_id)` for the path to
load; only `assistant models fetch` (`assistant.models.fetch.fetch_models`) ever touches
the network, and only it imports the fetcher (HTTP, archives, progress bars).
"""

from assistant.models.registry import (
    ModelFile,
    ModelSpec,
    Registry,
    RegistryError,
    Source,
    load_registry,
)
from assistant.models.store import Manifest, ModelStore

__all__ = [
    "Manifest",
    "ModelFile",
    "ModelSpec",
    "ModelStore",
    "Registry",
    "RegistryError",
    "Source",
    "load_registry",
]

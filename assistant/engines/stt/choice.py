"""Which recognizer to use: `auto` picks Vosk when a Vosk model for the configured
language and the vosk extra are installed, else Whisper (faster-whisper, int8 on the CPU)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.errors import MissingModelError
from assistant.extras import installed

if TYPE_CHECKING:
    from assistant.config import SttConfig
    from assistant.models import ModelSpec, ModelStore


@dataclass(frozen=True)
class EngineChoice:
    """Which recognizer `auto` (or an explicit choice) resolves to, and why."""

    engine: str
    model_id: str
    reason: str


def choose_engine(config: SttConfig, store: ModelStore, *, language: str,
                  engine: str | None = None, model_id: str | None = None,
                  has_module: Callable[[str], bool] = installed) -> EngineChoice:
    """Resolve the engine and model for `language` (a recognizer language code: "en",
    "zh", "ko") from config and installed models, without loading. `auto` passes over a
    Vosk model when the `vosk` package is missing (`has_module`)."""
    engine = engine or config.engine.value
    model_id = model_id or config.model
    if model_id:
        spec = store.registry.get(model_id)
        if spec.role != "stt":
            raise MissingModelError(f"model {model_id} is a {spec.role} model, not a recognizer")
        if engine not in ("auto", spec.engine):
            raise MissingModelError(f"model {model_id} is a {spec.engine} model, not {engine}")
        return EngineChoice(spec.engine, model_id, f"model {model_id} was asked for")

    def first(kind: str) -> ModelSpec | None:
        found = store.installed(role="stt", engine=kind, language=language)
        return found[0] if found else None

    vosk_missing = ""
    if engine in ("auto", "vosk"):
        vosk = first("vosk")
        if vosk is not None and engine == "auto" and not has_module("vosk"):
            vosk_missing = (f"the Vosk model {vosk.id} is installed but not the vosk extra "
                            "(pip install 'assistant[vosk]')")
        elif vosk is not None:
            why = (f"a Vosk model for language {language!r} is installed ({vosk.id})"
                   if engine == "auto" else "vosk was asked for")
            return EngineChoice("vosk", vosk.id, why)
        if engine == "vosk":
            candidates = [m.id for m in store.registry.models
                          if m.engine == "vosk" and m.speaks(language)]
            hint = (f"; fetch one with: assistant models fetch {candidates[0]}"
                    if candidates else "")
            raise MissingModelError(f"no Vosk model for language {language!r} is installed{hint}")
    whisper = first("whisper")
    if whisper is not None:
        no_vosk = vosk_missing or f"no Vosk model for language {language!r} is installed"
        why = (f"{no_vosk}, so the bundled Whisper model {whisper.id} is used"
               if engine == "auto" else "whisper was asked for")
        return EngineChoice("whisper", whisper.id, why)
    candidates = [m.id for m in store.registry.models
                  if m.engine == "whisper" and m.speaks(language)]
    if not candidates:
        raise MissingModelError(f"no speech recognizer is known for language {language!r}")
    raise MissingModelError(
        f"no speech recognizer for language {language!r} is installed; "
        f"fetch one with: assistant models fetch {candidates[0]}"
    )

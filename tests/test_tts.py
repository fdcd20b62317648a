"""The Piper voice's memory: a long sentence must not keep its memory for good."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import psutil

from assistant.engines.tts import LONG_SENTENCE_PHONEME_IDS, _BoundedArenaSession
from assistant.models import ModelStore
from tests import building


class RecordingSession:
    """Stands in for an ONNX Runtime session: notes the run options of each run."""

    def __init__(self) -> None:
        self.options: list[Any] = []
        self.providers = ["CPUExecutionProvider"]

    def run(self, output_names: Any, input_feed: dict[str, Any], run_options: Any = None) -> Any:
        self.options.append(run_options)
        return ["audio"]


def feed(ids: int) -> dict[str, Any]:
    return {"input": np.zeros((1, ids), dtype=np.int64),
            "input_lengths": np.array([ids], dtype=np.int64)}


def test_memory_is_given_back_only_after_a_long_sentence() -> None:
    inner = RecordingSession()
    session = _BoundedArenaSession(inner)
    assert session.run(None, feed(40)) == ["audio"]
    session.run(None, feed(LONG_SENTENCE_PHONEME_IDS))
    session.run(None, feed(LONG_SENTENCE_PHONEME_IDS + 1))
    mine = object()
    session.run(None, feed(LONG_SENTENCE_PHONEME_IDS * 2), mine)  # the caller's options win
    short, limit, long, given = inner.options
    assert short is None and limit is None and given is mine
    assert long is not None
    assert long.get_run_config_entry("memory.enable_memory_arena_shrinkage") == "cpu:0"
    assert session.providers == ["CPUExecutionProvider"]  # everything else passes through


def test_a_long_sentence_leaves_no_lasting_memory(real_store: ModelStore, tmp_path: Path
                                                  ) -> None:
    voice = building.english_voice(real_store)
    process = psutil.Process()
    clause = "the quick brown fox jumps over the lazy dog near the river bank"
    list(voice.synthesize(f"{clause.capitalize()}."))
    before = process.memory_info().rss / 2**20
    # one sentence of about 130 words (held on to, this took some 800 MB more)
    audio = list(voice.synthesize(", and ".join([clause] * 10).capitalize() + "."))
    after = process.memory_info().rss / 2**20
    assert sum(block.seconds for block in audio) > 30
    assert after - before < 250, f"{before:.0f} MB -> {after:.0f} MB"

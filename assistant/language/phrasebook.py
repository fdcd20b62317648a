"""A language's phrasebook: every outcome and every sentence the assistant says, as data.

`responses/` of a language pack (a YAML file per area, merged) maps each outcome class
name (the skills', the loop's, the server's) to a Jinja2 template, rendered with the
outcome's fields as variables. An entry may instead map variant names to templates
(`default` first): the caller asks for a variant ("late": a refusal said after a
confirmation expired). Besides `responses`, the files may hold `words` (lookup tables the
templates index, such as unit names) and `phrases` (snippets shared by templates, rendered
with `phrase(name, ...)`).
Numbers, times, dates and durations are said by the pack's filters (code hooks): the
templates never format a number themselves.

Templates run in Jinja2's immutable sandbox with strict undefined variables: a template
that names a field the outcome lacks fails loudly, in the tests, not mid-sentence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from assistant.errors import AssistantError
from assistant.yaml_file import read_yaml_tree

DEFAULT = "default"


class PhrasebookError(AssistantError):
    """A phrasebook that cannot be loaded or a template that cannot be rendered."""


class Phrasebook:
    """The compiled templates of one language; `say(outcome)` renders one."""

    def __init__(self, *, responses: Mapping[str, Mapping[str, Template]],
                 phrases: Mapping[str, Template], words: Mapping[str, Any],
                 tidy: Callable[[str], str], source: str = "") -> None:
        self._responses = responses
        self._phrases = phrases
        self.words = words
        self._tidy = tidy
        self.source = source
        self.filters: Mapping[str, Callable[..., Any]] = {}
        """The language's filters (number, time, ...), for words said outside a template."""

    @classmethod
    def load(cls, path: Path, *, filters: Mapping[str, Callable[..., Any]],
             tidy: Callable[[str], str]) -> Phrasebook:
        """Read and compile `path` (a file, or a folder of files merged: a file per area;
        an entry given twice is an error) with the language's `filters`; raises
        PhrasebookError naming the file and the entry for anything unusable."""
        data = read_yaml_tree(path, error=PhrasebookError)
        if not isinstance(data.get("responses"), dict):
            raise PhrasebookError(f"{path}: needs a `responses:` mapping")
        words = data.get("words") or {}
        phrases_data = data.get("phrases") or {}
        if not isinstance(words, dict) or not isinstance(phrases_data, dict):
            raise PhrasebookError(f"{path}: `words` and `phrases` must be mappings")
        responses: dict[str, dict[str, Template]] = {}
        phrases: dict[str, Template] = {}
        book = cls(responses=responses, phrases=phrases, words=words, tidy=tidy,
                   source=str(path))
        env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                                            keep_trailing_newline=False)
        env.filters.update(filters)
        book.filters = dict(filters)
        env.filters["each"] = book.each
        env.globals.update(words=words, phrase=book.phrase, say=book.say_within)

        def compile_one(where: str, text: Any) -> Template:
            if not isinstance(text, str):
                raise PhrasebookError(f"{path}: {where} must be a template string")
            try:
                return env.from_string(text)
            except TemplateError as error:
                raise PhrasebookError(f"{path}: {where}: {error}") from None

        for key, entry in data["responses"].items():
            variants = entry if isinstance(entry, dict) else {DEFAULT: entry}
            if DEFAULT not in variants:
                raise PhrasebookError(f"{path}: responses.{key} needs a `default` variant")
            responses[key] = {name: compile_one(f"responses.{key}.{name}", text)
                              for name, text in variants.items()}
        phrases.update({key: compile_one(f"phrases.{key}", text)
                        for key, text in phrases_data.items()})
        return book

    def keys(self) -> set[str]:
        """The outcome names this phrasebook can say."""
        return set(self._responses)

    def has(self, key: str) -> bool:
        return key in self._responses

    def say(self, outcome: Any, variant: str = DEFAULT) -> str:
        """`outcome` (a dataclass instance; its class name is the key) in words."""
        fields = {f.name: getattr(outcome, f.name) for f in dataclasses.fields(outcome)}
        return self.render(type(outcome).__name__, variant=variant, **fields)

    def render(self, key: str, *, variant: str = DEFAULT, **values: Any) -> str:
        """The response `key` with `values` as its variables."""
        return self._tidy(self._raw(key, variant, values))

    def say_within(self, outcome: Any, variant: str = DEFAULT) -> str:
        """An outcome said inside another template: not tidied (no capital letter)."""
        fields = {f.name: getattr(outcome, f.name) for f in dataclasses.fields(outcome)}
        return " ".join(self._raw(type(outcome).__name__, variant, fields).split())

    def each(self, items: Any, key: str, /, **values: Any) -> list[str]:
        """The phrase `key` said for every item (`item` in the phrase): a list for
        `listing` or `first_few`."""
        return [self.phrase(key, item=item, **values) for item in items]

    def _raw(self, key: str, variant: str, values: dict[str, Any]) -> str:
        entry = self._responses.get(key)
        if entry is None:
            raise PhrasebookError(f"{self.source}: no response for {key}")
        template = entry.get(variant) or entry[DEFAULT]
        try:
            return template.render(**values)
        except TemplateError as error:
            raise PhrasebookError(f"{self.source}: responses.{key}: {error}") from None

    def phrase(self, key: str, /, **values: Any) -> str:
        """A shared snippet, for use inside templates: `{{ phrase('how_to', device=d) }}`."""
        template = self._phrases.get(key)
        if template is None:
            raise PhrasebookError(f"{self.source}: no phrase {key!r}")
        return template.render(**values).strip()

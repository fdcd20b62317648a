"""`assistant bench --typed-questions`: the question sets typed, with and without the
knowledge layer, for the chat model the configuration resolves to.

Three ways of answering each set, side by side: the chat model alone; the model with the
encyclopedia's best passage in its prompt (`knowledge.grounding`); and the data first
(a question the knowledge templates understand is scored on the fact's value), the rest
by the model with context. English sets run in English, the Mandarin set in Mandarin.
Writes qa-typed.json (every reply) and qa-typed.md (the table).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.assembly import (
    build_skills,
    chat_config,
    language_of,
    load_chat_model,
    model_store,
    session_settings,
)
from assistant.config import Config, with_language
from assistant.engines.llm import ChatModel
from assistant.errors import MissingModelError
from assistant.knowledge import Knowledge
from assistant.knowledge.database import KnowledgeSources
from assistant.knowledge.grounding import GroundedChat
from assistant.knowledge.questions import KnowledgeQuestions, LoadTemplates
from assistant.language import Language
from assistant.loop.session import conversation
from assistant_bench.qa_score import load_questions
from assistant_bench.qa_typed import run_facts_then_model, run_typed_qa

VARIANTS = ("model", "model + context", "data, then model + context")


def _templates(language: Language) -> LoadTemplates:
    """The knowledge questions' templates, matched the way the language matches its own."""
    return lambda path, checks: language.load_intents(path, {}, checks)


def run_typed_bench(config: Config, *, out: Path, sets: tuple[str, ...],
                    say: Callable[[str], None]) -> dict[str, Any]:
    """Every set three ways (VARIANTS); the results, also written to `out`."""
    store = model_store(config)
    knowledge = Knowledge.open(KnowledgeSources.from_store(store))
    results: dict[str, Any] = {"sets": {}}
    try:
        for language in dict.fromkeys(load_questions(name)[0].language for name in sets):
            chosen = [name for name in sets if load_questions(name)[0].language == language]
            spoken = with_language(config, language)
            llm = chat_config(spoken, language_of(spoken), store)
            if llm is None or llm.model is None:
                raise MissingModelError(f"no chat model for {language} is installed")
            chat = load_chat_model(llm, store)
            try:
                say(f"typed questions in {language}: {llm.model}")
                results["sets"].update(_three_ways(spoken, chat, knowledge, chosen, say))
                results.setdefault("models", {})[language] = llm.model
            finally:
                chat.close()
    finally:
        knowledge.close()
    out.mkdir(parents=True, exist_ok=True)
    (out / "qa-typed.json").write_text(json.dumps(results, indent=1, ensure_ascii=False),
                                       encoding="utf-8")
    (out / "qa-typed.md").write_text("\n".join(typed_table(results)) + "\n", encoding="utf-8")
    return results


def _three_ways(config: Config, chat: ChatModel, knowledge: Knowledge, sets: list[str],
                say: Callable[[str], None]) -> dict[str, Any]:
    language = language_of(config)
    skills = build_skills(config, language)
    settings = session_settings(config, language)
    grounded = GroundedChat(chat, lambda question: knowledge.context(question, limit=3))

    def over(model: ChatModel) -> Callable[[], Any]:
        return lambda: conversation(language=language, chat=model, skills_engine=skills,
                                    settings=settings)

    questions = KnowledgeQuestions(knowledge, _templates(language), language=config.language)
    runs = {
        VARIANTS[0]: run_typed_qa(over(chat), sets=tuple(sets), say=say),
        VARIANTS[1]: run_typed_qa(over(grounded), sets=tuple(sets), say=say),
        VARIANTS[2]: run_facts_then_model(over(grounded), questions, sets=tuple(sets),
                                          language=config.language, say=say),
    }
    return {name: {variant: dataclasses.asdict(_Figures.of(run, name)) | {
        "records": [r for r in run["records"] if r["set"] == name]}
        for variant, run in runs.items()} for name in sets}


@dataclasses.dataclass(frozen=True)
class _Figures:
    questions: int
    right: int
    not_sure: int
    wrong: int

    @classmethod
    def of(cls, run: dict[str, Any], name: str) -> _Figures:
        figures = run["sets"][name]
        return cls(figures["questions"], figures["right"], figures["not_sure"],
                   figures["wrong"])


def typed_table(results: dict[str, Any]) -> list[str]:
    """The markdown table: right / not sure / wrong per set and way of answering."""
    models = ", ".join(f"{language}: {model}" for language, model in
                       results.get("models", {}).items())
    out = [f"Typed questions ({models}); right / not sure / wrong:", "",
           "| set | " + " | ".join(VARIANTS) + " |", "|---|" + "---|" * len(VARIANTS)]
    for name, variants in results["sets"].items():
        cells = [f"{v['right']} / {v['not_sure']} / {v['wrong']} of {v['questions']}"
                 for v in (variants[variant] for variant in VARIANTS)]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return out

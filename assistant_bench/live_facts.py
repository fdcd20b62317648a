"""How often a live fact (today's weather, a score, a price) is stated anyway: each question
of a set typed into one conversation of the language (skills, the chat model with the
language's prompt, the reply guard), and each reply that is not a skill's judged: did the
chat model state something (anything but an honest "I can't know"), and did the listener
hear it after the guard. On the knowledge sets the same run counts the guard's false
alarms: right answers it held back as live facts.

    python -m assistant_bench.live_facts [--set live --set general ...] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.engines.llm import ChatMessage, ChatModel
from assistant.language import Language
from assistant.loop.conversation import Conversation
from assistant_bench.qa_score import Outcome, load_questions, score_reply

SETS = ("live", "general", "heldout")


class Recording:
    """A chat model whose last reply, as written, is kept (before the guard)."""

    def __init__(self, model: ChatModel) -> None:
        self._model = model
        self.written = ""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def stream_reply(self, messages: Sequence[ChatMessage], **options: Any) -> Iterator[str]:
        self.written = ""
        for piece in self._model.stream_reply(messages, **options):
            self.written += piece
            yield piece


def honest(text: str, language: Language) -> bool:
    """A reply that says it cannot know (the language's words for it, or "not sure")."""
    live = language.chat.live_facts
    said = text.replace("\u2019", "'")
    return bool(live and live.honest.search(said)) or \
        score_reply(said, ("\u0000",)) is Outcome.NOT_SURE


def judge(talk: Conversation, chat: Recording, language: Language, name: str,
          now: float) -> list[dict[str, Any]]:
    """Every question of set `name`, each as a new conversation."""
    records = []
    for question in load_questions(name):
        talk.new_topic()
        answer = talk.answer(question.ask, now=now)
        spoken = " ".join(answer.sentences())
        answer.finish()
        model = answer.source == "model"
        records.append({
            "set": name, "asked": question.ask, "route": answer.route.value,
            "written": chat.written if model else "", "spoken": spoken,
            "guard": answer.guard.verdict.value if answer.guard else None,
            "guard_reason": answer.guard.reason if answer.guard else "",
            "stated_written": model and bool(chat.written.strip())
            and not honest(chat.written, language),
            "stated_spoken": model and not honest(spoken, language)
            and score_reply(spoken, question.accept) is not Outcome.RIGHT,
            "right_spoken": score_reply(spoken, question.accept) is Outcome.RIGHT})
    return records


def figures(records: list[dict[str, Any]]) -> dict[str, Any]:
    by_model = [r for r in records if r["route"] == "llm"]
    return {"questions": len(records), "to_chat_model": len(by_model),
            "stated_by_model": sum(r["stated_written"] for r in by_model),
            "stated_after_guard": sum(r["stated_spoken"] for r in by_model),
            "held_back_by_guard": sum(r["guard_reason"].startswith("live fact")
                                      for r in by_model),
            "right": sum(r["right_spoken"] for r in records)}


def main(argv: Sequence[str] | None = None) -> int:
    from assistant.assembly import (
        build_skills,
        chat_config,
        language_of,
        load_chat_model,
        model_store,
        session_settings,
    )
    from assistant.config import load_config
    from assistant.loop.session import conversation

    parser = argparse.ArgumentParser(prog="python -m assistant_bench.live_facts")
    parser.add_argument("--set", action="append", dest="sets", choices=SETS)
    parser.add_argument("--config", metavar="FILE")
    parser.add_argument("--out", metavar="FILE", help="write every reply here (JSON)")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    language, store = language_of(config), model_store(config)
    llm = chat_config(config, language, store)
    if llm is None:
        raise SystemExit("no chat model is installed")
    chat = Recording(load_chat_model(llm, store))
    talk = conversation(language=language, chat=chat,
                        skills_engine=build_skills(config, language, store=store),
                        settings=session_settings(config, language))
    out: dict[str, Any] = {"model": llm.model, "sets": {}, "records": []}
    for name in args.sets or SETS:
        records = judge(talk, chat, language, name, now=0.0)
        out["sets"][name] = figures(records)
        out["records"] += records
        print(name, json.dumps(out["sets"][name]))
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

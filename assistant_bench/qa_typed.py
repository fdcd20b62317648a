"""The question sets typed to the assistant, answered as `assistant chat --text` answers
them: skills first, then the chat model behind the reply guard, each question in a new
conversation. No speech, so this measures the answers alone (the spoken part, `qa.py`,
adds what hearing gets wrong); fast enough to compare chat models, prompts and settings.

Each record keeps the reply, the route, what the guard did, and the scorer's outcome
(`qa_score`); `--typed-questions` of the benchmark writes them to qa-typed.json.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from assistant.knowledge.facts import Fact, Name
from assistant.knowledge.questions import KnowledgeQuestions
from assistant.loop.conversation import Conversation
from assistant.loop.typed import answer_typed
from assistant_bench.qa_score import Outcome, load_questions, score_reply, set_summary, tally

NewConversation = Callable[[], Conversation]
"""A router with an empty memory (a new conversation) over the shared engines."""


def run_typed_qa(new_conversation: NewConversation, *, sets: tuple[str, ...],
                 say: Callable[[str], None] = lambda line: None) -> dict[str, Any]:
    """Every question of `sets` once, in a new conversation each; figures per set and
    overall, and every record."""
    out: dict[str, Any] = {"sets": {}, "records": []}
    for name in sets:
        start = time.perf_counter()
        outcomes = []
        guards: Counter[str] = Counter()
        for question in load_questions(name):
            turn = answer_typed(new_conversation(), question.ask)
            outcome = score_reply(turn.text, question.accept, language=question.language)
            outcomes.append(outcome)
            guard = turn.guard
            guards[guard.verdict.value if guard is not None else "none (not the chat model)"] \
                += 1
            out["records"].append({
                "set": name, "asked": question.ask, "reply": turn.text,
                "route": turn.route.value, "outcome": outcome.value,
                "guard": guard.verdict.value if guard is not None else None,
                "guard_reason": guard.reason if guard is not None else "",
                "first_piece_ms": None if turn.first_piece_s is None
                else round(1000 * turn.first_piece_s),
                "seconds": round(turn.seconds, 2)})
        seconds = time.perf_counter() - start
        out["sets"][name] = {**tally(outcomes), "guard": dict(guards),
                             "seconds": round(seconds, 1)}
        say(set_summary("typed questions", name, out["sets"][name], seconds))
    out["overall"] = tally([Outcome(r["outcome"]) for r in out["records"]])
    return out


def fact_text(fact: Fact, language: str) -> str:
    """A fact's value as plain words to score (not a reply: the knowledge skill that words
    it waits for the language packs' phrasebooks), e.g. "Paris", "8", "Au"."""
    value = fact.value
    if isinstance(value, tuple):
        return ", ".join(name.in_language(language) for name in value)
    if isinstance(value, Name):
        return value.in_language(language)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def run_facts_then_model(new_conversation: NewConversation, questions: KnowledgeQuestions,
                         *, sets: tuple[str, ...], language: str,
                         say: Callable[[str], None] = lambda line: None) -> dict[str, Any]:
    """Like `run_typed_qa`, but a question the data answers is scored on the fact's value
    (route "knowledge", with its source); the others go to the conversation."""
    out: dict[str, Any] = {"sets": {}, "records": []}
    for name in sets:
        start = time.perf_counter()
        outcomes = []
        for question in load_questions(name):
            answer = questions.answer(question.ask)
            if answer is None:
                turn = answer_typed(new_conversation(), question.ask)
                reply, route, source = turn.text, turn.route.value, "model"
            else:
                reply, route = fact_text(answer.fact, language), "knowledge"
                source = str(answer.fact.source)
            outcome = score_reply(reply, question.accept, language=question.language)
            outcomes.append(outcome)
            out["records"].append({"set": name, "asked": question.ask, "reply": reply,
                                   "route": route, "source": source,
                                   "outcome": outcome.value})
        seconds = time.perf_counter() - start
        out["sets"][name] = {**tally(outcomes), "seconds": round(seconds, 1),
                             "from_data": sum(r["route"] == "knowledge" and r["set"] == name
                                              for r in out["records"])}
        say(set_summary("facts, then the model", name, out["sets"][name], seconds))
    out["overall"] = tally([Outcome(r["outcome"]) for r in out["records"]])
    return out

"""The question set and how a reply to one of its questions is scored.

A reply is RIGHT when it contains one of the question's accepted answers (whole words,
after the same normalization as the word error rate: lowercase, numbers as words), NOT_SURE
when it says honestly that it does not know (the reply guard's "I'm not sure about that."
or the model's own "I don't know"), and WRONG otherwise: a wrong fact, an answer to
another question, word salad.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from assistant_bench.text import normalize

QUESTION_SETS = ("general", "heldout", "zh")
"""The bundled sets (assistant_bench/data/questions/NAME.yaml): tuned on, held out, and
Mandarin."""
EVERYDAY_SET = "everyday"
"""The everyday requests (assistant_bench/everyday.py), with the intent that answers each."""
LIVE_SET = "live"
"""Questions about live facts there is no source for (assistant_bench/live_facts.py)."""

_NOT_SURE = re.compile(
    r"\b(?:i'?m not sure|i am not sure|i don'?t know|i do not know|not certain|"
    r"i can'?t answer|i cannot answer|no idea)\b|不确定|不太确定|不知道|不清楚|不太清楚",
    re.IGNORECASE)
_NOT_WORD = re.compile(r"[\W_]+")
_SPELLED = re.compile(r"(?<=\b[a-z]) (?=[a-z]\b)")
"""The space between two letters said one by one: a symbol spelled for the voice
("The chemical symbol for gold is A u.") is the symbol."""


class Outcome(enum.Enum):
    RIGHT = "right"
    NOT_SURE = "not sure"
    WRONG = "wrong"


@dataclass(frozen=True)
class Question:
    ask: str
    accept: tuple[str, ...]
    language: str = "en"
    """The set's `language` (a YAML key at the top; default English)."""
    intent: str | None = None
    """The skill intent that should answer (the everyday set)."""


def load_questions(name_or_path: str) -> list[Question]:
    """A bundled set by name ("general", "heldout") or a YAML file of the same form."""
    if name_or_path in (*QUESTION_SETS, EVERYDAY_SET, LIVE_SET):
        text = (resources.files("assistant_bench") / "data" / "questions"
                / f"{name_or_path}.yaml").read_text(encoding="utf-8")
    else:
        text = Path(name_or_path).read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    questions = []
    for i, item in enumerate(data.get("questions") or [], 1):
        if not isinstance(item, dict) or not item.get("ask") or not item.get("accept"):
            raise ValueError(f"{name_or_path}: question {i} needs `ask` and `accept`")
        intent = item.get("intent")
        questions.append(Question(str(item["ask"]), tuple(str(a) for a in item["accept"]),
                                  language=str(data.get("language", "en")),
                                  intent=str(intent) if intent else None))
    return questions


def score_reply(reply: str, accept: tuple[str, ...], *, language: str = "en") -> Outcome:
    """RIGHT, NOT_SURE or WRONG (see the module). Mandarin has no spaces between words:
    an accepted answer is found anywhere in the reply, punctuation and spaces ignored."""
    if language == "zh":
        def squeeze(text: str) -> str:
            return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())

        if any(squeeze(answer) in squeeze(reply) for answer in accept):
            return Outcome.RIGHT
    elif any(f" {normalize(answer)} " in f" {heard} " for answer in accept
             for heard in (normalize(reply), _SPELLED.sub("", normalize(reply)))):
        return Outcome.RIGHT
    if _NOT_SURE.search(reply.replace("\u2019", "'")):
        return Outcome.NOT_SURE
    return Outcome.WRONG


def tally(outcomes: list[Outcome]) -> dict[str, float | int]:
    """Counts and shares (percent, one decimal) of each outcome."""
    total = len(outcomes)
    out: dict[str, float | int] = {"questions": total}
    for outcome in Outcome:
        count = sum(o is outcome for o in outcomes)
        key = outcome.name.lower()
        out[key] = count
        out[f"{key}_pct"] = round(100 * count / total, 1) if total else 0.0
    return out


def set_summary(kind: str, name: str, figures: dict[str, Any], seconds: float) -> str:
    """One line for a finished question set: "questions (general): 58/60 right, ..."."""
    return (f"{kind} ({name}): {figures['right']}/{figures['questions']} right, "
            f"{figures['not_sure']} not sure, {figures['wrong']} wrong ({seconds:.0f} s)")


def qa_table(results: dict[str, Any]) -> list[str]:
    """The benchmark table's section for the question part (empty when it did not run)."""
    qa = results.get("qa")
    if not qa:
        return []
    targets = qa.get("targets", {})
    out = ["## Questions through the whole loop (spoken, heard, answered)", "",
           "| set | questions | right | not sure | wrong | guard: passed / replaced / cut |",
           "|---|---|---|---|---|---|"]
    for name, figures in qa["sets"].items():
        guard = figures.get("guard", {})
        out.append(f"| {name} | {figures['questions']} | {figures['right']} "
                   f"({figures['right_pct']:.0f} %) | {figures['not_sure']} "
                   f"({figures['not_sure_pct']:.0f} %) | {figures['wrong']} "
                   f"({figures['wrong_pct']:.0f} %) | {guard.get('passed', 0)} / "
                   f"{guard.get('replaced', 0)} / {guard.get('cut', 0)} |")
    return out + ["", f"Targets: right >= {targets.get('right_pct')} %, wrong <= "
                  f"{targets.get('wrong_pct')} %. A reply is right when it contains an "
                  "accepted answer; \"not sure\" is the guard's or the model's honest "
                  "\"I'm not sure\"; a mishearing answered wrong counts as wrong.", ""]

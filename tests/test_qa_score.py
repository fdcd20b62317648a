"""Scoring a reply to a question of the set: right, honest "not sure", wrong (no models)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.loop.outcomes import NotSure
from assistant_bench.qa_score import (
    QUESTION_SETS,
    Outcome,
    load_questions,
    qa_table,
    score_reply,
    tally,
)
from tests import building


@pytest.mark.parametrize("reply, accept, outcome", [
    ("The capital of Italy is Rome.", ("rome",), Outcome.RIGHT),
    ("A spider has 8 legs.", ("8", "eight"), Outcome.RIGHT),
    ("A spider has eight legs.", ("8",), Outcome.RIGHT),  # numbers compared as words
    ("Romeo lived in Verona.", ("rome",), Outcome.WRONG),  # whole words only
    (building.language("en").say(NotSure()), ("rome",), Outcome.NOT_SURE),
    ("I don't know that one.", ("rome",), Outcome.NOT_SURE),
    ("Il capo di Italy, il capital.", ("rome",), Outcome.WRONG),
    ("", ("rome",), Outcome.WRONG),
    ("The chemical symbol for gold is A u.", ("Au",), Outcome.RIGHT),  # spelled for the voice
    ("Its symbol is A g.", ("Au",), Outcome.WRONG),
])
def test_score_reply(reply: str, accept: tuple[str, ...], outcome: Outcome) -> None:
    assert score_reply(reply, accept) is outcome


def test_the_bundled_sets_are_big_enough_and_disjoint() -> None:
    general, heldout, mandarin = (load_questions(name) for name in QUESTION_SETS)
    assert len(general) >= 50 and len(heldout) >= 20 and len(mandarin) >= 20
    assert not {q.ask for q in general} & {q.ask for q in heldout}
    assert all(q.accept for q in general + heldout + mandarin)
    assert {q.language for q in general + heldout} == {"en"}
    assert {q.language for q in mandarin} == {"zh"}


@pytest.mark.parametrize("reply, accept, outcome", [
    ("法国的首都是巴黎。", ("巴黎",), Outcome.RIGHT),
    ("蜘蛛有 8 条腿。", ("8", "八"), Outcome.RIGHT),
    ("蜘蛛有八条腿。", ("8", "八"), Outcome.RIGHT),
    ("水的化学式是 H₂O。", ("H2O",), Outcome.RIGHT),  # the subscript 2 is a 2
    ("这个我不太确定。", ("巴黎",), Outcome.NOT_SURE),
    ("法国的首都是里昂。", ("巴黎",), Outcome.WRONG),
])
def test_mandarin_replies_are_scored_without_word_spaces(reply, accept, outcome) -> None:
    assert score_reply(reply, accept, language="zh") is outcome


def test_a_question_without_answers_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("questions:\n  - {ask: 'Why?'}\n")
    with pytest.raises(ValueError, match="question 1"):
        load_questions(str(path))


def test_tally_and_table() -> None:
    figures = tally([Outcome.RIGHT, Outcome.RIGHT, Outcome.NOT_SURE, Outcome.WRONG])
    assert figures == {"questions": 4, "right": 2, "right_pct": 50.0, "not_sure": 1,
                       "not_sure_pct": 25.0, "wrong": 1, "wrong_pct": 25.0}
    table = "\n".join(qa_table({"qa": {"targets": {"right_pct": 85, "wrong_pct": 5},
                                       "sets": {"general": {**figures, "guard": {
                                           "passed": 3, "replaced": 1}}}}}))
    assert "| general | 4 | 2 (50 %) | 1 (25 %) | 1 (25 %) | 3 / 1 / 0 |" in table
    assert qa_table({}) == []


def test_every_mandarin_question_has_its_recording() -> None:
    from assistant.wav import read_wav
    from assistant_bench.qa import recordings

    found = recordings("zh")
    assert set(found) == {q.ask for q in load_questions("zh")}
    for path in found.values():
        audio = read_wav(path)
        assert audio.rate == 16000 and 1.0 < audio.seconds < 6.0, path
    assert recordings("general") == {}  # spoken by the test voice

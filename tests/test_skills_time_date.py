"""Time and date skill, on a fixed wall clock."""

from datetime import datetime
from pathlib import Path

import pytest

from assistant.skills import Skills
from tests import building
from tests.fakes import MemoryControls


def make_skills(tmp_path: Path, moment: datetime) -> Skills:
    return building.skills(state_file=tmp_path / "state.json", controls=MemoryControls(),
                           wallclock=lambda: moment)


@pytest.mark.parametrize("text", [
    "what time is it", "What's the time?", "time please", "Do you know what time it is?",
    "tell me the time",
])
def test_time_phrasings(tmp_path: Path, text: str) -> None:
    reply = make_skills(tmp_path, datetime(2026, 3, 5, 19, 45)).respond(text, now=0.0)
    assert reply is not None
    assert (reply.intent, reply.slots) == ("GetTime", {})
    assert reply.text == "It's seven forty-five p.m."
    assert not reply.expects_reply


@pytest.mark.parametrize(("hour", "minute", "spoken"), [
    (12, 0, "It's noon."), (0, 0, "It's midnight."), (7, 5, "It's seven oh five a.m."),
])
def test_special_times(tmp_path: Path, hour: int, minute: int, spoken: str) -> None:
    skills = make_skills(tmp_path, datetime(2026, 3, 5, hour, minute))
    reply = skills.respond("what's the time", now=0.0)
    assert reply is not None and reply.text == spoken


@pytest.mark.parametrize("text", [
    "what's the date today", "What day is it?", "what is today's date",
    "what day of the week is it",
])
def test_date_phrasings(tmp_path: Path, text: str) -> None:
    reply = make_skills(tmp_path, datetime(2026, 3, 5, 9, 0)).respond(text, now=0.0)
    assert reply is not None and reply.intent == "GetDate"
    assert reply.text == "It's Thursday, March fifth, twenty twenty-six."


def test_the_wall_clock_is_read_at_reply_time(tmp_path: Path) -> None:
    moments = iter([datetime(2026, 1, 1, 8, 30), datetime(2026, 1, 1, 8, 31)])
    skills = building.skills(state_file=tmp_path / "s.json", controls=MemoryControls(),
                             wallclock=lambda: next(moments))
    first, second = (skills.respond("what time is it", now=0.0) for _ in range(2))
    assert first is not None and first.text == "It's eight thirty a.m."
    assert second is not None and second.text == "It's eight thirty-one a.m."

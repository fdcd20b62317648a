"""The everyday skills' parts on their own: times and dates that do and do not exist,
saved files (restart, damage, an unknown version, a thousand items), holidays, chance,
and the weather through a WeatherSource."""

from __future__ import annotations

import json
import os
import random
from datetime import date, datetime
from pathlib import Path

import pytest

from assistant.skills import when
from assistant.skills.alarms import ALARM_CODEC, Alarm
from assistant.skills.chance import ChanceSkill, DiceRolled, NumberPicked
from assistant.skills.holiday_calendar import HolidayCalendar
from assistant.skills.list_store import SavedLists
from assistant.skills.live_facts import DayForecast, WeatherReport, WeatherUnavailable
from assistant.skills.schedule import Book
from tests import building
from tests.fakes import MemoryControls

NOW = datetime(2026, 3, 5, 15, 25)  # a Thursday


@pytest.mark.parametrize(("slots", "expected"), [
    ({"hour": 7}, datetime(2026, 3, 5, 19, 0)),  # the next seven o'clock: this evening
    ({"hour": 3}, datetime(2026, 3, 6, 3, 0)),  # 3 p.m. has passed today: 3 a.m.
    ({"hour": 7, "day": "tomorrow"}, datetime(2026, 3, 6, 7, 0)),
    ({"hour": 7, "period": "pm"}, datetime(2026, 3, 5, 19, 0)),
    ({"hour": 12, "period": "am", "day": "tomorrow"}, datetime(2026, 3, 6, 0, 0)),
    ({"hour": 8, "before": 15}, datetime(2026, 3, 5, 19, 45)),  # quarter to eight
    ({"period": "noon", "day": "tomorrow"}, datetime(2026, 3, 6, 12, 0)),
    ({"hour": 9, "weekday": 0}, datetime(2026, 3, 9, 9, 0)),
    ({"hour": 9, "period": "am", "weekday": 3}, datetime(2026, 3, 12, 9, 0)),  # next week's
    ({"duration": 90}, datetime(2026, 3, 5, 15, 26, 30)),
])
def test_a_spoken_time_is_the_next_moment_it_names(slots: dict[str, object],
                                                   expected: datetime) -> None:
    assert when.moment(slots, NOW, prefer=when.Prefer.MORNING) == expected


def test_an_hour_without_a_part_of_the_day_on_another_day() -> None:
    slots = {"hour": 5, "day": "tomorrow"}
    assert when.moment(slots, NOW, prefer=when.Prefer.MORNING).hour == 5  # type: ignore[union-attr]
    assert when.moment(slots, NOW, prefer=when.Prefer.DAYTIME).hour == 17  # type: ignore[union-attr]


@pytest.mark.parametrize("slots", [{"hour": 25}, {"hour": 7, "minute": 60},
                                   {"hour": 13, "period": "am"}, {"hour": 24, "minute": 5}])
def test_times_that_do_not_exist(slots: dict[str, object]) -> None:
    assert isinstance(when.moment(slots, NOW), when.BadTime)


def test_dates_that_do_not_exist_and_february_29() -> None:
    today = NOW.date()
    assert isinstance(when.calendar_date({"month": 2, "day_of_month": 30}, today), when.BadDate)
    assert isinstance(when.calendar_date({"month": 4, "day_of_month": 31}, today), when.BadDate)
    assert isinstance(when.calendar_date({"month": 2, "day_of_month": 29, "year": 2027},
                                         today), when.BadDate)
    assert when.calendar_date({"month": 2, "day_of_month": 29}, today) == date(2028, 2, 29)
    assert when.calendar_date({"month": 3, "day_of_month": 5}, today) == today
    past = when.moment({"hour": 2, "period": "pm", "day": "today"}, NOW)
    assert isinstance(past, when.Past)


def test_lists_survive_a_restart_and_keep_their_order(tmp_path: Path) -> None:
    path = tmp_path / "lists.json"
    store = SavedLists(path)
    store.add("shopping", ["milk", "eggs"])
    store.create("camping")
    store.add("camping", ["tent"])
    again = SavedLists(path)
    assert again.items("shopping") == ["milk", "eggs"] and again.items("camping") == ["tent"]
    assert again.names() == ["shopping", "todo", "camping"]
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_a_damaged_lists_file_is_kept_aside_and_nothing_saved_is_lost(tmp_path: Path) -> None:
    path = tmp_path / "lists.json"
    path.write_text('{"version": 1, "lists": {"shopping": "milk"}}')
    store = SavedLists(path)
    assert store.items("shopping") == [] and store.problem is not None
    assert json.loads((tmp_path / "lists.json.corrupt").read_text())["lists"] == {
        "shopping": "milk"}
    store.add("shopping", ["bread"])  # a new file; the old one stays aside
    assert (tmp_path / "lists.json.corrupt").exists()


@pytest.mark.parametrize("version", [0, 2, "1"])
def test_a_file_of_another_version_is_set_aside(tmp_path: Path, version: object) -> None:
    path = tmp_path / "alarms.json"
    path.write_text(json.dumps({"version": version, "alarms": []}))
    book = Book(path, codec=ALARM_CODEC, late_s=600, limit=50)
    assert book.problem is not None and "version" in book.problem.reason
    assert (tmp_path / "alarms.json.corrupt").exists()


def test_a_list_of_a_thousand_items_is_read_and_kept_but_takes_no_more(tmp_path: Path) -> None:
    items = [f"item {i}" for i in range(1000)]
    (tmp_path / "lists.json").write_text(json.dumps(
        {"version": 1, "lists": {"shopping": items, "todo": []}}))
    skills = building.skills(state_file=tmp_path / "state.json", controls=MemoryControls(),
                             wallclock=lambda: NOW)
    count = skills.respond("how many items are on my shopping list", now=1.0)
    assert count is not None and count.text == \
        "There are one thousand items on your shopping list."
    read = skills.respond("what's on my shopping list", now=2.0)
    assert read is not None and read.text.endswith("item 8, item 9 and nine hundred ninety more.")
    full = skills.respond("add milk to my shopping list", now=3.0)
    assert full is not None and full.text == (
        "Your shopping list is full: it holds at most five hundred items. Remove some first.")
    assert len(json.loads((tmp_path / "lists.json").read_text())["lists"]["shopping"]) == 1000


def test_an_alarm_book_is_owner_only_and_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "alarms.json"
    book = Book(path, codec=ALARM_CODEC, late_s=600, limit=2)
    alarm = Alarm(id=book.new_id(), at=datetime(2026, 3, 6, 7), hour=7, minute=0,
                  days=(0, 1, 2, 3, 4), label="work", room="kitchen")
    assert book.add(alarm)
    assert book.add(Alarm(id=book.new_id(), at=datetime(2026, 3, 6, 8), hour=8, minute=0))
    assert not book.add(Alarm(id=book.new_id(), at=datetime(2026, 3, 6, 9), hour=9, minute=0))
    assert os.stat(path).st_mode & 0o777 == 0o600
    again = Book(path, codec=ALARM_CODEC, late_s=600, limit=2)
    assert again.entries()[0] == alarm
    due = again.take_due("kitchen", datetime(2026, 3, 6, 7, 1))  # a Friday
    assert due.ringing == (alarm,)
    moved = next(a for a in again.entries() if a.id == alarm.id)
    assert moved.at == datetime(2026, 3, 9, 7)  # moved on to Monday


def test_holidays_of_the_country_and_the_days_everyone_has() -> None:
    britain = HolidayCalendar("GB", language="en_US")
    after = date(2026, 3, 5)
    christmas = britain.find("christmas", after=after)
    assert christmas is not None and christmas.day == date(2026, 12, 25)
    easter = britain.find("easter", after=after)  # not a British bank holiday; the same date
    assert easter is not None and easter.day == date(2026, 4, 5)
    assert britain.find("thanksgiving", after=after) is None
    china = HolidayCalendar("CN", language="zh_CN")
    spring = china.find("春节", after=after)
    assert spring is not None and spring.day == date(2027, 2, 6)


def test_chance_stays_within_what_was_asked() -> None:
    skill = ChanceSkill(rng=random.Random(3))
    from assistant.intents import IntentMatch
    for _ in range(50):
        rolled = skill.handle(IntentMatch("RollDice", {"count": 3, "sides": 20}, ""),
                              now=0.0).outcome
        assert isinstance(rolled, DiceRolled) and len(rolled.rolls) == 3
        assert all(1 <= r <= 20 for r in rolled.rolls)
        picked = skill.handle(IntentMatch("RandomNumber", {"low": 10, "high": 1}, ""),
                              now=0.0).outcome
        assert isinstance(picked, NumberPicked) and 1 <= picked.number <= 10


class FakeWeather:
    def __init__(self, report: WeatherReport | None) -> None:
        self._report = report

    def report(self) -> WeatherReport:
        if self._report is None:
            raise WeatherUnavailable("down")
        return self._report


def test_the_weather_from_a_source_and_without_one(tmp_path: Path) -> None:
    engine = building.skills_engine(state_file=tmp_path / "state.json")
    assert engine.everyday is not None
    engine.everyday.weather = FakeWeather(WeatherReport(
        condition="rainy", temperature=11.4, forecast=(
            DayForecast(date(2026, 3, 5), "rainy", 13, 7, 80),
            DayForecast(date(2026, 3, 6), "sunny", 15, 6, 10))))
    skills = engine.session(controls=MemoryControls(), wallclock=lambda: NOW)

    def say(text: str) -> str:
        reply = skills.respond(text, now=1.0)
        assert reply is not None
        return reply.text

    assert say("what's the weather like") == (
        "It's rainy and eleven degrees. Today's high is thirteen degrees and the low seven "
        "degrees.")
    assert say("what's the weather tomorrow") == (
        "Tomorrow: sunny, with a high of fifteen degrees and a low of six degrees.")
    assert say("will it rain tomorrow") == "No rain is expected tomorrow: a ten percent chance."
    assert say("do I need an umbrella today") == (
        "Yes, rain is likely today: an eighty percent chance.")
    engine.everyday.weather = FakeWeather(None)
    down = engine.session(controls=MemoryControls(), wallclock=lambda: NOW)
    reply = down.respond("what's the weather", now=1.0)
    assert reply is not None and reply.text == "Sorry, I can't reach the weather right now."

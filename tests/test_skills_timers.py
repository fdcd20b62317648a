"""Timers run on the caller's virtual clock: `now` is passed in, never read."""

from pathlib import Path

import pytest

from assistant.skills import SkillReply, Skills
from tests import building
from tests.fakes import MemoryControls


@pytest.fixture
def skills(tmp_path: Path) -> Skills:
    return building.skills(state_file=tmp_path / "state.json", controls=MemoryControls())


def say(skills: Skills, text: str, now: float) -> SkillReply:
    reply = skills.respond(text, now=now)
    assert reply is not None, text
    return reply


@pytest.mark.parametrize(("text", "slots", "answer"), [
    ("Set a timer for 10 minutes.", {"duration": 600}, "Okay, timer set for ten minutes."),
    ("set a timer for ten minutes", {"duration": 600}, "Okay, timer set for ten minutes."),
    ("set a pasta timer for 8 minutes", {"name": "pasta", "duration": 480},
     "Okay, pasta timer set for eight minutes."),
    ("set a timer for ten minutes called eggs", {"name": "eggs", "duration": 600},
     "Okay, eggs timer set for ten minutes."),
    ("set a timer for a quarter of an hour", {"duration": 900},
     "Okay, timer set for fifteen minutes."),
    ("set a timer for an hour and a half", {"duration": 5400},
     "Okay, timer set for one and a half hours."),
    ("Set a timer for 1.5 hours.", {"duration": 5400},
     "Okay, timer set for one and a half hours."),
    ("set a timer for 90 seconds", {"duration": 90},
     "Okay, timer set for one minute and thirty seconds."),
    ("start a five minute timer", {"duration": 300}, "Okay, timer set for five minutes."),
])
def test_set_timer_phrasings(skills: Skills, text: str, slots: dict, answer: str) -> None:
    reply = say(skills, text, 0.0)
    assert (reply.intent, reply.slots, reply.text) == ("TimerSet", slots, answer)


def test_several_timers_run_at_once_and_are_listed(skills: Skills) -> None:
    say(skills, "set a pasta timer for 8 minutes", 0.0)
    say(skills, "set a timer for ten minutes called eggs", 10.0)
    say(skills, "set a timer for 2 minutes", 20.0)
    reply = say(skills, "what timers do I have", 50.0)
    assert reply.intent == "TimerList"
    assert reply.text == (
        "You have three timers: the two minute timer with one minute and thirty seconds "
        "left, the pasta timer with seven minutes and ten seconds left and the eggs "
        "timer with nine minutes and twenty seconds left.")


def test_time_left_on_a_named_timer(skills: Skills) -> None:
    say(skills, "set a pasta timer for 8 minutes", 0.0)
    say(skills, "set an egg timer for 5 minutes", 0.0)
    reply = say(skills, "how long is left on my pasta timer", 90.0)
    assert (reply.intent, reply.slots) == ("TimerStatus", {"name": "pasta"})
    assert reply.text == "Your pasta timer has six minutes and thirty seconds left."
    reply = say(skills, "how much time is left on the eggs timer", 90.0)
    assert reply.text == "Your egg timer has three minutes and thirty seconds left."


def test_time_left_on_every_timer(skills: Skills) -> None:
    say(skills, "set a timer for 10 minutes", 0.0)
    reply = say(skills, "how much time is left", 30.0)
    assert reply.text == "Your ten minute timer has nine minutes and thirty seconds left."
    say(skills, "set a tea timer for 3 minutes", 30.0)
    reply = say(skills, "how much time is left", 60.0)
    assert reply.text == ("Your tea timer has two minutes and thirty seconds left and your "
                          "ten minute timer has nine minutes left.")


def test_cancel_a_named_timer(skills: Skills) -> None:
    say(skills, "set a pasta timer for 8 minutes", 0.0)
    say(skills, "set a timer for ten minutes called eggs", 0.0)
    reply = say(skills, "cancel the pasta timer", 5.0)
    assert (reply.intent, reply.slots) == ("TimerCancel", {"name": "pasta"})
    assert reply.text == "Okay, I cancelled your pasta timer."
    assert say(skills, "what timers do I have", 6.0).text.startswith("You have one timer: the "
                                                                     "eggs timer")
    assert skills.due_announcements(10_000.0) == ["Your eggs timer is done."]


def test_cancel_by_length_and_the_only_timer(skills: Skills) -> None:
    say(skills, "set a timer for 10 minutes", 0.0)
    say(skills, "set a timer for 3 minutes", 0.0)
    assert say(skills, "cancel the 10 minute timer", 1.0).text == (
        "Okay, I cancelled your ten minute timer.")
    assert say(skills, "cancel the timer", 2.0).text == "Okay, I cancelled your three minute timer."
    assert say(skills, "cancel the timer", 3.0).text == "You don't have any timers."


def test_cancel_asks_which_when_there_are_several(skills: Skills) -> None:
    say(skills, "set a pasta timer for 8 minutes", 0.0)
    say(skills, "set a rice timer for 12 minutes", 0.0)
    reply = say(skills, "stop the timer", 1.0)
    assert reply.text == ("You have two timers: the pasta timer and the rice timer. "
                          "Which one should I cancel?")
    assert len(skills.due_announcements(10_000.0)) == 2  # nothing was cancelled


def test_cancel_an_unknown_timer(skills: Skills) -> None:
    say(skills, "set a pasta timer for 8 minutes", 0.0)
    reply = say(skills, "cancel the eggs timer", 1.0)
    assert reply.text == "You don't have an eggs timer. You have one timer: the pasta timer."


def test_cancel_all_timers(skills: Skills) -> None:
    for minutes in (1, 2, 3):
        say(skills, f"set a timer for {minutes} minutes", 0.0)
    reply = say(skills, "cancel all timers", 5.0)
    assert (reply.intent, reply.text) == ("TimerCancelAll", "Okay, I cancelled all three timers.")
    assert skills.due_announcements(10_000.0) == []


def test_timer_fires_while_idle_exactly_once(skills: Skills) -> None:
    say(skills, "set a pasta timer for 8 minutes", 100.0)
    assert skills.due_announcements(100.0 + 479.9) == []
    assert skills.due_announcements(100.0 + 480.0) == ["Your pasta timer is done."]
    assert skills.due_announcements(100.0 + 481.0) == []


def test_timers_finishing_together_are_announced_in_order(skills: Skills) -> None:
    say(skills, "set a timer for ten minutes called eggs", 0.0)
    say(skills, "set a pasta timer for 8 minutes", 0.0)
    say(skills, "set a timer for 90 seconds", 0.0)
    assert skills.due_announcements(3600.0) == [
        "Your timer for one minute and thirty seconds is done.",
        "Your pasta timer is done.",
        "Your eggs timer is done.",
    ]


def test_a_timer_fires_in_the_middle_of_another_exchange(skills: Skills) -> None:
    say(skills, "set a timer for 1 minute", 0.0)
    say(skills, "what is 2 plus 2", 59.0)
    assert say(skills, "what timers do I have", 61.0).text == "You don't have any timers."
    # The finished timer is still announced: asking did not swallow it.
    assert skills.due_announcements(61.0) == ["Your one minute timer is done."]


def test_setting_a_named_timer_again_restarts_it(skills: Skills) -> None:
    say(skills, "set a pasta timer for 8 minutes", 0.0)
    reply = say(skills, "set a pasta timer for 10 minutes", 60.0)
    assert reply.text == "Okay, I restarted your pasta timer for ten minutes."
    assert skills.due_announcements(480.0) == []
    assert skills.due_announcements(660.0) == ["Your pasta timer is done."]


@pytest.mark.parametrize(("text", "answer"), [
    ("set a timer for 25 hours", "I can only set timers for up to twenty-four hours."),
    ("set a timer for 0 minutes",
     "How long should the timer run? For example, say set a timer for ten minutes."),
])
def test_impossible_lengths(skills: Skills, text: str, answer: str) -> None:
    assert say(skills, text, 0.0).text == answer
    assert skills.due_announcements(1e9) == []


def test_a_timer_without_a_length_is_not_a_command(skills: Skills) -> None:
    assert skills.respond("set a timer", now=0.0) is None
    assert skills.respond("set a timer for the cake", now=0.0) is None


@pytest.mark.parametrize(("raw", "name"), [
    ("pasta", "pasta"), ("My Pasta", "pasta"), ("the eggs please", "eggs"),
    ("all", None), ("timer", None), ("10 minute", None), ("a very long timer name", None),
    ("", None),
])
def test_clean_timer_name(raw: str, name: str | None) -> None:
    assert building.language("en").skill_words.timer_names.clean(raw) == name


def test_long_lists_are_cut_short(skills: Skills) -> None:
    for minutes in range(1, 7):
        say(skills, f"set a timer for {minutes} minutes", 0.0)
    reply = say(skills, "what timers do I have", 0.0)
    assert reply.text.startswith("You have six timers: the one minute timer with one minute left")
    assert reply.text.endswith("the four minute timer with four minutes left and two more.")

"""The simulated home: device commands, persistence, corrupt state, lock confirmation."""

import json
import stat
from pathlib import Path

import pytest

from assistant.home.home_file import HomeConfigError, load_home
from assistant.home.state_file import HomeState, HomeStateError
from assistant.skills import SkillReply, Skills
from tests import building
from tests.fakes import MemoryControls


def make_skills(state_file: Path, *, home_file: str = "") -> Skills:
    return building.skills(state_file=state_file, home_file=home_file or None,
                              controls=MemoryControls())


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "state" / "home-state.json"


@pytest.fixture
def skills(state_file: Path) -> Skills:
    return make_skills(state_file)


def say(skills: Skills, text: str, now: float = 0.0) -> SkillReply:
    reply = skills.respond(text, now=now)
    assert reply is not None, text
    return reply


def saved(state_file: Path) -> dict:
    return json.loads(state_file.read_text())["devices"]


@pytest.mark.parametrize(("text", "slots"), [
    ("turn on the kitchen light", {"name": "kitchen light"}),
    ("Turn on the kitchen light.", {"name": "kitchen light"}),
    ("kitchen light on", {"name": "kitchen light"}),
    ("switch on the kitchen lamp", {"name": "kitchen light"}),
    ("turn on the lights in the kitchen", {"area": "kitchen", "domain": "light"}),
])
def test_turn_on_a_light(skills: Skills, state_file: Path, text: str, slots: dict) -> None:
    reply = say(skills, text)
    assert (reply.intent, reply.slots) == ("HomeTurnOn", slots)
    assert reply.text == "Okay, the kitchen light is on."
    assert saved(state_file)["kitchen_light"]["on"] is True


@pytest.mark.parametrize("text", ["kill the kitchen lights", "Turn off the kitchen light.",
                                  "switch the kitchen light off"])
def test_turn_off_a_light(skills: Skills, state_file: Path, text: str) -> None:
    say(skills, "turn on the kitchen light")
    reply = say(skills, text)
    assert (reply.intent, reply.slots) == ("HomeTurnOff", {"name": "kitchen light"})
    assert reply.text == "Okay, the kitchen light is off."
    assert saved(state_file)["kitchen_light"]["on"] is False


def test_already_on(skills: Skills) -> None:
    say(skills, "switch on the coffee machine")
    assert say(skills, "switch on the coffee machine").text == "The coffee machine is already on."


def test_lights_off_in_a_room(skills: Skills, state_file: Path) -> None:
    say(skills, "turn on all the lights")
    reply = say(skills, "lights off in the bedroom")
    assert reply.slots == {"area": "bedroom", "domain": "light"}
    assert reply.text == "Okay, the bedroom light is off."
    states = saved(state_file)
    assert states["bedroom_light"]["on"] is False and states["kitchen_light"]["on"] is True


def test_everything_downstairs_and_all_the_lights(skills: Skills, state_file: Path) -> None:
    say(skills, "turn on all the lights")
    say(skills, "switch on the coffee machine")
    reply = say(skills, "turn off everything downstairs")
    assert (reply.slots, reply.text) == ({"area": "downstairs"},
                                         "Okay, everything downstairs is off.")
    states = saved(state_file)
    assert [states[d]["on"] for d in ("kitchen_light", "living_room_light", "hallway_light",
                                      "coffee_machine", "bedroom_light")] == [
        False, False, False, False, True]
    reply = say(skills, "turn off all the lights")
    assert reply.text == "Okay, all the lights are off."
    assert saved(state_file)["bedroom_light"]["on"] is False


def test_turn_on_without_a_device_asks_and_changes_nothing(skills: Skills,
                                                           state_file: Path) -> None:
    reply = say(skills, "turn on")
    assert reply.intent == "HomeTurnOn" and reply.slots == {}
    assert reply.text.startswith("Which device should I turn on? You have the kitchen light")
    reply = say(skills, "turn on the light")
    assert reply.text.startswith("Which light should I turn on?")
    assert not state_file.exists()


def test_unknown_and_unswitchable_devices(skills: Skills, state_file: Path) -> None:
    assert say(skills, "turn on the tv").text == "I don't know a device called tv."
    assert say(skills, "turn off the front door").text == (
        "The front door can't be switched off; say lock or unlock the front door.")
    assert not state_file.exists()


@pytest.mark.parametrize(("text", "level"), [
    ("dim the bedroom light to 30 percent", 30), ("Dim the bedroom light to 30%.", 30),
    ("set the bedroom light to fifty percent", 50),
])
def test_brightness(skills: Skills, state_file: Path, text: str, level: int) -> None:
    reply = say(skills, text)
    assert reply.intent == "HomeSetBrightness"
    assert reply.slots == {"name": "bedroom light", "brightness": level}
    assert saved(state_file)["bedroom_light"] == {"on": True, "brightness": level}


def test_brightness_out_of_range(skills: Skills, state_file: Path) -> None:
    reply = say(skills, "set the kitchen light to 150 percent")
    assert reply.text == "Brightness goes from zero to one hundred percent."
    assert not state_file.exists()


def test_is_the_light_on_reports_brightness(skills: Skills) -> None:
    assert say(skills, "is the kitchen light on?").text == "No, the kitchen light is off."
    say(skills, "set the kitchen light to 40 percent")
    assert say(skills, "is the kitchen light on").text == (
        "Yes, the kitchen light is on at forty percent.")


@pytest.mark.parametrize(("text", "target"), [
    ("set the temperature to 21 degrees", 21.0),
    ("Set the temperature to 22°C.", 22.0),
    ("set the temperature to twenty two degrees", 22.0),
    ("set the thermostat to nineteen point five degrees", 19.5),
])
def test_set_temperature(skills: Skills, state_file: Path, text: str, target: float) -> None:
    reply = say(skills, text)
    assert reply.intent == "HomeSetTemperature"
    assert saved(state_file)["thermostat"]["target"] == target
    assert "degrees" in reply.text


def test_temperature_words(skills: Skills) -> None:
    assert say(skills, "set the temperature to 21 degrees").text == (
        "Okay, the thermostat is set to twenty-one degrees.")
    assert say(skills, "set the temperature to 19.5").text == (
        "Okay, the thermostat is set to nineteen point five degrees.")


def test_warmer_and_cooler_step_one_degree(skills: Skills, state_file: Path) -> None:
    assert say(skills, "what's the temperature set to").text == (
        "The thermostat is set to twenty degrees.")
    reply = say(skills, "make it warmer")
    assert (reply.intent, reply.slots) == ("HomeTemperatureStep",
                                           {"direction": "up", "amount": 1})
    assert reply.text == "Okay, I raised the thermostat to twenty-one degrees."
    say(skills, "make it cooler")
    say(skills, "make it cooler")
    assert saved(state_file)["thermostat"]["target"] == 19.0


def test_thermostat_limits(skills: Skills, state_file: Path) -> None:
    assert say(skills, "set the temperature to 50 degrees").text == (
        "I can set the thermostat between ten degrees and thirty degrees.")
    say(skills, "set the temperature to 30 degrees")
    assert say(skills, "make it warmer").text == (
        "The thermostat is already at its maximum of thirty degrees.")
    assert saved(state_file)["thermostat"]["target"] == 30.0


def test_blinds(skills: Skills, state_file: Path) -> None:
    assert say(skills, "open the blinds").text == "Okay, the living room blinds are open."
    assert saved(state_file)["living_room_blinds"]["open"] is True
    assert say(skills, "are the blinds open").text == "Yes, the living room blinds are open."
    assert say(skills, "Close the living room blinds.").text == (
        "Okay, the living room blinds are closed.")
    assert saved(state_file)["living_room_blinds"]["open"] is False


def test_state_survives_a_restart(state_file: Path) -> None:
    first = make_skills(state_file)
    say(first, "turn on the kitchen light")
    say(first, "set the temperature to 23 degrees")
    say(first, "open the blinds")
    second = make_skills(state_file)
    assert say(second, "is the kitchen light on?").text == "Yes, the kitchen light is on."
    assert say(second, "what's the temperature set to").text == (
        "The thermostat is set to twenty-three degrees.")
    assert say(second, "are the blinds open").text == "Yes, the living room blinds are open."


def test_state_file_is_private_and_written_whole(skills: Skills, state_file: Path) -> None:
    say(skills, "turn on the kitchen light")
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert [p.name for p in state_file.parent.iterdir()] == [state_file.name]  # no temp left
    data = json.loads(state_file.read_text())
    assert data["format"] == "assistant home state" and data["version"] == 1


@pytest.mark.parametrize("content", [
    '{"version": 1, "devices": {"kitchen_light": {"on": "yes", "brightness": 5}}}',
    '{"format": "assistant home state", "version": 99, "devices": {}}',
    '{"version": 99, "devices": {}}',  # written before the header: still ours
    '{"format": "assistant home state", "version": 1, "devices": []}',
])
def test_a_corrupt_state_file_is_set_aside(state_file: Path, content: str) -> None:
    state_file.parent.mkdir(parents=True)
    state_file.write_text(content, errors="surrogateescape")
    skills = make_skills(state_file)
    corrupt = state_file.with_name(state_file.name + ".corrupt")
    assert corrupt.exists() and not state_file.exists()
    assert skills.problems and str(corrupt) in skills.problems[0]
    # The home config is intact and the defaults apply.
    assert say(skills, "is the front door locked").text == "Yes, the front door is locked."
    say(skills, "turn on the kitchen light")
    assert saved(state_file)["kitchen_light"]["on"] is True


@pytest.mark.parametrize("content", [
    "{not json", "[]", "\udcff", "precious notes\n", '{"devices": {}, "owner": "me"}',
    "[" * 100_000,
])
def test_a_file_that_is_not_a_state_file_is_never_touched(state_file: Path,
                                                          content: str) -> None:
    """skills.state_file naming someone's file (a script once pointed it at one: the
    file was moved to .corrupt and overwritten with JSON) stops the start instead."""
    state_file.parent.mkdir(parents=True)
    state_file.write_text(content, errors="surrogateescape")
    before = state_file.read_bytes()
    with pytest.raises(HomeStateError, match="not a home state file of the assistant"):
        make_skills(state_file)
    assert state_file.read_bytes() == before
    assert [p.name for p in state_file.parent.iterdir()] == [state_file.name]


def test_state_of_devices_no_longer_in_the_home_is_ignored(state_file: Path) -> None:
    state_file.parent.mkdir(parents=True)
    state_file.write_text(json.dumps({"version": 1, "devices": {
        "garage_light": {"on": True}, "kitchen_light": {"on": True, "brightness": 60}}}))
    skills = make_skills(state_file)
    assert not skills.problems
    assert say(skills, "is the kitchen light on").text == (
        "Yes, the kitchen light is on at sixty percent.")


def test_a_failed_save_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    skills = make_skills(blocker / "state.json")
    reply = say(skills, "turn on the kitchen light")
    assert reply.text == ("Okay, the kitchen light is on. But I could not save it, so it will "
                          "be forgotten when I restart.")


# ------------------------------------------------------------------ lock confirmation
def test_locking_needs_no_confirmation(skills: Skills, state_file: Path) -> None:
    say(skills, "unlock the front door", 0.0)
    say(skills, "yes", 1.0)
    reply = say(skills, "lock the front door", 2.0)
    assert (reply.text, reply.expects_reply) == ("Okay, the front door is locked.", False)
    assert saved(state_file)["front_door"]["locked"] is True


@pytest.mark.parametrize("answer", ["yes", "Yes, please.", "do it", "yeah go ahead"])
def test_unlock_after_confirmation(skills: Skills, state_file: Path, answer: str) -> None:
    question = say(skills, "unlock the front door", 0.0)
    assert question.intent == "HomeUnlock" and question.expects_reply
    assert question.text == "Are you sure you want to unlock the front door?"
    assert not state_file.exists()  # nothing changed yet
    reply = say(skills, answer, 5.0)
    assert (reply.intent, reply.text) == ("Confirm", "Okay, the front door is unlocked.")
    assert saved(state_file)["front_door"]["locked"] is False
    assert say(skills, "is the front door locked?").text == "No, the front door is unlocked."


@pytest.mark.parametrize("answer", ["no", "cancel", "never mind", "what time is it",
                                    "banana purple seventeen", ""])
def test_anything_but_yes_refuses(skills: Skills, state_file: Path, answer: str) -> None:
    say(skills, "unlock the front door", 0.0)
    reply = say(skills, answer, 3.0)
    assert (reply.intent, reply.text) == ("Deny", "Okay, the front door stays locked.")
    assert not state_file.exists()
    assert skills.respond("yes", now=4.0) is None  # the question is closed


def test_the_confirmation_expires(skills: Skills, state_file: Path) -> None:
    say(skills, "unlock the front door", 0.0)
    reply = say(skills, "yes", 31.0)
    assert reply.text == ("Sorry, I waited too long for an answer, so the front door stays "
                          "locked. Ask me again if you still want to.")
    assert not state_file.exists()
    assert skills.respond("yes", now=32.0) is None


def test_other_commands_work_after_expiry(skills: Skills, state_file: Path) -> None:
    say(skills, "unlock the front door", 0.0)
    reply = say(skills, "turn on the kitchen light", 40.0)
    assert reply.text == "Okay, the kitchen light is on."
    assert saved(state_file)["front_door"]["locked"] is True


def test_a_yes_with_no_question_open_is_conversation(skills: Skills) -> None:
    assert skills.respond("yes", now=0.0) is None
    assert skills.respond("no", now=0.0) is None


def test_a_lock_marked_not_sensitive_opens_directly(tmp_path: Path) -> None:
    home = tmp_path / "home.toml"
    home.write_text('[devices.shed]\nkind = "lock"\nname = "shed door"\nsensitive = false\n')
    skills = make_skills(tmp_path / "s.json", home_file=str(home))
    reply = say(skills, "unlock the shed door")
    assert (reply.text, reply.expects_reply) == ("Okay, the shed door is unlocked.", False)


# ----------------------------------------------------------------- not commands
@pytest.mark.parametrize("text", [
    "banana purple seventeen", "the the the", "", "why is the sky blue",
    "tell me a story about a dragon", "who wrote hamlet", "I love my kitchen light",
    "the front door is red", "open the window", "lock",
])
def test_non_commands_return_none_and_change_nothing(skills: Skills, state_file: Path,
                                                     text: str) -> None:
    assert skills.respond(text, now=0.0) is None
    assert not state_file.exists()


# ------------------------------------------------------------------ home config
def test_the_default_home() -> None:
    home = load_home(building.language().home_file)
    assert [a.name for a in home.areas] == ["kitchen", "living room", "bedroom", "hallway",
                                             "upstairs", "downstairs"]
    kinds = {d.name: d.kind for d in home.devices}
    assert kinds["thermostat"] == "thermostat" and kinds["front door"] == "lock"
    assert kinds["coffee machine"] == "plug" and kinds["living room blinds"] == "blinds"
    door = next(d for d in home.devices if d.name == "front door")
    assert door.sensitive


@pytest.mark.parametrize(("content", "message"), [
    ('[devices.x]\nkind = "toaster"\n', "devices.x.kind must be one of"),
    ('[devices.x]\nkind = "light"\nroom = "attic"\n', "devices.x.room: unknown room 'attic'"),
    ('[devices.x]\nkind = "light"\ncolour = "red"\n', "unknown key devices.x.colour"),
    ('[devices.a]\nkind = "light"\nname = "lamp"\n[devices.b]\nkind = "plug"\nname = "lamp"\n',
     "the device name 'lamp' is used by both a and b"),
    ('[groups.up]\nrooms = ["attic"]\n', "groups.up.rooms: unknown room 'attic'"),
    ('[devices.t]\nkind = "thermostat"\ntemperature = 40\n', "devices.t.temperature must lie"),
    ("[garden]\n", "unknown section [garden]"),
    ("rooms = [", "home.toml:"),
])
def test_bad_home_files_name_the_key(tmp_path: Path, content: str, message: str) -> None:
    home = tmp_path / "home.toml"
    home.write_text(content)
    with pytest.raises(HomeConfigError, match=message.replace("[", r"\[").replace(".", r"\.")):
        load_home(home)


def test_a_missing_home_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(HomeConfigError, match="skills.home_file"):
        load_home(tmp_path / "nope.toml")


def test_memory_only_state(tmp_path: Path) -> None:
    state = HomeState(load_home(building.language().home_file), path=None)
    state.update({"kitchen_light": {"on": True}})
    assert state.get("kitchen_light")["on"] is True
    assert list(tmp_path.iterdir()) == []


def test_a_state_path_that_is_a_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(HomeStateError, match="is a directory"):
        make_skills(tmp_path)
    assert tmp_path.exists()

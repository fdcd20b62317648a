"""Both languages under one wake word (`language = "auto"`, issue 26), in text: each turn
answered in the language heard, a wrong detection on a command caught by the other
language's skills, one home, one set of timers and one memory for both."""

from __future__ import annotations

from pathlib import Path

from assistant.audio import Audio, silence
from assistant.home.home_file import load_home
from assistant.home.state_file import HomeState, HomeStateError
from assistant.language.packs import load_language
from assistant.language.voice import VoiceByScript
from assistant.loop.events import Route
from tests import building
from tests.fakes import FakeChat


def answer(conversation, text: str, language: str | None, **readings):  # type: ignore[no-untyped-def]
    reply = conversation.answer(text, now=1.0, language=language, **readings)
    said = " ".join(reply.sentences())
    reply.finish()
    return reply.route, reply.language, said


def test_each_turn_is_answered_in_the_language_heard(tmp_path: Path) -> None:
    talk = building.bilingual_conversation(state_file=tmp_path / "state.json")
    route, language, said = answer(talk, "Turn on the kitchen light.", "en")
    assert (route, language, said) == (Route.SKILL, "en", "Okay, the kitchen light is on.")
    route, language, said = answer(talk, "厨房的灯开着吗？", "zh")  # the same home
    assert (route, language, said) == (Route.SKILL, "zh", "是的，厨房灯开着。")


def test_timers_and_memory_are_shared(tmp_path: Path) -> None:
    chat = FakeChat(answer="Paris.")
    talk = building.bilingual_conversation(chat=chat, state_file=tmp_path / "state.json")
    assert answer(talk, "设一个五分钟的定时器。", "zh")[0] is Route.SKILL
    route, language, said = answer(talk, "Cancel the timer.", "en")
    assert (route, language) == (Route.SKILL, "en") and "five minute timer" in said
    answer(talk, "What is the capital of France?", "en")
    assert talk.router.memory.questions() == ["What is the capital of France?"]


def test_a_command_detected_as_the_other_language_is_still_a_command(tmp_path: Path) -> None:
    talk = building.bilingual_conversation(state_file=tmp_path / "state.json")
    # an English command heard as Mandarin: the Mandarin reading is no command, the English
    # reading of the same audio is
    route, language, said = answer(talk, "斯塔普。", "zh",
                                   elsewhere=(("en", "Set a timer for ten minutes."),))
    assert (route, language, said) == (Route.SKILL, "en", "Okay, timer set for ten minutes.")
    # and a control phrase of either language stops, whatever was detected
    assert answer(talk, "停。", "en")[0] is Route.CONTROL


def test_a_language_the_chat_model_does_not_speak_says_what_to_fetch(tmp_path: Path) -> None:
    chat = FakeChat(answer="Because of Rayleigh scattering.")
    talk = building.bilingual_conversation(chat=chat, state_file=tmp_path / "state.json")
    route, language, said = answer(talk, "天空为什么是蓝色的？", "zh")
    assert (route, language) == (Route.LLM, "zh")
    assert "assistant models fetch qwen2.5" in said and not chat.prompts
    route, language, said = answer(talk, "Why is the sky blue?", "en")
    assert (route, language, said.strip()) == (Route.LLM, "en", "Because of Rayleigh scattering.")


def test_a_house_under_two_sets_of_names_is_one_house(tmp_path: Path) -> None:
    english = HomeState(load_home(load_language("en").home_file), path=tmp_path / "s.json")
    mandarin = english.named_by(load_home(load_language("zh").home_file))
    english.update({"kitchen_light": {"on": True}})
    assert mandarin.get("kitchen_light")["on"] is True
    assert mandarin.config.device("kitchen_light").name == "厨房灯"
    other = tmp_path / "other.toml"
    other.write_text('[rooms.den]\nname = "den"\n[devices.lamp]\nkind = "light"\n'
                     'room = "den"\nname = "lamp"\n', encoding="utf-8")
    try:
        english.named_by(load_home(other))
    except HomeStateError as error:
        assert "same devices" in str(error)
    else:
        raise AssertionError("a different house was accepted")


class Named:
    def __init__(self, name: str) -> None:
        self.name, self.rate, self.said = name, 16000, []  # type: ignore[var-annotated]

    def synthesize(self, text: str):  # type: ignore[no-untyped-def]
        self.said.append(text)
        return iter([silence(10)])

    def close(self) -> None:
        pass


def test_each_script_is_read_by_its_own_voice() -> None:
    english, mandarin = Named("en"), Named("zh")
    voice = VoiceByScript(english, others=[(load_language("zh").text.written_in, mandarin)])
    blocks = [*voice.synthesize("好的，客厅灯已打开。"), *voice.synthesize("Okay.")]
    assert all(isinstance(block, Audio) for block in blocks)
    assert mandarin.said == ["好的，客厅灯已打开。"] and english.said == ["Okay."]


def test_typed_text_is_answered_in_the_language_of_its_script(tmp_path: Path) -> None:
    talk = building.bilingual_conversation(state_file=tmp_path / "state.json")
    assert answer(talk, "打开厨房的灯", None)[1:] == ("zh", "好的，厨房灯已打开。")
    assert answer(talk, "Is the kitchen light on?", None)[1:] == (
        "en", "Yes, the kitchen light is on.")

"""A third language needs nothing outside its own folder: a minimal German pack, written
here into a temporary folder (pack.yaml, one intents.yaml, one responses.yaml, home.toml, no
hooks.py), loads, matches its sentences and answers in German through the same skills,
assembly and conversation as English and Mandarin."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from assistant.assembly import build_skills
from assistant.config import Config, SkillsConfig
from assistant.language.packs import LanguageError, load_language
from assistant.loop.events import Route
from assistant.loop.router import ChatSettings
from assistant.loop.session import SessionSettings, conversation
from assistant.skills import Skills
from tests.fakes import MemoryControls

PACK = {
    "pack.yaml": """
code: de
name: German
voice: piper-de_DE-thorsten-medium
chat: {models: [], system_prompt: "Antworte kurz auf Deutsch.", examples: []}
control: {phrases: [stopp, halt, sei still], ignore: [bitte]}
barge_in_hint: "Stopp."
""",
    "intents.yaml": """
language: de
intents:
  GetTime:
    data:
      - sentences: ["wie spät ist es", "wie viel uhr ist es"]
  HomeTurnOn:
    data:
      - sentences: ["schalte [das|die|den] {switchable:name} ein", "{switchable:name} an"]
  VolumeUp:
    data:
      - sentences: ["lauter"]
""",
    "responses.yaml": """
responses:
  TimeIs: "Es ist {{ moment.hour|number }} Uhr {{ moment.minute|number }}."
  Switched: "Okay, {{ devices[0].name }} ist {{ 'an' if on else 'aus' }}."
  AlreadyInState: "{{ device.name }} ist schon {{ 'an' if state == 'on' else 'aus' }}."
  VolumeChanged: "Okay, Lautstärke {{ (level * 10)|round|int|number }}."
  NotCaught: "Entschuldigung, das habe ich nicht verstanden."
  NoChatModel: "Das kann ich leider noch nicht."
  RecognizerHint: "Schalte das Küchenlicht ein."
""",
    "home.toml": """
[rooms.kitchen]
name = "küche"

[devices.kitchen_light]
kind = "light"
room = "kitchen"
name = "küchenlicht"
""",
}


@pytest.fixture
def german(tmp_path: Path) -> Path:
    folder = tmp_path / "de"
    folder.mkdir()
    for name, text in PACK.items():
        (folder / name).write_text(text.lstrip(), encoding="utf-8")
    return folder


def skills(folder: Path, state: Path) -> Skills:
    language = load_language(folder=folder)
    config = Config(language="de", skills=SkillsConfig(state_file=str(state)))
    return build_skills(config, language).session(
        controls=MemoryControls(), wallclock=lambda: datetime(2026, 3, 5, 15, 25))


def test_a_minimal_pack_answers_in_its_language(german: Path, tmp_path: Path) -> None:
    talk = skills(german, tmp_path / "state.json")
    time = talk.respond("Wie spät ist es?", now=0.0)
    assert time is not None and time.text == "Es ist fünfzehn Uhr fünfundzwanzig."
    light = talk.respond("Schalte das Küchenlicht ein.", now=0.0)
    assert light is not None and light.intent == "HomeTurnOn"
    assert light.text == "Okay, küchenlicht ist an."
    again = talk.respond("Küchenlicht an", now=0.0)
    assert again is not None and again.text == "Küchenlicht ist schon an."
    louder = talk.respond("Lauter!", now=0.0)
    assert louder is not None and louder.text == "Okay, Lautstärke sechs."
    assert talk.respond("Warum ist der Himmel blau?", now=0.0) is None


def test_the_conversation_speaks_it_too(german: Path) -> None:
    """Control phrases, the not-heard-clearly reply and the missing chat model, all from
    the pack's data."""
    language = load_language(folder=german)
    talk = conversation(language=language, chat=None, skills_engine=None,
                        settings=SessionSettings(chat=ChatSettings(system_prompt="")))
    assert language.is_control("Stopp bitte!") and not language.is_control("Stoppuhr")
    stop = talk.answer("Halt!", now=0.0)
    assert stop.route is Route.CONTROL
    unclear = talk.answer("Schalte das Kuchenlicht", now=0.0, heard_clearly=False)
    assert " ".join(unclear.sentences()) == "Entschuldigung, das habe ich nicht verstanden."
    question = talk.answer("Warum ist der Himmel blau?", now=0.0)
    assert " ".join(question.sentences()) == "Das kann ich leider noch nicht."


def test_a_broken_pack_is_refused_with_the_file_named(german: Path) -> None:
    (german / "pack.yaml").write_text("code: fr\nname: French\nvoice: x\n", encoding="utf-8")
    with pytest.raises(LanguageError, match="must be the folder's name 'de'"):
        load_language(folder=german)
    (german / "pack.yaml").write_text("code: de\nname: German\nvoice: x\nsize: 3\n",
                                      encoding="utf-8")
    with pytest.raises(LanguageError, match="pack.yaml: unknown key 'size'"):
        load_language(folder=german)

"""Building the pieces the unit tests need the way the assembly builds them: a language
pack, the skills over a home, one conversation's skills. (The assembly is the one place
that puts the program together; the tests use it too, so what they test is what runs.)"""

from __future__ import annotations

import random
import tempfile
import zoneinfo
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.assembly import (
    build_skills,
    chat_config,
    home_backend,
    load_chat_model,
)
from assistant.config import Config, LlmConfig, SkillsConfig, SttConfig, TtsConfig
from assistant.engines.llm import ChatModel
from assistant.engines.stt import SpeechRecognizer
from assistant.engines.tts import SpeechSynthesizer
from assistant.home.backend import DeviceBackend
from assistant.knowledge import Knowledge
from assistant.knowledge.grounding import Grounding
from assistant.knowledge_setup import KnowledgeParts, questions_of
from assistant.language import Language
from assistant.language.packs import load_language
from assistant.loading import load_recognizer, load_synthesizer
from assistant.loop.conversation import Conversation
from assistant.loop.listener import ListenerSettings
from assistant.loop.memory import ConversationMemory
from assistant.loop.router import ChatSettings, Router
from assistant.loop.session import SessionSettings
from assistant.loop.session import conversation as make_conversation
from assistant.loop.shared import Tongue
from assistant.models import ModelStore
from assistant.places import PlaceIndex
from assistant.skills import Capabilities, Skills, SkillsEngine
from assistant.skills.knowledge import Shelf
from assistant.skills.weather import HomeForecasts, HomeWeatherSource
from tests.fakes import MemoryControls
from tests.knowledge_data import write_sources


def language(code: str = "en") -> Language:
    return load_language(code)


PLACES = Path(__file__).parent / "data" / "places"
"""A few GeoNames cities and countries (tests/data/places/README.md)."""
ZONE = zoneinfo.ZoneInfo("Europe/London")
"""The zone the tests' wall clock is in, whatever the machine's."""


def skills_engine(code: str = "en", *, state_file: Path | None = None,
                  home_file: str | None = None, tool_calls: bool = False,
                  seed: int = 21, knowledge: bool | KnowledgeParts = False,
                  home: Callable[[DeviceBackend], DeviceBackend] | None = None) -> SkillsEngine:
    """The skills of language `code` over its home (or `home_file`); the state, alarms,
    reminders and lists next to `state_file` (None: a fresh temporary folder, never the
    user's own); `home` wraps the simulated backend (a fake that fails like a real home).
    The everyday skills look places up in tests/data/places, read the wall clock as London
    time and draw chance from a Random seeded with `seed`. `knowledge`: the knowledge skill
    over the small test data (tests/knowledge_data.py), with its passages for the chat
    model (or these parts)."""
    if state_file is None:
        state_file = Path(tempfile.mkdtemp(prefix="assistant-test-")) / "home-state.json"
    folder = state_file.parent
    config = Config(language=code, skills=SkillsConfig(
        home_file=home_file, state_file=str(state_file), tool_calls=tool_calls,
        alarms_file=str(folder / "alarms.json"), reminders_file=str(folder / "reminders.json"),
        lists_file=str(folder / "lists.json")))
    backend, problems = home_backend(config, language(code))
    engine = build_skills(config, language(code), backend=home(backend) if home else backend,
                          knowledge=knowledge if isinstance(knowledge, KnowledgeParts)
                          else small_knowledge(code) if knowledge else None)
    engine.problems = problems
    if engine.everyday is not None:
        words = language(code).skill_words
        engine.everyday.places = PlaceIndex(
            PLACES, fold=words.fold, aliases=dict(words.place_aliases),
            country_names=words.country_names() if words.country_names else {})
        engine.everyday.local_zone = ZONE
        engine.everyday.rng = random.Random(seed)
    return engine


_KNOWLEDGE: list[Knowledge] = []


def small_knowledge(code: str = "en") -> KnowledgeParts:
    """The knowledge of language `code` over the small test data sets (built once per
    test run, in a temporary folder), as the assembly hands it to the skills."""
    if not _KNOWLEDGE:
        folder = Path(tempfile.mkdtemp(prefix="assistant-knowledge-"))
        _KNOWLEDGE.append(Knowledge.open(write_sources(folder / "data"),
                                         cache_dir=folder / "cache"))
    known = _KNOWLEDGE[0]
    return KnowledgeParts(shelves={code: Shelf(questions_of(known, language(code)),
                                                 closes=False)},
                          grounding=Grounding(lambda question: known.context(question)))


def skills(code: str = "en", *, state_file: Path | None = None, home_file: str | None = None,
           controls: MemoryControls | None = None, tool_calls: bool = False,
           knowledge: bool = False,
           wallclock: Callable[[], datetime] = datetime.now,
           capabilities: Capabilities | None = None,
           home: Callable[[DeviceBackend], DeviceBackend] | None = None,
           weather: HomeForecasts | None = None) -> Skills:
    """One conversation's skills (timers, confirmations) in language `code` (`weather`:
    the home's weather entity, none by default; `knowledge`: see `skills_engine`)."""
    engine = skills_engine(code, state_file=state_file, home_file=home_file,
                           tool_calls=tool_calls, home=home, knowledge=knowledge)
    if engine.everyday is not None:
        engine.everyday.weather = HomeWeatherSource(weather) if weather is not None else None
    return engine.session(controls=controls or MemoryControls(), wallclock=wallclock,
                          capabilities=capabilities)


def router(*, chat: ChatModel | None = None, skills: Skills | None = None, code: str = "en",
           system_prompt: str = "Be brief.", examples: tuple[tuple[str, str], ...] = (),
           max_reply_tokens: int = 50, max_sentences: int = 0,
           memory_tokens: int = 200, read_ahead: bool = False) -> Router:
    """A router in language `code` over `chat` and `skills` (either may be None)."""
    count = chat.count_tokens if chat is not None else (lambda text: len(text.split()))
    return Router(chat=chat, skills=skills, language=language(code),
                  memory=ConversationMemory(max_tokens=memory_tokens, count_tokens=count),
                  settings=ChatSettings(system_prompt=system_prompt, examples=examples,
                                        max_reply_tokens=max_reply_tokens,
                                        max_sentences=max_sentences, read_ahead=read_ahead))


def session_settings(*, system_prompt: str = "Be brief.", max_sentences: int = 0,
                     listener: ListenerSettings | None = None,
                     examples: tuple[tuple[str, str], ...] = ()) -> SessionSettings:
    return SessionSettings(chat=ChatSettings(system_prompt=system_prompt, examples=examples,
                                             max_sentences=max_sentences),
                           listener=listener or ListenerSettings())


def conversation(*, chat: ChatModel | None = None, skills_engine: SkillsEngine | None = None,
                 code: str = "en", settings: SessionSettings | None = None,
                 capabilities: Capabilities | None = None) -> Conversation:
    """One conversation in language `code`, as a session would have it."""
    return make_conversation(language=language(code), chat=chat, skills_engine=skills_engine,
                             settings=settings or session_settings(), capabilities=capabilities)


def bilingual_conversation(*, chat: ChatModel | None = None, state_file: Path | None = None,
                           zh_chat: bool = False) -> Conversation:
    """One conversation speaking English and Mandarin (`language = "auto"`), as the
    assembly builds it: each language's skills over the one home, shared timers;
    `zh_chat`: whether the chat model speaks Mandarin."""
    english = skills_engine("en", state_file=state_file)
    # the same house, alarms and lists as the English skills (no file of its own)
    mandarin = build_skills(Config(language="zh"), language("zh"), sharing=english)
    chat_settings = ChatSettings(system_prompt="Be brief.")
    settings = SessionSettings(chat=chat_settings, chats={
        "en": chat_settings, "zh": ChatSettings(system_prompt="简短。", answers=zh_chat)})
    return make_conversation(language=language("en"), chat=chat, skills_engine=english,
                             settings=settings, others=[Tongue(language("zh"), mandarin)])


def english_voice(store: ModelStore, *, deterministic: bool = True) -> SpeechSynthesizer:
    """The English pack's voice (Piper joe), deterministic unless asked otherwise."""
    return load_synthesizer(TtsConfig(), store, voice=language("en").voice,
                            deterministic=deterministic)


def recognizer(store: ModelStore, *, code: str = "en", config: SttConfig | None = None,
               engine: str | None = None, model_id: str | None = None) -> SpeechRecognizer:
    """A recognizer for language code `code` (any recognizer language: "ko" for Vosk)."""
    return load_recognizer(config or SttConfig(), store, language=code, engine=engine,
                           model_id=model_id)


def chat_model(store: ModelStore, *, code: str = "en", **options: Any) -> ChatModel:
    """The chat model the language would load (`options`: llm keys such as context_tokens)."""
    config = Config(language=code, llm=LlmConfig(**options))
    llm = chat_config(config, language(code), store)
    assert llm is not None, f"no chat model for {code} is installed"
    return load_chat_model(llm, store)


def knowledge_questions(knowledge: Any, code: str = "en") -> Any:
    """The knowledge questions of language `code` over `knowledge`, its templates matched
    the way the language matches its own intents (as the benchmark and the skills do)."""
    from assistant.knowledge.questions import KnowledgeQuestions

    pack = language(code)
    return KnowledgeQuestions(knowledge, lambda path, checks: pack.load_intents(
        path, {}, checks), language=code)


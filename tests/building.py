"""Building the pieces the unit tests need the way the assembly builds them: a language
pack, the skills over a home, one conversation's skills. (The assembly is the one place
that puts the program together; the tests use it too, so what they test is what runs.)"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.assembly import (
    build_skills,
    chat_config,
    home_backend,
    load_chat_model,
    load_recognizer,
    load_synthesizer,
)
from assistant.config import Config, LlmConfig, SkillsConfig, SttConfig, TtsConfig
from assistant.engines.llm import ChatModel
from assistant.engines.stt import SpeechRecognizer
from assistant.engines.tts import SpeechSynthesizer
from assistant.home.backend import DeviceBackend
from assistant.language import Language
from assistant.language.packs import load_language
from assistant.loop.conversation import Conversation
from assistant.loop.listener import ListenerSettings
from assistant.loop.memory import ConversationMemory
from assistant.loop.router import ChatSettings, Router
from assistant.loop.session import SessionSettings
from assistant.loop.session import conversation as make_conversation
from assistant.models import ModelStore
from assistant.skills import Capabilities, Skills, SkillsEngine
from assistant.skills.weather import WeatherSource
from tests.fakes import MemoryControls


def language(code: str = "en") -> Language:
    return load_language(code)


def skills_engine(code: str = "en", *, state_file: Path | None = None,
                  home_file: str | None = None, tool_calls: bool = False,
                  home: Callable[[DeviceBackend], DeviceBackend] | None = None) -> SkillsEngine:
    """The skills of language `code` over its home (or `home_file`); the state in
    `state_file` (None: a fresh temporary file, never the user's own); `home` wraps the
    simulated backend (a fake that fails like a real home)."""
    if state_file is None:
        state_file = Path(tempfile.mkdtemp(prefix="assistant-test-")) / "home-state.json"
    config = Config(language=code, skills=SkillsConfig(
        home_file=home_file, state_file=str(state_file), tool_calls=tool_calls))
    backend, problems = home_backend(config, language(code))
    engine = build_skills(config, language(code), backend=home(backend) if home else backend)
    engine.problems = problems
    return engine


def skills(code: str = "en", *, state_file: Path | None = None, home_file: str | None = None,
           controls: MemoryControls | None = None, tool_calls: bool = False,
           wallclock: Callable[[], datetime] = datetime.now,
           capabilities: Capabilities | None = None,
           home: Callable[[DeviceBackend], DeviceBackend] | None = None,
           weather: WeatherSource | None = None) -> Skills:
    """One conversation's skills (timers, confirmations) in language `code` (`weather`:
    the weather source, none by default)."""
    engine = skills_engine(code, state_file=state_file, home_file=home_file,
                           tool_calls=tool_calls, home=home)
    engine.weather = weather
    return engine.session(controls=controls or MemoryControls(), wallclock=wallclock,
                          capabilities=capabilities)


def router(*, chat: ChatModel | None = None, skills: Skills | None = None, code: str = "en",
           system_prompt: str = "Be brief.", examples: tuple[tuple[str, str], ...] = (),
           max_reply_tokens: int = 50, max_sentences: int = 0,
           memory_tokens: int = 200) -> Router:
    """A router in language `code` over `chat` and `skills` (either may be None)."""
    count = chat.count_tokens if chat is not None else (lambda text: len(text.split()))
    return Router(chat=chat, skills=skills, language=language(code),
                  memory=ConversationMemory(max_tokens=memory_tokens, count_tokens=count),
                  settings=ChatSettings(system_prompt=system_prompt, examples=examples,
                                        max_reply_tokens=max_reply_tokens,
                                        max_sentences=max_sentences))


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

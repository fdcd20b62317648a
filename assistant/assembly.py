"""The composition root: the one module that knows every package and puts the program
together from the configuration.

It reads nothing but what it is given (a `Config`), loads the language pack once and
resolves every unset key (`None`) to what the language and the machine call for: the
recognizer, the voice, the chat model and its prompt, the home. Every model is loaded
from an explicit local path through the model store; a missing model is an error that
names the fetch command. The result is an `Engines` bundle (`assistant.loop.shared`),
what every session shares: loaded once, before listening starts, closed when the process
is done. Only the programs import this module (the command line, the test mode, the
benchmark); every other module is handed what it needs.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.config import Config, ConfigError, LlmConfig
from assistant.config_home import HomeBackend
from assistant.engines.chat_choice import choose_chat_model, total_memory_bytes
from assistant.engines.vad import SileroVadModel
from assistant.engines.wake import MicroWakeWordModel
from assistant.everyday_setup import build_everyday
from assistant.home.assemble import build_backend
from assistant.home.backend import DeviceBackend
from assistant.home.home_file import load_home
from assistant.home.homeassistant import HomeAssistantBackend
from assistant.home.model import Home
from assistant.home.simulated import SimulatedBackend, home_of
from assistant.home.state_file import HomeState, default_state_path
from assistant.home.weather import HomeWeather
from assistant.knowledge_setup import KnowledgeParts, knowledge_parts
from assistant.language import Language
from assistant.language.packs import LanguageError, available_languages, load_language
from assistant.language.vocabulary import recognizer_hint
from assistant.loading import (  # the programs may load an engine through the assembly
    detecting_recognizer,
    language_recognizer,
    load_final_recognizer,
    load_synthesizer,
    spoken_voice,
)
from assistant.loading import language_voice as language_voice
from assistant.loading import load_chat as load_chat
from assistant.loading import load_chat_model as load_chat_model
from assistant.loading import load_recognizer as load_recognizer
from assistant.loop.listener import ListenerSettings
from assistant.loop.router import ChatSettings
from assistant.loop.session import SessionSettings
from assistant.loop.shared import Engines, Tongue
from assistant.models import ModelStore
from assistant.retention.recorder import RecordingRecognizer
from assistant.skills import SkillsEngine, slot_validators
from assistant.skills.home_names import home_lists
from assistant.skills.registry import IntentMatcher
from assistant.skills.weather import HomeWeatherSource
from assistant.testmode.run import TestVoices, run_script, script_config
from assistant.testmode.script import Script, Turn
from assistant.warm_up import read_prompt, warm_up

log = logging.getLogger(__name__)


AUTO = "auto"
"""`language = "auto"`: every shipped pack, each turn answered in the language heard."""


def language_of(config: Config) -> Language:
    """The pack of `config.language` (a ConfigError naming the key and the choices); with
    `language = "auto"`, the first of the languages spoken."""
    return spoken_languages(config)[0]


def spoken_languages(config: Config) -> tuple[Language, ...]:
    """The packs the program speaks: `config.language`'s, or with "auto" every shipped
    pack, English first (messages that belong to no turn are said in it)."""
    codes = ([config.language] if config.language != AUTO else
             sorted(available_languages(), key=lambda code: (code != "en", code)))
    try:
        return tuple(load_language(code) for code in codes)
    except LanguageError as error:
        where = f"{config.source}: " if config.source else ""
        raise ConfigError(f"{where}{error}; or \"{AUTO}\" for all of them") from None


def model_store(config: Config) -> ModelStore:
    return ModelStore.from_config(config.models)


# -- the chat model ------------------------------------------------------------------------

def chat_config(config: Config, language: Language | Sequence[Language], store: ModelStore,
                *, memory_bytes: int | None = None) -> LlmConfig | None:
    """The chat model settings with `llm.model` resolved (assistant/engines/chat_choice.py):
    the configured model, else the first installed one of those the languages name (one
    that names none: the registry's default chat models too) that fits this machine's
    memory; None when every language names its own models and none is installed (the
    router then says which to fetch)."""
    languages = [language] if isinstance(language, Language) else list(language)
    named = tuple(dict.fromkeys(m for lang in languages for m in lang.chat.models))
    own = all(lang.chat.models for lang in languages)
    known = {spec.id for spec in store.registry.models}
    choice = choose_chat_model(
        config.llm.model, preferred=named if own else (),
        defaults=tuple(dict.fromkeys((*named, *default_chat_models(store)))),
        installed=lambda model: model in known and store.is_installed(model),
        memory_bytes=total_memory_bytes() if memory_bytes is None else memory_bytes)
    log.info("chat model: %s (%s)", choice.model or "none", choice.reason)
    return dataclasses.replace(config.llm, model=choice.model) if choice.model else None


def default_chat_models(store: ModelStore) -> tuple[str, ...]:
    """The registry's default chat models, best first (for a language that names none)."""
    return tuple(spec.id for spec in store.registry.defaults if spec.role == "llm")


def chat_candidates(language: Language, store: ModelStore) -> tuple[str, ...]:
    """The chat models that speak the language, best first; the first is the one to fetch."""
    return language.chat.models or default_chat_models(store)


def chat_settings(config: Config, language: Language, *,
                  model: str | None = None) -> ChatSettings:
    """The prompt and examples: the config's where set, else the language's. `model`:
    the chat model loaded, when the language may not be its (another language spoken):
    a model the language does not name answers in it only if the config chose it."""
    llm = config.llm
    answers = (model is None or llm.model is not None or not language.chat.models
               or model in language.chat.models)
    return ChatSettings(
        system_prompt=llm.system_prompt if llm.system_prompt is not None
        else language.chat.system_prompt,
        examples=llm.examples if llm.examples is not None else language.chat.examples,
        max_reply_tokens=llm.max_reply_tokens, max_sentences=llm.max_sentences,
        answers=answers, read_ahead=llm.read_ahead)


# -- the skills ----------------------------------------------------------------------------

HINT_DEVICES = 40
"""Device names in the recognizer's hint at most (Whisper's prompt is short)."""


def intent_recognizer(config: Config, language: Language, *,
                      home_file: str | None = None) -> IntentMatcher:
    """The language's intents over the names of a simulated home (`home_file`, else
    `skills.home_file`, else the language's built-in home), for `assistant intents`."""
    home = home_of(load_home(home_file or config.skills.home_file or language.home_file))
    return language.load_intents(language.intents_path, home_lists(home),
                                 slot_validators(language.skill_words))


def home_backend(config: Config, language: Language, *,
                 sharing: DeviceBackend | None = None) -> tuple[DeviceBackend, list[str]]:
    """The configured home, not started, and what the user should hear about it: the
    simulated home (`skills.home_file`, else the language's, with its saved state), Home
    Assistant or an MQTT broker. `sharing`: another language's backend, the same house
    (the simulated one under this language's names; any other one itself, borrowed).
    Raises AssistantError subclasses with one line when a file is unusable."""
    if config.home.backend is not HomeBackend.SIMULATED:
        return (Borrowed(sharing) if sharing is not None else build_backend(config.home)), []
    skills = config.skills
    home = load_home(skills.home_file or language.home_file)
    if isinstance(sharing, SimulatedBackend):
        return SimulatedBackend(sharing.saved.named_by(home)), []
    state_path = Path(skills.state_file).expanduser() if skills.state_file else (
        default_state_path())
    state = HomeState(home, path=state_path)
    return build_backend(config.home, simulated=state), [state.problem] if state.problem else []


class Borrowed:
    """Another language's connection to the home: everything but its lifecycle, which
    belongs to the skills that made it (started and stopped once)."""

    def __init__(self, backend: DeviceBackend) -> None:
        self._backend = backend
        self.name = backend.name

    def start(self) -> None:
        """Started by its owner."""

    def stop(self) -> None:
        """Stopped by its owner."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


def build_skills(config: Config, language: Language, *,
                 backend: DeviceBackend | None = None, store: ModelStore | None = None,
                 sharing: SkillsEngine | None = None,
                 knowledge: KnowledgeParts | None = None) -> SkillsEngine:
    """The skills over the configured home (or `backend`; not started: `start()` connects
    it), the language's intents over the home's names (rebuilt when the home changes), the
    weather of the home if it has one, the everyday skills' shared parts (alarms,
    reminders, lists, holidays, places), and the words the skills say things with.
    `sharing`: another language's skills, whose house (under this language's names),
    alarms, reminders and lists these share. `knowledge`: the offline data opened for
    every language (`knowledge_setup`; None: no knowledge skill, no passages)."""
    problems: list[str] = []
    if backend is None:
        backend, problems = home_backend(
            config, language, sharing=sharing.live.backend if sharing is not None else None)
    validators = slot_validators(language.skill_words)

    def intents(home: Home) -> IntentMatcher:
        return language.load_intents(language.intents_path, home_lists(home), validators)

    def hint(home: Home) -> str:
        return recognizer_hint(language, home_names(home))

    # the weather from the home's weather entity, when the home is Home Assistant
    weather = HomeWeatherSource(HomeWeather(backend, backend)) if isinstance(
        backend, HomeAssistantBackend) else None
    shared = sharing.everyday if sharing is not None else None
    everyday = build_everyday(config, language, store or model_store(config), sharing=shared,
                              weather=shared.weather if shared is not None else weather)
    return SkillsEngine(backend=backend, intents=intents, say=language.say,
                        words=language.skill_words, hint=hint,
                        tool_calls=config.skills.tool_calls, problems=problems,
                        everyday=everyday,
                        knowledge=knowledge.shelves.get(language.code) if knowledge else None,
                        grounding=knowledge.grounding if knowledge else None)


def home_names(home: Home) -> dict[str, list[str]]:
    """The home's canonical names per list (area, device, and per kind), for the hint."""
    names = {name: list(dict.fromkeys(value for _, value in pairs))
             for name, pairs in home.spoken_lists().items()}
    names["device"] = names.get("device", [])[:HINT_DEVICES]
    return names


# -- sessions ------------------------------------------------------------------------------

def session_settings(config: Config, language: Language, *,
                     wake: bool = True) -> SessionSettings:
    """What one conversation needs, resolved for the language."""
    vad = config.vad
    listener = ListenerSettings(
        wake_enabled=wake and config.wake.enabled, follow_up_ms=config.wake.follow_up_ms,
        threshold=vad.threshold, silence_ms=vad.silence_ms,
        min_speech_ms=vad.min_speech_ms, max_utterance_ms=vad.max_utterance_ms,
        no_speech_timeout_ms=vad.no_speech_timeout_ms, barge_in=config.audio.barge_in,
        early_cut_ms=vad.early_cut_ms, question_cut_ms=vad.question_cut_ms,
        min_confidence=config.stt.min_confidence, barge_in_hint=language.barge_in_hint)
    languages = spoken_languages(config)
    chats = {}
    if len(languages) > 1:  # each language's prompt, and whether the model speaks it
        loaded = chat_config(config, languages, model_store(config))
        # a chat server the user named answers every language
        model = loaded.model if loaded is not None and config.llm.server() is None else None
        chats = {lang.code: chat_settings(config, lang, model=model) for lang in languages}
    return SessionSettings(chat=chats.get(language.code) or chat_settings(config, language),
                           listener=listener, memory_tokens=config.memory.max_tokens,
                           new_conversation_on_wake=config.memory.new_conversation_on_wake,
                           volume=config.audio.volume, chats=chats,
                           alarm_every_s=config.alarms.ring_every_s,
                           alarm_limit_s=config.alarms.ring_minutes * 60)


def load_engines(config: Config, *, wake: bool = True, chat: bool = True,
                 skills: bool = True) -> Engines:
    """Connect the home (first: a refused token fails in a second, before any model
    loads), load the language, recognizer, VAD, wake word, voice, chat model and skills,
    and warm them up."""
    start = time.perf_counter()
    languages = spoken_languages(config)
    language = languages[0]
    store = model_store(config)
    known = knowledge_parts(config, languages, store) if skills else None
    first = build_skills(config, language, store=store, knowledge=known) if skills else None
    others = [Tongue(other, build_skills(config, other, store=store, sharing=first,
                                         knowledge=known)
                     if first is not None else None) for other in languages[1:]]
    started = [engine for engine in (first, *(t.skills for t in others)) if engine is not None]
    try:
        for engine in started:
            engine.start()
        engines, reading = _load_models(config, languages, store, wake=wake, chat=chat,
                                        skills=first, others=others)
    except BaseException:
        for engine in started:
            engine.close()
        raise
    try:
        if known is not None:
            known.settle()  # opened beside the models (not a first build: that goes on)
        warm_up(engines, chat_settings(config, language), reading=reading)
    except BaseException:
        engines.close()
        raise
    if config.privacy.record_dir:  # after the warm-up: only the user's words are recorded
        engines.recognizer = RecordingRecognizer(
            engines.recognizer, Path(config.privacy.record_dir).expanduser())
    engines.load_seconds = time.perf_counter() - start
    return engines


def _load_models(config: Config, languages: Sequence[Language], store: ModelStore, *,
                 wake: bool, chat: bool, skills: SkillsEngine | None,
                 others: Sequence[Tongue]) -> tuple[Engines, Iterator[str] | None]:
    """The engines, and the chat model's reading of the system prompt, started first: it
    reads (1.4 s of the cold start on 2 cores) while the other models load."""
    language = languages[0]
    several = len(languages) > 1
    llm = chat_config(config, languages, store) if chat else None
    model = load_chat(config.llm, llm, store) if chat else None
    try:
        reading = read_prompt(model, chat_settings(config, language), language)
        recognizer = (detecting_recognizer(config, languages, store) if several
                      else language_recognizer(config, language, store))
        voice, notices = spoken_voice(config, languages, store)
        if skills is not None and skills.everyday is not None:
            notices = [*notices, *(language.say(p) for p in skills.everyday.problems())]
        return Engines(
            language=language, recognizer=recognizer, vad=SileroVadModel(),
            wake=MicroWakeWordModel(config.wake.word) if wake and config.wake.enabled else None,
            voice=voice, chat=model, skills=skills,
            # several languages: the detecting recognizer writes non-commands too, unhinted
            final_recognizer=(recognizer if config.stt.final_model else None) if several
            else load_final_recognizer(config, language, store, recognizer),
            notices=notices, others=tuple(others)), reading
    except BaseException:
        if model is not None:
            model.close()
        raise


def script_voice(config: Config, language: Language, store: ModelStore) -> str:
    """The voice that speaks a script's turns that name none: `tts.voice`, else the
    language's, else (not installed) the English voice, which at least says the wake word."""
    if config.tts.voice is not None:
        return config.tts.voice
    if store.is_installed(language.voice):
        return language.voice
    return load_language("en").voice


def run_test_script(config: Config, script: Script, *, out_dir: Path, realtime: bool = False,
                    no_wake: bool = False,
                    after_turn: Callable[[Turn], None] | None = None) -> list[dict[str, Any]]:
    """The test mode: load the engines for `script`'s configuration, run every turn
    through one session, return the report rows."""
    out_dir.mkdir(parents=True, exist_ok=True)
    config = script_config(config, script, out_dir=out_dir)
    store = model_store(config)
    with load_engines(config, wake=not no_wake) as engines:
        voices = TestVoices(lambda name: load_synthesizer(config.tts, store, voice=name,
                                                          deterministic=True),
                            default=script_voice(config, engines.language, store))
        try:
            return run_script(engines, session_settings(config, engines.language,
                                                        wake=not no_wake), script,
                              voices=voices, out_dir=out_dir, block_ms=config.audio.block_ms,
                              realtime=realtime, after_turn=after_turn)
        finally:
            voices.close()

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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.audio import silence, to_speech
from assistant.config import Config, ConfigError, LlmConfig, SttConfig, TtsConfig
from assistant.config_home import HomeBackend
from assistant.engines.llm import ChatMessage, prompt_prefix
from assistant.engines.llm.llama import LlamaChatModel
from assistant.engines.stt import SpeechRecognizer, choose_engine
from assistant.engines.stt.vosk import VoskRecognizer
from assistant.engines.stt.whisper import WhisperRecognizer
from assistant.engines.tts import (
    EspeakSynthesizer,
    PiperSynthesizer,
    SpeechSynthesizer,
    VoiceKind,
    VoiceName,
)
from assistant.engines.vad import SileroVadModel
from assistant.engines.wake import MicroWakeWordModel
from assistant.home.assemble import build_backend
from assistant.home.backend import DeviceBackend
from assistant.home.home_file import load_home
from assistant.home.homeassistant import HomeAssistantBackend
from assistant.home.model import LOCK, ON_OFF, Home
from assistant.home.simulated import home_of
from assistant.home.state_file import HomeState, default_state_path
from assistant.home.weather import HomeWeather
from assistant.language import Language
from assistant.language.packs import LanguageError, load_language
from assistant.language.voice import MissingVoice, VoiceWithoutScript
from assistant.loop.listener import ListenerSettings
from assistant.loop.router import ChatSettings
from assistant.loop.session import SessionSettings
from assistant.loop.shared import Engines
from assistant.models import ModelStore
from assistant.models.registry import MULTILINGUAL
from assistant.retention.recorder import RecordingRecognizer
from assistant.scheduling.threads import cpu_threads, reply_threads
from assistant.skills import SkillsEngine, slot_validators
from assistant.skills.home_names import home_lists
from assistant.skills.registry import IntentMatcher
from assistant.testmode.run import TestVoices, run_script, script_config
from assistant.testmode.script import Script, Turn

log = logging.getLogger(__name__)


def language_of(config: Config) -> Language:
    """The pack of `config.language` (a ConfigError naming the key and the choices)."""
    try:
        return load_language(config.language)
    except LanguageError as error:
        where = f"{config.source}: " if config.source else ""
        raise ConfigError(f"{where}{error}") from None


def model_store(config: Config) -> ModelStore:
    return ModelStore.from_config(config.models)


# -- speech recognition ------------------------------------------------------------------

def load_recognizer(config: SttConfig, store: ModelStore, *, language: str,
                    prompt: str | None = None, engine: str | None = None,
                    model_id: str | None = None) -> SpeechRecognizer:
    """Load the recognizer `choose_engine` picks for `language` (a recognizer language
    code), from its explicit local path. A multilingual model is told the language, and
    `prompt` (the script to write in) when given."""
    choice = choose_engine(config, store, language=language, engine=engine, model_id=model_id)
    path = store.require(choice.model_id)
    spoken = store.registry.get(choice.model_id).language
    code = language if spoken == MULTILINGUAL else spoken
    if choice.engine == "vosk":
        return VoskRecognizer(path, language=code)
    # two decodes at once (see engines.stt.whisper), so each gets half the cores
    return WhisperRecognizer(path, language=code, beam_size=config.beam_size,
                             threads=config.threads or max(1, cpu_threads() // 2), workers=2,
                             short_context=config.short_context,
                             prompt=(prompt or "") if spoken == MULTILINGUAL else "")


def language_recognizer(config: Config, language: Language,
                        store: ModelStore) -> SpeechRecognizer:
    """The recognizer for the language spoken: `stt.model`, else the language's own model
    (Mandarin: multilingual Whisper base, with a prompt in its script), else the first
    installed one."""
    return load_recognizer(config.stt, store, language=language.code,
                           prompt=language.recognizer_prompt,
                           model_id=config.stt.model or language.recognizer_model)


def load_final_recognizer(config: Config, language: Language, store: ModelStore,
                          main: SpeechRecognizer) -> SpeechRecognizer | None:
    """The recognizer of `stt.final_model` (None when there is no split); `main` itself
    when the final model is the one `main` runs (Mandarin: Whisper base for both), so
    the model is loaded once."""
    final = config.stt.final_model
    if not final:
        return None
    main_model = choose_engine(config.stt, store, language=language.code,
                               model_id=config.stt.model or language.recognizer_model).model_id
    if main_model == final:
        return main
    # the final model names its own engine (stt.engine = "vosk" is the main recognizer's)
    return load_recognizer(config.stt, store, language=language.code,
                           prompt=language.recognizer_prompt, engine="auto", model_id=final)


# -- the voice -----------------------------------------------------------------------------

def load_synthesizer(config: TtsConfig, store: ModelStore, *, voice: str,
                     deterministic: bool = False) -> SpeechSynthesizer:
    """A voice: a Piper model id from the registry, or `espeak[-VOICE]`."""
    named = VoiceName.parse(voice)
    if named.kind is VoiceKind.ESPEAK:
        return EspeakSynthesizer(voice=named.name)
    path = store.require(named.name)
    return PiperSynthesizer(path, name=voice, speed=config.speed,
                            threads=config.threads or reply_threads()[1],
                            deterministic=deterministic)


def language_voice(config: Config, language: Language, store: ModelStore, *,
                   deterministic: bool = False) -> tuple[SpeechSynthesizer, str]:
    """The voice for the language, and a sentence to say once ("" = none): `tts.voice`
    when set, else the language's voice; when that is not installed, the English voice
    answers what it can read and says, in English, which voice to fetch (replies stay
    available as text)."""
    wanted = config.tts.voice or language.voice
    english = load_language("en")
    if config.tts.voice is not None or wanted == english.voice or store.is_installed(wanted):
        return load_synthesizer(config.tts, store, voice=wanted, deterministic=deterministic), ""
    log.warning("no %s voice installed (%s); answering in text", language.name, wanted)
    fallback = load_synthesizer(config.tts, store, voice=english.voice,
                                deterministic=deterministic)
    voice = VoiceWithoutScript(fallback, unreadable=language.text.written_in)
    return voice, english.say(MissingVoice(language=language.name, voice=wanted))


# -- the chat model ------------------------------------------------------------------------

def chat_config(config: Config, language: Language, store: ModelStore) -> LlmConfig | None:
    """The chat model to load: `llm.model` when set, else the first installed model of
    those the language names (a language that names none takes the registry's default
    chat models); None when none is installed (the router then says which to fetch)."""
    llm = config.llm
    if llm.model is not None:
        return llm
    known = {spec.id for spec in store.registry.models}
    for model in chat_candidates(language, store):
        if model in known and store.is_installed(model):
            return dataclasses.replace(llm, model=model)
    return None


def chat_candidates(language: Language, store: ModelStore) -> tuple[str, ...]:
    """The chat models that speak the language, best first (a language that names none:
    the registry's default chat models); the first is the one to fetch."""
    return language.chat.models or tuple(
        spec.id for spec in store.registry.defaults if spec.role == "llm")


def load_chat_model(config: LlmConfig, store: ModelStore) -> LlamaChatModel:
    """Load the chat model `config.model` (resolved) from the model store."""
    if config.model is None:
        raise ConfigError("llm.model is not resolved (see assembly.chat_config)")
    path = store.require(config.model)
    return LlamaChatModel(path, name=config.model, context_tokens=config.context_tokens,
                          temperature=config.temperature, top_p=config.top_p,
                          repeat_penalty=config.repeat_penalty, seed=config.seed,
                          threads=reply_threads(config.threads)[0], batch_threads=cpu_threads())


def chat_settings(config: Config, language: Language) -> ChatSettings:
    """The prompt and examples: the config's where set, else the language's."""
    llm = config.llm
    return ChatSettings(
        system_prompt=llm.system_prompt if llm.system_prompt is not None
        else language.chat.system_prompt,
        examples=llm.examples if llm.examples is not None else language.chat.examples,
        max_reply_tokens=llm.max_reply_tokens, max_sentences=llm.max_sentences)


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


def home_backend(config: Config, language: Language) -> tuple[DeviceBackend, list[str]]:
    """The configured home, not started, and what the user should hear about it: the
    simulated home (`skills.home_file`, else the language's, with its saved state), Home
    Assistant or an MQTT broker. Raises AssistantError subclasses with one line when a
    file is unusable."""
    if config.home.backend is not HomeBackend.SIMULATED:
        return build_backend(config.home), []
    skills = config.skills
    state_path = Path(skills.state_file).expanduser() if skills.state_file else (
        default_state_path())
    state = HomeState(load_home(skills.home_file or language.home_file), path=state_path)
    return build_backend(config.home, simulated=state), [state.problem] if state.problem else []


def build_skills(config: Config, language: Language, *,
                 backend: DeviceBackend | None = None) -> SkillsEngine:
    """The skills over the configured home (or `backend`; not started: `start()` connects
    it), the language's intents over the home's names (rebuilt when the home changes), the
    weather of the home if it has one, and the words the skills say things with."""
    problems: list[str] = []
    if backend is None:
        backend, problems = home_backend(config, language)
    validators = slot_validators(language.skill_words)

    def intents(home: Home) -> IntentMatcher:
        return language.load_intents(language.intents_path, home_lists(home), validators)

    def hint(home: Home) -> str:
        return language.render(
            "RecognizerHint",
            switchable=[d.name for d in home.devices if d.can(ON_OFF)],
            locks=[d.name for d in home.devices if d.kind == LOCK],
            devices=list(dict.fromkeys(d.name for d in home.devices))[:HINT_DEVICES])

    weather = HomeWeather(backend, backend) if isinstance(backend, HomeAssistantBackend) \
        else None
    return SkillsEngine(backend=backend, intents=intents, say=language.say,
                        words=language.skill_words, hint=hint,
                        tool_calls=config.skills.tool_calls, weather=weather,
                        problems=problems)


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
    return SessionSettings(chat=chat_settings(config, language), listener=listener,
                           memory_tokens=config.memory.max_tokens,
                           new_conversation_on_wake=config.memory.new_conversation_on_wake,
                           volume=config.audio.volume)


def load_engines(config: Config, *, wake: bool = True, chat: bool = True,
                 skills: bool = True) -> Engines:
    """Connect the home (first: a refused token fails in a second, before any model
    loads), load the language, recognizer, VAD, wake word, voice, chat model and skills,
    and warm them up."""
    start = time.perf_counter()
    language = language_of(config)
    skills_engine = build_skills(config, language) if skills else None
    if skills_engine is not None:
        skills_engine.start()
    try:
        engines = _load_models(config, language, wake=wake, chat=chat, skills=skills_engine)
    except BaseException:
        if skills_engine is not None:
            skills_engine.close()
        raise
    try:
        warm_up(engines, chat_settings(config, language))
    except BaseException:
        engines.close()
        raise
    if config.privacy.record_dir:  # after the warm-up: only the user's words are recorded
        engines.recognizer = RecordingRecognizer(
            engines.recognizer, Path(config.privacy.record_dir).expanduser())
    engines.load_seconds = time.perf_counter() - start
    return engines


def _load_models(config: Config, language: Language, *, wake: bool, chat: bool,
                 skills: SkillsEngine | None) -> Engines:
    store = model_store(config)
    recognizer = language_recognizer(config, language, store)
    voice, notice = language_voice(config, language, store)
    llm = chat_config(config, language, store) if chat else None
    return Engines(
        language=language, recognizer=recognizer, vad=SileroVadModel(),
        wake=MicroWakeWordModel(config.wake.word) if wake and config.wake.enabled else None,
        voice=voice, chat=load_chat_model(llm, store) if llm is not None else None,
        skills=skills, final_recognizer=load_final_recognizer(config, language, store,
                                                              recognizer),
        notices=[notice] if notice else [])


def warm_up(engines: Engines, chat: ChatSettings) -> None:
    """Run every engine once, so the first real turn does not pay for lazy set-up; the
    chat model keeps the language's system prompt in its KV cache for every later turn.
    The recognizer warms up on real speech (the voice saying the language's "Ready."):
    on silence or a tone, Whisper's short-window decode would take its slow fallback path."""
    ready = engines.language.render("WarmUp")
    quiet = silence(300)
    spoken = [to_speech(block) for block in engines.voice.synthesize(ready)]
    for recognizer in filter(None, [engines.recognizer, engines.final_recognizer]):
        stream = recognizer.stream()
        for block in [quiet, *spoken, quiet]:
            stream.accept(block)
        stream.finish().result()
    engines.vad.detector().process(quiet)
    if engines.wake is not None:
        detector = engines.wake.detector()
        detector.process(quiet)
        detector.close()
    if engines.chat is not None:
        messages = [*prompt_prefix(chat.system_prompt, chat.examples),
                    ChatMessage("user", ready)]
        for _ in engines.chat.stream_reply(messages, max_tokens=1):
            pass
    if engines.skills is not None:
        engines.skills.recognizer.recognize(ready)


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

"""Loading the engines a language calls for: its recognizer and its voice, from the
model store (explicit local paths; a missing model is an error naming the fetch command).
A program that speaks more than one language (`language = "auto"`) gets one recognizer
that detects the language and a voice for each script. The chat model is this machine's,
or a chat server on the network (`llm.backend = "openai"`), with this machine's as its
fallback if the config says so. Used by the assembly (which
re-exports these) and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from assistant.config import Config, ConfigError, LlmConfig, SttConfig, TtsConfig
from assistant.engines.llm import ChatModel
from assistant.engines.llm.fallback import FallbackChatModel
from assistant.engines.llm.llama import LlamaChatModel
from assistant.engines.llm.openai import OpenAIChatModel
from assistant.engines.stt import SpeechRecognizer, choose_engine
from assistant.engines.stt.vosk import VoskRecognizer
from assistant.engines.stt.whisper import AUTO, WhisperRecognizer
from assistant.engines.tts import (
    EspeakSynthesizer,
    PiperSynthesizer,
    SpeechSynthesizer,
    VoiceKind,
    VoiceName,
)
from assistant.errors import MissingModelError
from assistant.language import Language
from assistant.language.packs import load_language
from assistant.language.voice import MissingVoice, VoiceByScript, VoiceWithoutScript
from assistant.models import ModelStore
from assistant.models.registry import MULTILINGUAL
from assistant.scheduling.threads import cpu_threads, reply_threads

log = logging.getLogger(__name__)


def load_recognizer(config: SttConfig, store: ModelStore, *, language: str,
                    prompt: str | None = None, engine: str | None = None,
                    model_id: str | None = None, alternatives: int = 0,
                    doubt_echoes: bool = False) -> SpeechRecognizer:
    """Load the recognizer `choose_engine` picks for `language` (a recognizer language
    code), from its explicit local path. A multilingual model is told the language, and
    `prompt` (the script to write in) when given; `doubt_echoes`: a transcript that only
    copies the prompt is marked (the language pack's `recognizer.doubt_echoes`)."""
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
                             prompt=(prompt or "") if spoken == MULTILINGUAL else "",
                             alternatives=alternatives,
                             doubt_echoes=(code,) if doubt_echoes else ())


def language_recognizer(config: Config, language: Language,
                        store: ModelStore) -> SpeechRecognizer:
    """The recognizer for the language spoken: `stt.model`, else the language's own model
    (Mandarin: multilingual Whisper base, with a prompt in its script), else the first
    installed one."""
    return load_recognizer(config.stt, store, language=language.code,
                           prompt=language.recognizer_prompt,
                           model_id=config.stt.model or language.recognizer_model,
                           alternatives=language.recognizer_alternatives,
                           doubt_echoes=language.recognizer_doubts_echoes)


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




# -- more than one language ------------------------------------------------------------------

def detecting_recognizer(config: Config, languages: Sequence[Language],
                         store: ModelStore) -> SpeechRecognizer:
    """One multilingual Whisper model (`stt.model`, else the first installed multilingual
    recognizer) that detects each utterance's language among `languages`, each with its
    own prompt and the largest number of alternatives any of them asks for."""
    model_id = config.stt.model or next(
        (m.id for m in store.installed(role="stt", engine="whisper")
         if m.language == MULTILINGUAL), None)
    if model_id is None:
        wanted = next((m.id for m in store.registry.models if m.role == "stt"
                       and m.engine == "whisper" and m.language == MULTILINGUAL), "")
        raise MissingModelError("language = \"auto\" needs a multilingual recognizer; "
                                f"fetch one with: assistant models fetch {wanted}")
    stt = config.stt
    return WhisperRecognizer(
        store.require(model_id), language=AUTO, languages=[lang.code for lang in languages],
        prompts={lang.code: lang.recognizer_prompt for lang in languages
                 if lang.recognizer_prompt},
        beam_size=stt.beam_size, threads=stt.threads or max(1, cpu_threads() // 2),
        workers=2, short_context=stt.short_context,
        alternatives=max(lang.recognizer_alternatives for lang in languages),
        doubt_echoes=[lang.code for lang in languages if lang.recognizer_doubts_echoes])


def spoken_voice(config: Config, languages: Sequence[Language], store: ModelStore, *,
                 deterministic: bool = False) -> tuple[SpeechSynthesizer, list[str]]:
    """The voice of the first language, and for each other language whose voice is
    installed, that voice for the sentences in its script (`VoiceByScript`); a language
    whose voice is missing is answered in text, with a notice naming the voice."""
    first, notice = language_voice(config, languages[0], store, deterministic=deterministic)
    notices = [notice] if notice else []
    others: list[tuple[Language, SpeechSynthesizer]] = []
    for language in languages[1:]:
        voice, notice = language_voice(config, language, store, deterministic=deterministic)
        if notice:  # the English voice, silent for this script: text only
            voice.close()
            notices.append(notice)
            first = VoiceWithoutScript(first, unreadable=language.text.written_in)
        else:
            others.append((language, voice))
    if not others:
        return first, notices
    return VoiceByScript(first, others=[(lang.text.written_in, voice)
                                        for lang, voice in others]), notices


# -- the chat model ------------------------------------------------------------------------

def load_chat_model(config: LlmConfig, store: ModelStore) -> LlamaChatModel:
    """Load this machine's chat model `config.model` (resolved) from the model store."""
    if config.model is None:
        raise ConfigError("llm.model is not resolved (see assembly.chat_config)")
    path = store.require(config.model)
    return LlamaChatModel(path, name=config.model, context_tokens=config.context_tokens,
                          temperature=config.temperature, top_p=config.top_p,
                          repeat_penalty=config.repeat_penalty, seed=config.seed,
                          threads=reply_threads(config.threads)[0], batch_threads=cpu_threads(),
                          parallel=config.parallel)


def load_chat(config: LlmConfig, resolved: LlmConfig | None,
              store: ModelStore) -> ChatModel | None:
    """The chat model of `llm.backend`: this machine's (`resolved`: `config` with the model
    chosen, None when none is installed), or the chat server of `llm.url`, with this
    machine's model loaded too when `llm.fallback = "local"` (ConfigError when there is
    none to load)."""
    server = config.server()
    if server is None:
        return load_chat_model(resolved, store) if resolved is not None else None
    remote = OpenAIChatModel(server, name=config.model or "",
                             context_tokens=config.context_tokens,
                             temperature=config.temperature, top_p=config.top_p,
                             seed=config.seed, timeout_s=config.timeout_s)
    log.info("chat model: the server at %s", server.describe())
    if config.fallback != "local":
        return remote
    if resolved is None:
        raise ConfigError('llm.fallback = "local", but no chat model is installed on this '
                          "machine: fetch one (assistant models fetch "
                          "smollm2-135m-instruct-q4_1), or set llm.fallback = \"none\"")
    return FallbackChatModel(remote, load_chat_model(resolved, store))

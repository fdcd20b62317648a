"""Build the engines from the configuration, in one place, and close them in one place.

Every model is loaded from an explicit local path through the model store; a missing
model is an error that names the fetch command. `Engines` is what every session
shares: loaded once, before listening starts, and closed when the process is done.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.audio import silence, to_speech
from assistant.config import (
    LANGUAGES,
    Config,
    LlmConfig,
    SttConfig,
    TtsConfig,
)
from assistant.engines.chat_choice import choose_chat_model, total_memory_bytes
from assistant.engines.llm import ChatMessage, ChatModel, LlamaChatModel, prompt_prefix
from assistant.engines.scheduler import FairExecutor
from assistant.engines.stt import SpeechRecognizer, choose_engine
from assistant.engines.stt.vosk import VoskRecognizer
from assistant.engines.stt.whisper import WhisperRecognizer
from assistant.engines.threads import cpu_threads, reply_threads
from assistant.engines.tts import (
    EspeakSynthesizer,
    PhraseCache,
    PiperSynthesizer,
    SpeechSynthesizer,
)
from assistant.engines.vad import SileroVadModel, VadModel
from assistant.engines.wake import MicroWakeWordModel, WakeWordModel
from assistant.language import Language, language_pack
from assistant.language.voice import VoiceWithoutScript, missing_voice_notice
from assistant.models import ModelStore
from assistant.models.registry import MULTILINGUAL
from assistant.privacy.recorder import RecordingRecognizer
from assistant.skills import SkillsEngine

log = logging.getLogger(__name__)


def model_store(config: Config) -> ModelStore:
    return ModelStore.from_config(config.models)


def load_recognizer(config: SttConfig, store: ModelStore, *, engine: str | None = None,
                    model_id: str | None = None) -> SpeechRecognizer:
    """Load the recognizer `choose_engine` picks (explicit local paths only). A language
    of assistant/language/ may name its recognizer (Mandarin: multilingual Whisper base,
    told the language and given a prompt in its script)."""
    pack = _language(config)
    choice = choose_engine(config, store, engine=engine, model_id=_model_id(config, model_id))
    path = store.require(choice.model_id)
    spoken = store.registry.get(choice.model_id).language
    language = config.language if spoken == MULTILINGUAL else spoken
    # a multilingual model is told the language's script through its prompt
    prompt = pack.recognizer_prompt if pack is not None and spoken == MULTILINGUAL else ""
    if choice.engine == "vosk":
        return VoskRecognizer(path, language=language)
    # two decodes at once (see engines.stt.whisper), so each gets half the cores
    return WhisperRecognizer(path, language=language, beam_size=config.beam_size,
                             threads=config.threads or max(1, cpu_threads() // 2), workers=2,
                             short_context=config.short_context, prompt=prompt)


def _language(config: SttConfig) -> Language | None:
    return language_pack(config.language) if config.language in LANGUAGES else None


def _model_id(config: SttConfig, model_id: str | None) -> str | None:
    """`model_id`, else the language's own recognizer unless `stt.model` names one."""
    pack = _language(config)
    if pack is not None and pack.recognizer_model and not (model_id or config.model):
        return pack.recognizer_model
    return model_id


def load_final_recognizer(config: SttConfig, store: ModelStore,
                          main: SpeechRecognizer) -> SpeechRecognizer | None:
    """The recognizer of `stt.final_model` (None when there is no split); `main` itself
    when the final model is the one `main` runs (Mandarin: Whisper base for both), so
    the model is loaded once."""
    if not config.final_model:
        return None
    if choose_engine(config, store, model_id=_model_id(config, None)).model_id \
            == config.final_model:
        return main
    # the final model names its own engine (stt.engine = "vosk" is the main recognizer's)
    return load_recognizer(config, store, engine="auto", model_id=config.final_model)


def load_chat_model(config: LlmConfig, store: ModelStore) -> LlamaChatModel:
    """Load the chat model `config` names (resolved: see `language_chat`) from the model
    store (explicit local path)."""
    if config.model is None:
        raise ValueError("llm.model is unset: resolve it with language_chat first")
    path = store.require(config.model)
    return LlamaChatModel(path, name=config.model, context_tokens=config.context_tokens,
                          temperature=config.temperature, top_p=config.top_p,
                          repeat_penalty=config.repeat_penalty, seed=config.seed,
                          threads=reply_threads(config.threads)[0], batch_threads=cpu_threads())


def load_synthesizer(config: TtsConfig, store: ModelStore, *, voice: str | None = None,
                     deterministic: bool = False) -> SpeechSynthesizer:
    """The configured voice: a Piper model id from the registry, or `espeak[-VOICE]`."""
    voice = voice or config.voice
    if voice == "espeak" or voice.startswith("espeak-"):
        return EspeakSynthesizer(voice=voice.partition("-")[2] or "en-us")
    path = store.require(voice)
    return PiperSynthesizer(path, name=voice, speed=config.speed,
                            threads=config.threads or reply_threads()[1],
                            deterministic=deterministic)


def language_voice(config: Config, store: ModelStore, *,
                   deterministic: bool = False) -> tuple[SpeechSynthesizer, str]:
    """The voice of `config.language`, and a sentence to say once ("" = none): without
    the language's voice, the default voice answers what it can read and says which
    voice to fetch (replies stay available as text)."""
    pack = language_pack(config.language)
    if config.tts.voice != TtsConfig().voice or pack.voice == config.tts.voice:
        return load_synthesizer(config.tts, store, deterministic=deterministic), ""
    if store.is_installed(pack.voice):
        return load_synthesizer(config.tts, store, voice=pack.voice,
                                deterministic=deterministic), ""
    log.warning("no %s voice installed (%s); answering in text", pack.name, pack.voice)
    voice = VoiceWithoutScript(load_synthesizer(config.tts, store, deterministic=deterministic),
                               unreadable=pack.written_in)
    return voice, missing_voice_notice(pack.name, pack.voice)


def language_chat(config: Config, store: ModelStore, *,
                  memory_bytes: int | None = None) -> LlmConfig | None:
    """The chat model settings with `llm.model` resolved (engines/chat_choice.py): the
    configured model, else the first installed one of the language's (or the defaults)
    that fits this machine's memory; None when the language names its own chat models
    and none of them is installed (the router then says which to fetch)."""
    known = {spec.id for spec in store.registry.models}
    choice = choose_chat_model(
        config.llm.model, preferred=language_pack(config.language).chat_models,
        installed=lambda model: model in known and store.is_installed(model),
        memory_bytes=total_memory_bytes() if memory_bytes is None else memory_bytes)
    log.info("chat model: %s (%s)", choice.model or "none", choice.reason)
    return dataclasses.replace(config.llm, model=choice.model) if choice.model else None


@dataclass
class Engines:
    """Every loaded model the sessions share. `close()` stops their workers."""

    recognizer: SpeechRecognizer
    vad: VadModel
    wake: WakeWordModel | None
    voice: SpeechSynthesizer
    chat: ChatModel | None
    skills: SkillsEngine | None
    synthesis: FairExecutor = field(
        default_factory=lambda: FairExecutor("voice", workers=1, per_owner=1))
    """The voice's queue: sessions take turns, a sentence at a time, in order each."""
    phrases: PhraseCache | None = None
    load_seconds: float = 0.0
    final_recognizer: SpeechRecognizer | None = None
    """`stt.final_model`: writes every turn that is not a command (see SplitStream)."""
    notices: list[str] = field(default_factory=list)
    """Said once, by the first session that starts (e.g. which voice to fetch)."""

    def __post_init__(self) -> None:
        if self.phrases is None:
            self.phrases = PhraseCache(self.voice)

    def take_notices(self) -> list[str]:
        """The notices not said yet, each handed to one session only (sessions of several
        rooms ask from their own threads; list.pop is atomic, a check-then-pop is not)."""
        taken = []
        while True:
            try:
                taken.append(self.notices.pop(0))
            except IndexError:
                return taken

    def close(self) -> None:
        """Cancel queued work and join every engine worker (running work finishes)."""
        self.synthesis.close()
        if self.chat is not None:
            self.chat.close()
        self.recognizer.close()
        if self.final_recognizer is not None:  # may be the recognizer: close() twice is fine
            self.final_recognizer.close()
        self.voice.close()

    def __enter__(self) -> Engines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def load_engines(config: Config, *, wake: bool = True, chat: bool = True,
                 skills: bool = True) -> Engines:
    """Load recognizer, VAD, wake word, voice, chat model and skills, and warm them up."""
    start = time.perf_counter()
    store = model_store(config)
    recognizer = load_recognizer(config.stt, store)
    voice, notice = language_voice(config, store)
    llm = language_chat(config, store) if chat else None
    engines = Engines(
        recognizer=recognizer, vad=SileroVadModel(),
        wake=MicroWakeWordModel(config.wake.word) if wake and config.wake.enabled else None,
        voice=voice, chat=load_chat_model(llm, store) if llm is not None else None,
        skills=SkillsEngine.from_config(config.skills) if skills else None,
        final_recognizer=load_final_recognizer(config.stt, store, recognizer),
        notices=[notice] if notice else [])
    try:
        warm_up(engines, system_prompt=config.llm.system_prompt, examples=config.llm.examples)
    except BaseException:
        engines.close()
        raise
    if config.privacy.record_dir:  # after the warm-up: only the user's words are recorded
        engines.recognizer = RecordingRecognizer(
            recognizer, Path(config.privacy.record_dir).expanduser())
    engines.load_seconds = time.perf_counter() - start
    return engines


def warm_up(engines: Engines, *, system_prompt: str,
            examples: Sequence[tuple[str, str]] = ()) -> None:
    """Run every engine once, so the first real turn does not pay for lazy set-up; the
    chat model keeps the system prompt in its KV cache for every later turn. The
    recognizer warms up on real speech (the voice saying "Ready."): on silence or a tone,
    Whisper's short-window decode would take its slow fallback path instead."""
    quiet = silence(300)
    spoken = [to_speech(block) for block in engines.voice.synthesize("Ready.")]
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
        messages = [*prompt_prefix(system_prompt, examples), ChatMessage("user", "Hello")]
        for _ in engines.chat.stream_reply(messages, max_tokens=1):
            pass
    if engines.skills is not None:
        engines.skills.recognizer.recognize("what time is it")

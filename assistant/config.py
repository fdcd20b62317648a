"""Configuration: frozen dataclasses, one per component, loaded from TOML in one place.

Search order: `--config FILE`, else `./assistant.toml`, else the user config dir
(`$XDG_CONFIG_HOME/assistant/assistant.toml`). Every key and default is documented
in `assistant.example.toml`; unknown keys and wrong types are errors naming the key.
A built-in profile (`profile = "pi"` at the top of the file, or `--profile pi`) fills in
keys for a class of machine; keys set in the file win over it (see `profiles.py`).
"""

from __future__ import annotations

import dataclasses
import enum
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.config_check import ConfigError, build_section, option
from assistant.config_home import HomeBackendConfig
from assistant.config_llm import BACKENDS, FALLBACKS, ChatServer, chat_server
from assistant.config_place import AlarmsConfig, PlaceConfig
from assistant.profiles import ProfileError, profile_overrides, profiles_file
from assistant.toml_file import read_toml


class SttEngine(enum.Enum):
    AUTO = "auto"
    """Vosk when a Vosk model for the language is installed, else Whisper."""
    VOSK = "vosk"
    WHISPER = "whisper"


class BargeIn(enum.Enum):
    """What interrupts a reply."""

    WAKE = "wake"
    """The wake word (safe with loudspeakers)."""
    SPEECH = "speech"
    """Any speech (headsets only: through a loudspeaker the assistant would hear itself)."""
    OFF = "off"


@dataclass(frozen=True)
class ModelsConfig:
    dir: str = ""
    """Where models live; "" = $ASSISTANT_MODELS_DIR, else models/ of the checkout."""
    registry: str = ""
    """The model registry file; "" = models/registry.toml of the checkout."""


@dataclass(frozen=True)
class SttConfig:
    engine: SttEngine = SttEngine.AUTO
    model: str | None = None
    """Model id; unset = the language's recognizer, else the first installed one for the
    engine and language."""
    beam_size: int = option(1, low=1, high=10)
    short_context: bool = True
    """Whisper: encode only as much audio context as the utterance needs (much faster)."""
    threads: int = option(0, low=0, high=256)
    """CPU threads per decode (Whisper runs up to two at once); 0 = half the cores this
    process may use."""
    final_model: str = "whisper-base"
    """A second recognizer (model id) for the final transcript of everything that is not a
    command, decoded without the skills' hint; "" = one recognizer for all."""
    min_confidence: float = option(0.4, low=0.0, high=1.0)
    """A spoken turn heard with less confidence (see `Transcript.confidence`) is not
    answered: the assistant says it did not catch that and listens again. 0 = off."""


@dataclass(frozen=True)
class LlmConfig:
    model: str | None = None
    """Chat model id; unset = chosen at start-up from the models the language names (or
    the registry's default chat models) by this machine's memory: Qwen2.5-Coder 1.5B, or
    SmolLM2-135M below 3 GB of RAM (assistant/engines/chat_choice.py)."""
    context_tokens: int = option(2048, low=256, high=131072)
    max_reply_tokens: int = option(160, low=8, high=4096)
    temperature: float = option(0.0, low=0.0, high=2.0)
    top_p: float = option(1.0, low=0.05, high=1.0)
    """Sample only from the most likely tokens making up this share (with temperature > 0)."""
    repeat_penalty: float = option(1.05, low=1.0, high=2.0)
    """> 1 discourages the reply from repeating its own last 64 tokens (the prompt is not
    counted, as in llama-cpp-python; 1.15 made the 135M model write "Il capo di Italy"
    rather than "capital of Italy"; the reply guard catches loops instead). 1.05 scored
    best of 1.0-1.15 on the question set."""
    seed: int = option(42, low=0)
    threads: int = option(0, low=0, high=256)
    """Threads writing the reply; 0 = half the cores (the voice synthesizes beside it).
    The prompt is always read with every core."""
    parallel: int = option(8, low=1, high=64)
    """Replies this machine's model writes at once (rooms asking together share each step
    instead of waiting in turn); the cache then holds twice `context_tokens` (the shared
    system prompt once), 0.1 GB more for the 1.5B model. More wait for one to end."""
    system_prompt: str | None = None
    """Unset = the language's prompt (assistant/language/<code>/pack.yaml)."""
    examples: tuple[tuple[str, str], ...] | None = None
    """Few-shot (question, answer) pairs shown to the model before every conversation;
    unset = the language's."""
    max_sentences: int = option(2, low=1, high=100)
    """A reply ends after this many sentences (the rest is not written)."""
    backend: str = option("local", choices=BACKENDS)
    """"openai": the chat server at `url` (local unless `allow_public_url`) writes the
    replies; silent `timeout_s`, it fails them, or the local model does (`fallback`)."""
    url: str | None = None
    allow_public_url: bool = False
    timeout_s: float = option(10.0, low=0.5, high=600.0)
    fallback: str = option("none", choices=FALLBACKS)

    def server(self) -> ChatServer | None:
        """The chat server of `backend = "openai"` (ConfigError naming llm.url)."""
        on = self.backend == "openai"
        return chat_server(self.url or "", allow_public=self.allow_public_url) if on else None
    read_ahead: bool = False
    """Read a question's prompt (its early transcript) while its last silence runs out;
    off: 80 ms sooner on average on 2 cores, not on the median (docs/speed.md)."""
    passages: int = option(0, low=0, high=5)
    """Encyclopedia summaries (wiki-summaries-en) put into the prompt of an open question
    that names their subject; 0 = none: one changed no score on the spoken question sets
    and added 0.9 s before the first word (docs/knowledge.md)."""

    def __post_init__(self) -> None:
        self.server()  # a bad llm.url fails when the file is read
        if self.examples is None:
            return
        pairs = []
        for i, pair in enumerate(self.examples):
            if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                    or not all(isinstance(x, str) and x.strip() for x in pair)):
                raise ConfigError(f"llm.examples[{i}] must be a [question, answer] pair of "
                                  f"strings, got {pair!r}")
            pairs.append((pair[0], pair[1]))
        object.__setattr__(self, "examples", tuple(pairs))


@dataclass(frozen=True)
class TtsConfig:
    voice: str | None = None
    """A Piper model id from the registry, or `espeak[-VOICE]`; unset = the language's."""
    speed: float = option(1.0, low=0.25, high=4.0)
    threads: int = option(0, low=0, high=256)
    """0 = every core (its idle threads sleep, so the chat model keeps writing)."""


@dataclass(frozen=True)
class SkillsConfig:
    home_file: str | None = None
    """The simulated home (rooms and devices, TOML); unset = the language's built-in home."""
    state_file: str | None = None
    """Where device state persists; unset = $XDG_STATE_HOME/assistant/home-state.json."""
    alarms_file: str | None = None
    """Where alarms persist; unset = $XDG_STATE_HOME/assistant/alarms.json."""
    reminders_file: str | None = None
    """Where reminders persist; unset = $XDG_STATE_HOME/assistant/reminders.json."""
    lists_file: str | None = None
    """Where the shopping, to-do and other lists persist; unset =
    $XDG_STATE_HOME/assistant/lists.json."""
    tool_calls: bool = False
    """Let the chat model call skills through a grammar-constrained JSON tool call."""
    knowledge: bool = True
    """Answer what the offline data knows (countries, cities, chemical elements, word
    meanings, Chinese words) from it, like a command, when its data is installed
    (`assistant models fetch geonames-cities15000`); false = the chat model answers."""


@dataclass(frozen=True)
class WakeConfig:
    word: str = option("hey_jarvis", choices=("hey_jarvis", "okay_nabu", "alexa", "hey_mycroft"))
    """A wake word bundled with pymicro-wakeword."""
    enabled: bool = True
    """False = always listening (like --no-wake): every utterance is a request."""
    follow_up_ms: int = option(5000, low=0, high=60000)
    """After a reply, listen this long for a follow-up without the wake word."""


@dataclass(frozen=True)
class VadConfig:
    threshold: float = option(0.5, low=0.05, high=0.95)
    """Silero speech probability at which a frame counts as speech."""
    silence_ms: int = option(500, low=100, high=5000)
    """Trailing silence that ends an utterance."""
    min_speech_ms: int = option(150, low=0, high=2000)
    """Shorter bursts (a click, a cough) are not an utterance."""
    max_utterance_ms: int = option(15000, low=1000, high=120000)
    no_speech_timeout_ms: int = option(5000, low=500, high=60000)
    """After the wake word, give up when nobody speaks for this long."""
    early_cut_ms: int = option(150, low=0, high=5000)
    """End the utterance after this much silence when it is already complete: a command
    the skills know, a control phrase, or a question (0 = always wait `silence_ms`)."""
    question_cut_ms: int = option(300, low=0, high=5000)
    """The same for a whole question (see `router.sounds_finished`): longer, since people
    pause inside questions and the recognizer may end a fragment with "?"."""


@dataclass(frozen=True)
class AudioConfig:
    input_device: str = ""
    """Index or part of the name (see `assistant devices`); "" = the system default."""
    output_device: str = ""
    block_ms: int = option(30, low=10, high=200)
    """Microphone block length."""
    output_buffer_ms: int = option(60, low=10, high=1000)
    """Audio the sound card holds ahead of the speaker: the delay before a reply is heard
    and before a barge-in cuts it. Raise it if replies come out choppy."""
    barge_in: BargeIn = BargeIn.WAKE
    """What interrupts a reply: the wake word (safe with loudspeakers), any speech
    (headsets only: through a loudspeaker the assistant would hear itself), or nothing."""
    volume: float = option(1.0, low=0.0, high=1.0)


@dataclass(frozen=True)
class PrivacyConfig:
    network_guard: bool = True
    """Refuse the network at run time: a kernel filter (seccomp) refuses every socket but
    unix ones for the process, its libraries and children, and a Python guard names what
    was refused. Turning it off turns off both and prints a warning at every start;
    `assistant models fetch` is the only command that runs without it."""
    transcript_log: bool = False
    """Opt-in: keep a log of what was heard and answered (owner-only file, atomic writes)."""
    log_dir: str = ""
    """Where the transcript log goes; "" = $XDG_STATE_HOME/assistant/transcripts."""
    log_retention_days: int = option(7, low=1, high=3650)
    """Transcript log entries older than this are deleted."""
    record_dir: str = ""
    """Opt-in: save each utterance's audio here ("" = never write audio; `run --record-dir`)."""


@dataclass(frozen=True)
class MemoryConfig:
    max_tokens: int = option(768, low=0, high=65536)
    """Conversation memory for follow-ups (RAM only); oldest turns are dropped first."""
    new_conversation_on_wake: bool = True
    """A request that starts with the wake word (not a follow-up in the window) starts a
    new conversation. The small default model copies earlier answers when it is shown
    unrelated ones; with a stronger model, false keeps context across wake words."""


@dataclass(frozen=True)
class ServeConfig:
    """`assistant serve`, the Wyoming server (see `assistant.server`)."""

    listen: str = "127.0.0.1:10700"
    """ADDRESS:PORT to listen on; loopback unless you name a local-network address."""
    satellites: tuple[str, ...] = ()
    """wyoming-satellite programs to connect to, "ADDRESS:PORT" each (local network only)."""
    clients: tuple[str, ...] = ()
    """Networks whose clients may connect, e.g. Home Assistant's "192.168.1.10/32"; empty =
    loopback and the satellites' addresses only. Local networks only (see
    `allow_public_clients`)."""
    allow_public_clients: bool = False
    """Accept `clients` networks beyond the local network (such as "0.0.0.0/0"): anyone who
    can reach the port could then give commands and hear the answers. Off: refused."""
    max_event_bytes: int = option(1_048_576, low=4096, high=67_108_864)
    """The largest event (JSON data plus payload) a client may send; bigger: disconnected."""
    max_audio_s: int = option(60, low=1, high=600)
    """The longest audio one transcribe request may buffer (counted at 16 kHz mono)."""
    max_text_chars: int = option(10_000, low=100, high=1_000_000)
    """The longest text of one request (transcript, recognize, synthesize or a synthesis
    stream); longer: answered with an error event."""
    max_connections: int = option(64, low=1, high=10_000)
    """Connections served at once; at the cap the quietest idle one makes room."""
    max_connections_per_peer: int = option(32, low=1, high=10_000)
    """Connections from one address at once (Home Assistant opens one per request)."""
    first_event_timeout_ms: int = option(10_000, low=100, high=3_600_000)
    """A new client must send its first event within this, or it is disconnected."""
    idle_timeout_ms: int = option(30_000, low=100, high=3_600_000)
    """A client that sends nothing for this long is disconnected (satellites stream audio)."""
    write_timeout_ms: int = option(10_000, low=100, high=3_600_000)
    """A client that does not read what it is sent for this long is disconnected."""
    reconnect_max_s: float = option(30.0, low=0.1, high=3600.0)
    """The longest wait between two attempts to reach a satellite (the back-off doubles)."""


CONFIG_SECTIONS: dict[str, type] = {
    "models": ModelsConfig,
    "stt": SttConfig,
    "llm": LlmConfig,
    "tts": TtsConfig,
    "skills": SkillsConfig,
    "memory": MemoryConfig,
    "wake": WakeConfig,
    "vad": VadConfig,
    "audio": AudioConfig,
    "privacy": PrivacyConfig,
    "serve": ServeConfig,
    "home": HomeBackendConfig,
    "place": PlaceConfig,
    "alarms": AlarmsConfig,
}


@dataclass(frozen=True)
class Config:
    models: ModelsConfig = ModelsConfig()
    stt: SttConfig = SttConfig()
    llm: LlmConfig = LlmConfig()
    tts: TtsConfig = TtsConfig()
    skills: SkillsConfig = SkillsConfig()
    memory: MemoryConfig = MemoryConfig()
    wake: WakeConfig = WakeConfig()
    vad: VadConfig = VadConfig()
    audio: AudioConfig = AudioConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    serve: ServeConfig = ServeConfig()
    home: HomeBackendConfig = HomeBackendConfig()
    place: PlaceConfig = PlaceConfig()
    alarms: AlarmsConfig = AlarmsConfig()
    profile: str = ""
    """The built-in profile applied under the file's keys ("" = none)."""
    language: str = "en"
    """The language spoken (top-level `language = "zh"`, or `--language zh`): one of the
    packs in assistant/language/, checked when the assembly loads it; "auto": every pack,
    each turn answered in the language heard."""
    source: str = ""
    """The file this configuration came from ("" = built-in defaults)."""


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "assistant" / "assistant.toml"


def find_config(explicit: str | Path | None = None) -> Path | None:
    """The config file to use, or None for the built-in defaults."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}")
        return path
    for candidate in (Path("assistant.toml"), user_config_path()):
        if candidate.is_file():
            return candidate
    return None


def load_config(explicit: str | Path | None = None, *, profile: str | None = None) -> Config:
    """The configuration from the file found (see `find_config`); `profile` (the
    `--profile` flag) replaces the file's own `profile` key."""
    path = find_config(explicit)
    if path is None:
        return config_from_dict({}, profile=profile)
    data = read_toml(path, error=ConfigError, missing=f"config file not found: {path}")
    return config_from_dict(data, source=str(path), profile=profile)


def config_from_dict(data: dict[str, Any], *, source: str = "",
                     profile: str | None = None) -> Config:
    """Build and check a Config from parsed TOML. The profile (`profile`, else the
    top-level `profile` key) supplies defaults; the file's own keys win over it."""
    where = f"{source}: " if source else ""
    data = dict(data)
    name = data.pop("profile", "")
    if not isinstance(name, str):
        raise ConfigError(f"{where}profile must be a string, got {type(name).__name__} "
                          f"{name!r}")
    name = name if profile is None else profile
    language = data.pop("language", "en")
    base = _profile_sections(name)
    for section, value in data.items():
        if section not in CONFIG_SECTIONS:
            known = ", ".join(sorted(CONFIG_SECTIONS))
            raise ConfigError(f"{where}unknown section [{section}] (known: {known}; "
                              "top-level keys: profile, language)")
        if not isinstance(value, dict):
            raise ConfigError(f"{where}[{section}] must be a table")
    sections: dict[str, Any] = {}
    for section in set(base) | set(data):
        values = {**base.get(section, {}), **data.get(section, {})}
        sections[section] = build_section(CONFIG_SECTIONS[section], values, prefix=section,
                                          where=where)
    config = Config(**sections, profile=name, source=source)
    return with_language(config, language, where=where)


def with_language(config: Config, language: Any, *, where: str = "") -> Config:
    """`config` speaking `language` (a language code; the pack is checked on loading)."""
    if not isinstance(language, str) or not language.strip():
        raise ConfigError(f"{where}language must be a language code such as \"en\", "
                          f"got {language!r}")
    return dataclasses.replace(config, language=language.strip())


def _profile_sections(name: str) -> dict[str, dict[str, Any]]:
    """Profile `name`'s sections, each checked on its own (errors name the profile)."""
    if not name:
        return {}
    try:
        overrides = profile_overrides(name)
    except ProfileError as error:
        raise ConfigError(str(error)) from None
    where = f"{profiles_file()} [{name}]: "
    for section, values in overrides.items():
        if section not in CONFIG_SECTIONS or not isinstance(values, dict):
            raise ConfigError(f"{where}unknown section [{section}]")
        build_section(CONFIG_SECTIONS[section], values, prefix=section, where=where)
    return overrides


def with_overrides(config: Config, overrides: dict[str, Any], *, where: str = "") -> Config:
    """A copy of `config` with some keys replaced, validated like a config file."""
    prefix = f"{where}: " if where else ""
    changes = {}
    overrides = dict(overrides)
    if "language" in overrides:
        config = with_language(config, overrides.pop("language"), where=prefix)
    for name, values in overrides.items():
        if name not in CONFIG_SECTIONS:
            raise ConfigError(f"{prefix}unknown section {name!r} "
                              f"(known: {', '.join(sorted(CONFIG_SECTIONS))})")
        if not isinstance(values, dict):
            raise ConfigError(f"{prefix}{name} must be a table/mapping")
        current = dataclasses.asdict(getattr(config, name))
        current.update(values)
        changes[name] = build_section(CONFIG_SECTIONS[name], current, prefix=name, where=prefix)
    return dataclasses.replace(config, **changes)

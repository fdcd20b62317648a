"""The chat smoke test: load the chat model, read a prompt of at least 64 tokens on every
core, write a few tokens.

A llama.cpp build can hold instructions this CPU cannot run: `-march=native` on another
machine, or llama.cpp's AMX kernels, which die with SIGILL on the first batched prompt
on Intel Xeons (Sapphire Rapids and later) under some hypervisors, while a one-token
prompt still works. Such a crash kills the whole process, so the test runs in a child
process: `python -m assistant.engines.llm_check` (scripts/bootstrap.sh, right after
llama-cpp-python is built and whenever a set-up venv is reused) and `run_smoke_test`
(`assistant doctor`), which turns a death by signal into a sentence and a fix.

This module imports only the standard library at the top: bootstrap reads
`describe_death` from it with whatever Python the virtual environment has (even before
its packages are installed), so the package's own modules are imported where they are used.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: Read as one batch (llama.cpp's batched matrix kernels, where the AMX crash happens).
MIN_PROMPT_TOKENS = 64
GENERATED_TOKENS = 8
MARKER = "chat smoke test passed: "

PROMPT = (
    "You are a helpful voice assistant running on the user's own device. Answer in one to "
    "three short, plain sentences that sound natural when spoken aloud. The user asked about "
    "the weather this morning, then about a timer for the pasta, and now wants to know why "
    "the sky is blue during the day and red in the evening. Explain it simply. The answer is"
)

#: What usually makes a native library die of each signal, for a person to act on.
LIKELY_CAUSES = {
    "SIGILL": "illegal instruction: llama-cpp-python was built with instructions this CPU "
              "cannot run (built on or for another CPU, or AMX/AVX-512 kernels a hypervisor "
              "does not allow)",
    "SIGSEGV": "memory fault in the native library: a broken or mismatched llama-cpp-python "
               "build, or a damaged model file",
    "SIGBUS": "bus error: the model file changed or shrank while mapped, or a broken build",
    "SIGFPE": "arithmetic fault in the native library: a broken llama-cpp-python build",
    "SIGABRT": "llama.cpp aborted (an internal assertion; its message is above)",
    "SIGKILL": "killed from outside, most often by the kernel's out-of-memory killer "
               "(`dmesg` says so): too little memory for the chat model",
}

#: The fix for a crash: scripts/bootstrap.sh checks the build and rebuilds it for this CPU,
#: and falls back to a portable build by itself when the native one crashes.
REBUILD_FIX = ("scripts/run.sh (it rebuilds llama-cpp-python for this CPU, and falls back to a "
               "portable build if that crashes too); by hand: ASSISTANT_LLAMA_BUILD=portable "
               "scripts/run.sh")


@dataclass(frozen=True)
class SmokeResult:
    """What the smoke test measured (milliseconds, tokens per second)."""

    prompt_tokens: int
    prompt_ms: float
    generated_tokens: int
    tokens_per_s: float
    text: str


@dataclass(frozen=True)
class SmokeOutcome:
    """The child process's verdict: `ok`, a one-line `problem`, and the figures if it ran."""

    ok: bool
    problem: str = ""
    result: SmokeResult | None = None
    returncode: int = 0


def smoke_test(model_path: Path, *, threads: int,
               generate: int = GENERATED_TOKENS) -> SmokeResult:
    """Run the chat model here, in this process (a bad build kills it: see module doc)."""
    from llama_cpp import Llama

    llama = Llama(model_path=str(model_path), n_ctx=512, n_threads=threads,
                  n_threads_batch=threads, seed=42, verbose=False)
    prompt = llama.tokenize(PROMPT.encode("utf-8"), add_bos=True, special=False)
    while len(prompt) < MIN_PROMPT_TOKENS:  # a tokenizer with very long tokens
        prompt += prompt
    start = time.perf_counter()
    llama.eval(prompt)
    prompt_s = time.perf_counter() - start
    tokens: list[int] = []
    start = time.perf_counter()
    for _ in range(generate):
        # greedy, and on past an end-of-text token: the test wants tokens, not prose
        token = llama.sample(temp=0.0, top_k=1)
        tokens.append(token)
        llama.eval([token])
    gen_s = time.perf_counter() - start
    text = llama.detokenize(tokens).decode("utf-8", errors="replace")
    return SmokeResult(prompt_tokens=len(prompt), prompt_ms=round(prompt_s * 1000, 1),
                       generated_tokens=len(tokens),
                       tokens_per_s=round(len(tokens) / gen_s, 1) if gen_s > 0 else 0.0,
                       text=text)


def signal_name(returncode: int) -> str | None:
    """"SIGILL" for a process killed by signal 4 (Python's -4, a shell's 132); else None."""
    number = -returncode if returncode < 0 else returncode - 128 if returncode > 128 else 0
    try:
        return signal.Signals(number).name if number else None
    except ValueError:
        return f"signal {number}"


def describe_death(returncode: int) -> str | None:
    """One line naming the signal a child died of and its likely cause; None if it exited."""
    name = signal_name(returncode)
    if name is None:
        return None
    cause = LIKELY_CAUSES.get(name, "killed by a signal")
    return f"died of {name}: {cause}"


def smoke_command(model_path: Path | None = None) -> list[str]:
    """The child process that runs the smoke test with this interpreter."""
    command = [sys.executable, "-m", "assistant.engines.llm_check"]
    return command + (["--model-path", str(model_path)] if model_path else [])


def run_smoke_test(command: Sequence[str], *, timeout_s: float = 300) -> SmokeOutcome:
    """Run the smoke test `command` as a child process and judge how it ended: a death
    by signal is named with its cause, never raised."""
    import assistant

    env = os.environ.copy()  # the package importable from a checkout that is not installed
    root = str(Path(assistant.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    try:
        child = subprocess.run(list(command), capture_output=True, text=True, env=env,
                               timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return SmokeOutcome(False, f"did not finish in {timeout_s:.0f} s")
    except OSError as error:
        return SmokeOutcome(False, f"could not start ({error})")
    death = describe_death(child.returncode)
    if death is not None:
        return SmokeOutcome(False, death, returncode=child.returncode)
    for line in child.stdout.splitlines():
        if line.startswith(MARKER):
            return SmokeOutcome(True, result=SmokeResult(**json.loads(line[len(MARKER):])))
    last = (child.stderr.strip().splitlines() or [f"exit status {child.returncode}"])[-1]
    return SmokeOutcome(False, f"failed: {last}", returncode=child.returncode)


def summary(result: SmokeResult) -> str:
    return (f"{result.prompt_tokens}-token prompt read in {result.prompt_ms:.0f} ms, "
            f"{result.generated_tokens} tokens written at {result.tokens_per_s:.0f} tokens/s")


def _model_path(args: argparse.Namespace) -> Path:
    if args.model_path:
        return Path(args.model_path)
    from assistant.config import load_config
    from assistant.engines.loader import language_chat, model_store
    from assistant.errors import MissingModelError

    config = load_config(args.config)
    store = model_store(config)
    chat = language_chat(config, store)
    if chat is None or chat.model is None:
        raise MissingModelError(f"no chat model for language {config.language} is "
                                f"installed; see: assistant models list")
    return store.require(chat.model)


def main(argv: Sequence[str] | None = None) -> int:
    from assistant.engines.threads import cpu_threads
    from assistant.errors import AssistantError

    parser = argparse.ArgumentParser(
        prog="python -m assistant.engines.llm_check",
        description="Load the chat model, read a prompt of at least "
        f"{MIN_PROMPT_TOKENS} tokens on every core, write {GENERATED_TOKENS} tokens.")
    parser.add_argument("--model-path", metavar="FILE.gguf",
                        help="the GGUF to load (default: the configured chat model)")
    parser.add_argument("--config", metavar="FILE", help="TOML config file (as for assistant)")
    args = parser.parse_args(argv)
    try:
        result = smoke_test(_model_path(args), threads=cpu_threads())
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(MARKER + json.dumps(dataclasses.asdict(result)), flush=True)
    print(summary(result), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

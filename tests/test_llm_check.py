"""The chat smoke test (assistant/engines/llm_check.py) and `assistant doctor`'s use of it:
a chat model process that dies of a signal becomes a FAIL line with the fix, and doctor
goes on with its other checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.commands.system_run import chat_smoke_check, run_checks
from assistant.config import Config
from assistant.engines import llm_check
from assistant.engines.chat_choice import DEFAULT_MODELS
from assistant.models import ModelStore

ROOT = Path(__file__).resolve().parents[1]


def dies_of(signal_name: str) -> list[str]:
    """A child process that kills itself with the signal, as a bad native build does."""
    return [sys.executable, "-c",
            f"import os, signal; os.kill(os.getpid(), signal.{signal_name})"]


@pytest.mark.parametrize(("code", "name"), [(-4, "SIGILL"), (132, "SIGILL"), (-11, "SIGSEGV"),
                                            (139, "SIGSEGV"), (-9, "SIGKILL"), (0, None),
                                            (1, None), (2, None), (128, None)])
def test_signal_names_from_python_and_shell_exit_codes(code: int, name: str | None) -> None:
    assert llm_check.signal_name(code) == name


def test_a_death_is_described_with_its_likely_cause() -> None:
    assert llm_check.describe_death(-4) == f"died of SIGILL: {llm_check.LIKELY_CAUSES['SIGILL']}"
    assert "instructions this CPU cannot run" in str(llm_check.describe_death(132))
    assert "out-of-memory killer" in str(llm_check.describe_death(-9))
    assert llm_check.describe_death(1) is None
    assert llm_check.describe_death(-10) == "died of SIGUSR1: killed by a signal"


def test_a_crashing_child_is_reported_not_raised() -> None:
    outcome = llm_check.run_smoke_test(dies_of("SIGILL"))
    assert not outcome.ok and outcome.result is None and outcome.returncode == -4
    assert outcome.problem.startswith("died of SIGILL: illegal instruction")


def test_doctor_reports_a_crash_as_a_fail_with_the_rebuild(tmp_path: Path) -> None:
    check = chat_smoke_check(Config(), command=dies_of("SIGILL"))
    assert check.status == "FAIL"
    assert check.what == ("chat smoke test: the chat model process died of SIGILL: "
                          f"{llm_check.LIKELY_CAUSES['SIGILL']}")
    assert "scripts/run.sh" in check.fix and "ASSISTANT_LLAMA_BUILD=portable" in check.fix


def test_doctor_goes_on_after_the_crash() -> None:
    checks = run_checks(Config(), full_hash=False, smoke_command=dies_of("SIGSEGV"))
    names = [c.what.split(":")[0] for c in checks]
    crashed = names.index("chat smoke test")
    assert checks[crashed].status == "FAIL" and "SIGSEGV" in checks[crashed].what
    assert any(n.startswith("network") for n in names[crashed + 1:]), names


def test_a_failure_without_a_signal_shows_the_error_line() -> None:
    command = [sys.executable, "-c", "import sys; print('error: no such model', "
               "file=sys.stderr); sys.exit(1)"]
    check = chat_smoke_check(Config(), command=command)
    assert check.status == "FAIL" and check.what.endswith("failed: error: no such model")
    assert "python -m assistant.engines.llm_check" in check.fix


def test_a_missing_chat_model_is_a_warning_naming_the_fetch(tmp_path: Path) -> None:
    from assistant.config import ModelsConfig

    config = Config(models=ModelsConfig(dir=str(tmp_path)))
    check = chat_smoke_check(config)
    assert check.status == "warn" and "not run" in check.what
    assert check.fix in {f"assistant models fetch {model}" for model in DEFAULT_MODELS}


# -- the real chat model ------------------------------------------------------------------

def test_the_smoke_test_runs_the_real_chat_model(real_store: ModelStore) -> None:
    result = subprocess.run([sys.executable, "-m", "assistant.engines.llm_check"],
                            capture_output=True, text=True, timeout=600, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith(llm_check.MARKER))
    import json

    figures = json.loads(line[len(llm_check.MARKER):])
    assert figures["prompt_tokens"] >= llm_check.MIN_PROMPT_TOKENS
    assert figures["generated_tokens"] == llm_check.GENERATED_TOKENS
    assert figures["prompt_ms"] > 0 and figures["tokens_per_s"] > 0
    assert "-token prompt read in" in result.stderr


def test_doctor_passes_the_real_chat_model(real_store: ModelStore) -> None:
    check = chat_smoke_check(Config())
    assert check.status == "ok", check
    assert check.what.startswith("chat smoke test: ") and "tokens written at" in check.what

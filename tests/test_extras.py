"""Optional parts as pip extras: a missing one is one line naming the pip command, and
what needs none of them (`--help`, English commands) works without any."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from assistant.cli import bench as bench_command
from assistant.config import Config
from assistant.extras import EXTRAS, MissingExtra, installed, require
from assistant.models import ModelStore

ROOT = Path(__file__).resolve().parents[1]
EVERY_EXTRA_MODULE = sorted({module for modules in EXTRAS.values() for module in modules})


def fails(name: str) -> ModuleType:
    raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def test_require_gives_the_module_or_one_line_naming_the_extra() -> None:
    assert require("bench", "jiwer", needed_by="the benchmark").__name__ == "jiwer"
    with pytest.raises(MissingExtra) as missing:
        require("zh", "opencc", needed_by="Mandarin", import_module=fails)
    assert str(missing.value) == "Mandarin needs the zh extra: pip install 'assistant[zh]'"
    assert missing.value.extra == "zh"
    assert isinstance(missing.value.__cause__, ImportError)  # shown with --debug
    with pytest.raises(ValueError, match="not a module of the zh extra"):
        require("zh", "vosk", needed_by="Mandarin")


def test_installed_finds_without_importing() -> None:
    assert installed("json") and not installed("no_such_module_here")
    assert not installed("no_such_package_here.sub")


def test_bench_without_its_extra_says_how_to_install_it() -> None:
    args = argparse.Namespace(satellites=None)
    with pytest.raises(MissingExtra, match=r"^the benchmark needs the bench extra: "
                       r"pip install 'assistant\[bench\]'$"):
        bench_command.bench(args, Config(), import_module=fails)

    def no_wyoming(name: str) -> ModuleType:
        return fails(name) if name == "wyoming" else ModuleType(name)

    args = argparse.Namespace(satellites=2)
    with pytest.raises(MissingExtra, match=r"--satellites needs the serve extra"):
        bench_command.bench(args, Config(), import_module=no_wyoming)


def cli_without(hidden: list[str], *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`assistant ARGV` in a child where the `hidden` modules cannot be imported (as when
    their extras are not installed)."""
    code = (f"import sys\nfor name in {hidden!r}:\n    sys.modules[name] = None\n"
            "from assistant.cli import main\nsys.exit(main(sys.argv[1:]))")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(cwd),
           "XDG_STATE_HOME": str(cwd)}
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300, check=False)


@pytest.mark.parametrize(("hidden", "argv", "line"), [
    (["jiwer"], ["bench", "--quick"],
     "the benchmark needs the bench extra: pip install 'assistant[bench]'"),
    (["wyoming"], ["serve"], "assistant serve needs the serve extra: "
     "pip install 'assistant[serve]'"),
    (["cn2an"], ["intents", "recognize", "--language", "zh", "打开厨房的灯"],
     "Mandarin needs the zh extra: pip install 'assistant[zh]'"),
])
def test_a_missing_extra_is_one_line_and_exit_1(hidden: list[str], argv: list[str], line: str,
                                                 tmp_path: Path) -> None:
    result = cli_without(hidden, *argv, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip() == f"error: {line}"


def test_help_and_english_commands_need_no_extra(tmp_path: Path) -> None:
    result = cli_without(EVERY_EXTRA_MODULE, "--help", cwd=tmp_path)
    assert result.returncode == 0 and "bench" in result.stdout, result.stderr
    result = cli_without(EVERY_EXTRA_MODULE, "intents", "recognize", "turn", "on", "the",
                         "kitchen", "light", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("HomeTurnOn")


def test_an_english_script_runs_without_any_extra(real_store: ModelStore,
                                                  tmp_path: Path) -> None:
    """The whole voice pipeline (Piper speaks, Whisper hears, the skills answer) with
    every extra's modules hidden: English `run` and `script` need none."""
    script = tmp_path / "time.yaml"
    script.write_text('turns:\n  - say: "What time is it?"\n'
                      "    expect: {route: skill, intent: GetTime}\n", encoding="utf-8")
    result = cli_without(EVERY_EXTRA_MODULE, "script", str(script), "--out-dir",
                         str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1/1 turns passed" in result.stdout


def test_doctor_lists_the_extras_and_fails_only_on_one_the_config_needs() -> None:
    from assistant.config import with_language
    from assistant.doctor import extra_checks

    here = extra_checks(Config())  # the development install has every extra
    assert [c.status for c in here] == ["ok"] * len(EXTRAS)
    assert all("extra is installed" in c.what for c in here)
    none = extra_checks(Config(), has_module=lambda name: False)
    assert [c.status for c in none] == ["ok"] * len(EXTRAS)
    assert "optional: pip install 'assistant[serve]'" in none[list(EXTRAS).index("serve")].what
    mandarin = extra_checks(with_language(Config(), "zh"), has_module=lambda name: False)
    failed = [c for c in mandarin if c.status == "FAIL"]
    assert [c.fix for c in failed] == ["pip install 'assistant[zh]'"]
    assert "no opencc, cn2an, pypinyin" in failed[0].what

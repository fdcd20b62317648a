"""A damaged or swapped model on disk is caught, with the command that repairs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from assistant.config import Config, ModelsConfig, SttConfig
from assistant.doctor import run_checks
from assistant.models import ModelStore

VOICE = "piper-en_US-joe-medium"


def cli(models: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ASSISTANT_MODELS_DIR=str(models))
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True,
                          text=True, timeout=300, env=env)


def copy_voice(real_store: ModelStore, tmp_path: Path) -> Path:
    models = tmp_path / "models"
    shutil.copytree(real_store.model_dir(VOICE), models / VOICE)
    return models


def test_a_truncated_model_is_refused_at_start(real_store: ModelStore, tmp_path: Path) -> None:
    models = copy_voice(real_store, tmp_path)
    onnx = models / VOICE / "en_US-joe-medium.onnx"
    with onnx.open("r+b") as handle:
        handle.truncate(onnx.stat().st_size // 2)
    result = cli(models, "say", "hello", "--out", str(tmp_path / "x.wav"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"model {VOICE} is damaged" in result.stderr
    assert f"assistant models fetch --force {VOICE}" in result.stderr
    assert not (tmp_path / "x.wav").exists()


def test_a_swapped_model_fails_verify_and_doctor(real_store: ModelStore, tmp_path: Path) -> None:
    models = copy_voice(real_store, tmp_path)
    onnx = models / VOICE / "en_US-joe-medium.onnx"
    with onnx.open("r+b") as handle:  # same size, different bytes
        handle.seek(1000)
        handle.write(b"\x00" * 64)
    verify = cli(models, "models", "verify", VOICE)
    assert verify.returncode == 1 and "sha-256 is" in (verify.stdout + verify.stderr).lower()
    doctor = cli(models, "doctor")
    assert doctor.returncode == 1
    assert f"model {VOICE}" in doctor.stdout
    assert f"assistant models fetch --force {VOICE}" in doctor.stdout


def test_a_missing_model_names_the_fetch_command(tmp_path: Path) -> None:
    result = cli(tmp_path / "empty", "say", "hello", "--out", str(tmp_path / "x.wav"))
    assert result.returncode == 1
    assert f"fetch it with: assistant models fetch {VOICE}" in result.stderr


def test_doctor_requires_whisper_base_only_when_the_config_uses_it(real_store: ModelStore,
                                                                   tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    for model in ("smollm2-135m-instruct-q4_1", "whisper-tiny-en", "piper-en_US-joe-medium"):
        (models / model).symlink_to(real_store.model_dir(model))
    for final, status in (("", "ok"), ("whisper-base", "FAIL")):
        config = Config(models=ModelsConfig(dir=str(models)),
                        stt=SttConfig(final_model=final))
        checks = run_checks(config, full_hash=False, smoke_command=["true"])
        base = [c for c in checks if c.what.startswith("model whisper-base ")]
        assert [c.status for c in base] == [status], base

"""Privacy with a real Home Assistant: `doctor` reaches exactly HA through the kernel
network policy and says clearly when the token is wrong; the token appears in no log,
report or error output."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.home.backend import TurnOff
from assistant.home.homeassistant import HaSettings, HomeAssistantBackend
from assistant_bench.home_assistant import HomeAssistant

ROOT = Path(__file__).resolve().parents[1]


def write_config(tmp: Path, ha: HomeAssistant, token: str, *, mode: int = 0o600) -> Path:
    token_file = tmp / "ha-token"
    token_file.write_text(token + "\n")
    os.chmod(token_file, mode)
    config = tmp / "assistant.toml"
    config.write_text(f'[home]\nbackend = "homeassistant"\nurl = "http://127.0.0.1:{ha.port}"\n'
                      f'token_file = "{token_file}"\ntimeout_ms = 5000\n')
    return config


def assistant(tmp: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`assistant --debug ...` (no models installed, so `doctor` skips the slow checks)."""
    models = tmp / "no-models"
    models.mkdir(exist_ok=True)
    env = {**os.environ, "ASSISTANT_MODELS_DIR": str(models), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "assistant", "--debug", "--config",
                           str(config), *args], capture_output=True, text=True, env=env,
                          timeout=300, cwd=tmp)


def home_line(output: str) -> str:
    return next(line for line in output.splitlines() if " home: " in line)


def test_doctor_reaches_exactly_home_assistant(tmp_path: Path,
                                               home_assistant: HomeAssistant) -> None:
    config = write_config(tmp_path, home_assistant, home_assistant.token)
    result = assistant(tmp_path, config, "doctor", "--quick")
    output = result.stdout + result.stderr
    line = home_line(output)
    assert line.startswith("ok") and f"Home Assistant at 127.0.0.1:{home_assistant.port}" \
        in line and home_assistant.version in line, output
    assert f"allows 127.0.0.1:{home_assistant.port} and nothing else" in line
    assert "kernel filter" in output  # the policy held while HA was reached
    assert home_assistant.token not in output
    probe = assistant(tmp_path, config, "doctor", "--network-probe")
    assert probe.returncode == 0, probe.stdout + probe.stderr  # every other way out refused
    assert home_assistant.token not in probe.stdout + probe.stderr


def test_a_wrong_token_is_one_clear_line_and_no_simulated_home(
        tmp_path: Path, home_assistant: HomeAssistant) -> None:
    wrong = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.wrong.wrong"
    result = assistant(tmp_path, write_config(tmp_path, home_assistant, wrong),
                       "doctor", "--quick")
    output = result.stdout + result.stderr
    line = home_line(output)
    assert line.startswith("FAIL") and "refused the access token" in line, output
    assert "simulated" not in line and result.returncode == 1
    assert "long-lived access token" in output  # the fix
    assert wrong not in output and home_assistant.token not in output


def test_a_token_file_others_can_read_is_refused(tmp_path: Path,
                                                 home_assistant: HomeAssistant) -> None:
    config = write_config(tmp_path, home_assistant, home_assistant.token, mode=0o640)
    result = assistant(tmp_path, config, "doctor", "--quick")
    line = home_line(result.stdout)
    assert line.startswith("FAIL") and "can be read by other users" in line
    assert "chmod 600" in line and home_assistant.token not in result.stdout + result.stderr


def test_the_token_is_never_logged(home_assistant: HomeAssistant,
                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, websockets' frames included
    backend = HomeAssistantBackend(HaSettings(
        url=f"ws://127.0.0.1:{home_assistant.port}/api/websocket",
        token=home_assistant.token))
    backend.start()
    try:
        backend.send("light.hall_lamp", TurnOff())
    finally:
        backend.stop()
    assert caplog.records  # something was logged ...
    assert home_assistant.token not in caplog.text  # ... but never the token

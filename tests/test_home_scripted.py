"""The test mode end to end over real homes: spoken turns (Piper speaks, the wake word,
Silero and Whisper hear) switch devices on a real Mosquitto broker (read back from the
broker) and a real Home Assistant (read back through HA's API); and the faults of a real
home (a broker that goes away, HA restarting, a service call HA refuses, a revoked
token, an entity that vanished) each end with a clear spoken reply, a log line, and a
next command that works."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.assembly import run_test_script
from assistant.config import config_from_dict
from assistant.testmode.script import Turn, parse_script
from assistant_bench.home_assistant import HomeAssistant
from assistant_bench.mosquitto import (
    Broker,
    running_broker,
    z2m_climate,
    z2m_cover,
    z2m_light,
    z2m_lock,
    z2m_switch,
)
from tests.test_home_assistant import ha_state
from tests.test_home_mqtt import announce
from tests.waiting import eventually

SCRIPTS = Path(__file__).parent / "scripts"
WAIT_S = 60.0


def run_script(script: Path, config: Path, out: Path) -> list[dict[str, Any]]:
    """`assistant --config CONFIG script SCRIPT` as a user runs it (with the network
    policy that allows exactly the configured home)."""
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "--config", str(config), "script", str(script),
         "--out-dir", str(out)], capture_output=True, text=True, timeout=1500,
        env=os.environ.copy())
    report = out / "report.jsonl"
    rows = [json.loads(line) for line in report.read_text().splitlines()] \
        if report.exists() else []
    failures = {row["turn"]: (row["transcript"], row["reply"], row["failures"])
                for row in rows if not row["ok"]}
    assert result.returncode == 0 and rows, (failures, result.stdout[-3000:],
                                             result.stderr[-3000:])
    return rows


def write_config(tmp: Path, home: dict[str, Any]) -> Path:
    lines = [f"{key} = {json.dumps(value)}" for key, value in home.items()]
    path = tmp / "assistant.toml"
    path.write_text(f'[skills]\nstate_file = "{tmp / "home-state.json"}"\n[home]\n'
                    + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def said(rows: list[dict[str, Any]], turn: int) -> str:
    return str(rows[turn - 1]["reply"])


# -- MQTT -----------------------------------------------------------------------------------

@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    (tmp_path / "broker").mkdir()
    with running_broker(tmp_path / "broker") as running:
        yield running


def announce_home(broker: Broker) -> None:
    announce(broker, z2m_light("kitchen light", area="Kitchen"), z2m_switch("coffee machine"),
             z2m_lock("front door"), z2m_cover("bedroom blinds"), z2m_climate("radiator"))


def mqtt_home(broker: Broker, **extra: Any) -> dict[str, Any]:
    return {"backend": "mqtt", "broker": f"127.0.0.1:{broker.port}", "timeout_ms": 3000,
            "reconnect_max_s": 1.0, **extra}


def test_spoken_commands_switch_devices_on_the_broker(real_store: object, broker: Broker,
                                                      tmp_path: Path) -> None:
    announce_home(broker)
    config = write_config(tmp_path, mqtt_home(broker))
    with broker.listening("zigbee2mqtt/#", count=5, timeout_s=1200) as published:
        rows = run_script(SCRIPTS / "home_mqtt.yaml", config, tmp_path / "out")
    assert len(rows) == 5
    sent = [json.loads(line) if line.startswith(("{", "2")) else line for line in published]
    assert sent == [{"state": "ON"},  # the kitchen light (JSON schema)
                    {"state": "ON", "brightness": 102},  # 40 % of Zigbee2MQTT's 254
                    {"position": 30},  # the blinds' set_position_template
                    "OFF",  # the coffee machine's payload_off
                    21.0]  # the radiator's set-point topic
    assert not (tmp_path / "home-state.json").exists()  # never the simulated home


def test_a_broker_that_goes_away_is_said_and_the_next_command_works(
        real_store: object, broker: Broker, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    announce_home(broker)
    caplog.set_level(logging.WARNING)
    script = parse_script({"turns": [
        {"say": "Turn on the kitchen light.", "expect": {"reply_contains": "is on"}},
        {"say": "Turn off the kitchen light.",
         "expect": {"reply_contains": "the MQTT broker is not answering"}},
        {"say": "What time is it?", "expect": {"intent": "GetTime"}},
        {"say": "Turn off the kitchen light.", "expect": {"reply_contains": "is off"}},
    ]}, path=tmp_path / "broker-away.yaml")

    def after_turn(turn: Turn) -> None:
        if turn.index == 1:
            broker.stop()
        if turn.index == 3:
            broker.log.rename(broker.log.with_suffix(".before"))
            broker.start()  # the backend reconnects by itself: the broker logs it
            eventually(lambda: broker.log.exists() and "as assistant" in broker.log.read_text(),
                       timeout_s=WAIT_S)

    rows = run_test_script(config_from_dict({"home": mqtt_home(broker)}), script,
                           out_dir=tmp_path / "out", after_turn=after_turn)
    assert [row["ok"] for row in rows] == [True] * 4, [(r["reply"], r["failures"])
                                                      for r in rows]
    assert any("home (mqtt): cannot reach the MQTT broker" in r.getMessage()
               for r in caplog.records)


# -- Home Assistant ---------------------------------------------------------------------------

def ha_home(ha: HomeAssistant, tmp: Path, token: str | None = None) -> dict[str, Any]:
    file = tmp / "token"
    file.write_text(token or ha.token)
    file.chmod(0o600)
    return {"backend": "homeassistant", "url": ha.url, "token_file": str(file),
            "timeout_ms": 3000, "reconnect_max_s": 1.0}


def reset(ha: HomeAssistant) -> None:
    """The states the script expects to start from."""
    with ha.admin() as admin:
        for service, entity in (("turn_off", "input_boolean.hall_lamp"),
                                ("turn_off", "input_boolean.bedroom_lamp"),
                                ("turn_on", "input_boolean.front_door_locked")):
            admin.call({"type": "call_service", "domain": "input_boolean",
                        "service": service, "target": {"entity_id": entity}})
        admin.call({"type": "call_service", "domain": "input_number", "service": "set_value",
                    "target": {"entity_id": "input_number.bedroom_temperature"},
                    "service_data": {"value": 19.5}})


def test_spoken_commands_change_home_assistants_states(
        real_store: object, home_assistant: HomeAssistant, tmp_path: Path) -> None:
    reset(home_assistant)
    config = write_config(tmp_path, ha_home(home_assistant, tmp_path))
    rows = run_script(SCRIPTS / "home_assistant.yaml", config, tmp_path / "out")
    assert len(rows) == 9
    ha = home_assistant
    assert ha_state(ha, "light.hall_lamp", lambda s: s["state"] == "on")["state"] == "on"
    assert ha_state(ha, "light.bedroom_lamp", lambda s: s["state"] == "on")["state"] == "on"
    assert ha_state(ha, "light.kitchen_light", lambda s: s["state"] == "off")["state"] == "off"
    assert ha_state(ha, "lock.front_door", lambda s: s["state"] == "locked")["state"] == \
        "locked"  # unlocked by the confirmed turn, locked again by "good night"
    assert not (tmp_path / "home-state.json").exists()


def revocable_token(ha: HomeAssistant) -> tuple[str, str]:
    """A long-lived token of its own (the session's stays valid) and its id."""
    with ha.admin() as admin:
        token = admin.call({"type": "auth/long_lived_access_token",
                            "client_name": "assistant fault test", "lifespan": 1})
        tokens = admin.call({"type": "auth/refresh_tokens"})
    ident = next(t["id"] for t in tokens if t.get("client_name") == "assistant fault test")
    return str(token), str(ident)


def test_home_assistants_faults_are_said_and_the_next_command_works(
        real_store: object, home_assistant: HomeAssistant, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    reset(home_assistant)
    token, token_id = revocable_token(home_assistant)
    caplog.set_level(logging.WARNING)
    with home_assistant.admin() as admin:
        porch = admin.call({"type": "input_boolean/create", "name": "Porch light"})
        admin.expose("input_boolean.porch_light", True)
        # Home Assistant restores a re-created entity id's last state (an earlier run's "on")
        admin.call({"type": "call_service", "domain": "input_boolean", "service": "turn_off",
                    "target": {"entity_id": "input_boolean.porch_light"}})
    ha_state(home_assistant, "input_boolean.porch_light", lambda s: s["state"] == "off")
    turns = [
        ("Turn on the hall lamp.", "hall lamp is on"),                     # 1; then HA stops
        ("Turn off the hall lamp.", "Home Assistant is not answering"),   # 2; HA starts
        ("Turn off the hall lamp.", "hall lamp is off"),                   # 3
        ("Turn on the porch light.", "porch light is on"),                 # 4; it is deleted
        ("Turn off the porch light.", "porch light"),                      # 5
        ("Unlock the shed door.", "sure"),                                 # 6
        ("Yes, do it.", "refused that for the shed door"),                 # 7; token revoked
        ("Turn on the hall lamp.", "no longer accepts my access token"),   # 8
        ("What time is it?", "it's"),                                       # 9
    ]
    script = parse_script({"turns": [
        {"say": text, "wake": not text.startswith("Yes"), "expect": {"reply_contains": reply}}
        for text, reply in turns]}, path=tmp_path / "ha-faults.yaml")

    def after_turn(turn: Turn) -> None:
        if turn.index == 1:
            home_assistant.stop()
        elif turn.index == 2:
            home_assistant.start()
            with home_assistant.admin() as admin:
                admin.wait_running()
        elif turn.index in (4, 7):
            with home_assistant.admin() as admin:
                admin.call({"type": "input_boolean/delete", "input_boolean_id": porch["id"]}
                           if turn.index == 4 else {"type": "auth/delete_refresh_token",
                                                    "refresh_token_id": token_id})

    rows = run_test_script(config_from_dict({"home": ha_home(home_assistant, tmp_path,
                                                             token)}),
                           script, out_dir=tmp_path / "out", after_turn=after_turn)
    assert [row["ok"] for row in rows] == [True] * len(turns), [
        (r["transcript"], r["reply"], r["failures"]) for r in rows]
    assert said(rows, 5) in ("I don't know a device called porch light.",
                             "The porch light is no longer in Home Assistant.")
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "home (homeassistant): cannot reach Home Assistant" in logged
    assert "home (homeassistant): Home Assistant refused it" in logged
    assert "refused the access token" in logged
    assert token not in logged and home_assistant.token not in logged

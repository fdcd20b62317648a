"""The [home] section, credential files, and what the network policy allows for the home."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from assistant.cli.serve import allowance as serve_allowance
from assistant.cli.serve import serve_plan
from assistant.config import config_from_dict
from assistant.config_check import ConfigError
from assistant.config_home import ha_endpoint
from assistant.home.allowance import home_allowance
from assistant.home.assemble import build_backend
from assistant.home.homeassistant import HomeAssistantBackend
from assistant.home.mqtt import MqttBackend
from assistant.home.secrets import SecretFileError, read_secret_file

HA = {"backend": "homeassistant", "url": "http://192.168.1.10:8123", "token": "t"}


@pytest.mark.parametrize(("home", "message"), [
    ({"backend": "homeassistant"}, "home.url is required"),
    ({**HA, "url": "http://homeassistant.local:8123"}, "by its IP address"),
    ({**HA, "url": "http://203.0.113.9:8123"}, "not on the local network"),
    ({**HA, "url": "ftp://192.168.1.10"}, "home.url must look like"),
    ({**HA, "token_file": "/x"}, "one of home.token and home.token_file"),
    ({"backend": "homeassistant", "url": "http://192.168.1.10:8123"}, "home.token"),
    ({"backend": "mqtt"}, "home.broker is required"),
    ({"backend": "mqtt", "broker": "broker.lan:1883"}, "home.broker must name"),
    ({"backend": "mqtt", "broker": "10.0.0.2:99999"}, "home.broker must be ADDRESS:PORT"),
    ({"backend": "mqtt", "broker": "10.0.0.2", "password_file": "/p"}, "needs home.username"),
    ({"backend": "zigbee"}, "home.backend must be one of"),
    ({"timeout_ms": 0}, "home.timeout_ms must be >="),
    ({"discovery_prefix": "#"}, "home.discovery_prefix"),
])
def test_bad_home_settings_name_the_key(home: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_dict({"home": home})


def test_endpoints_of_the_backends() -> None:
    assert ha_endpoint("http://192.168.1.10:8123") == (
        "192.168.1.10:8123", "ws://192.168.1.10:8123/api/websocket")
    assert ha_endpoint("https://[fd00::5]/") == ("[fd00::5]:443",
                                                 "wss://[fd00::5]:443/api/websocket")
    assert ha_endpoint("http://localhost:8123")[1] == "ws://127.0.0.1:8123/api/websocket"
    assert config_from_dict({"home": {"backend": "mqtt", "broker": "10.0.0.2"}}).home.peer() \
        == "10.0.0.2:1883"
    tls = {"backend": "mqtt", "broker": "10.0.0.2", "tls": True}
    assert config_from_dict({"home": tls}).home.peer() == "10.0.0.2:8883"
    assert config_from_dict({}).home.peer() is None


def test_the_network_policy_allows_exactly_the_home(tmp_path: Path) -> None:
    config = config_from_dict({"home": HA, "serve": {"satellites": ["192.168.1.30:10700"]}})
    allowance = home_allowance(argparse.Namespace(), config)
    assert allowance is not None and [str(p) for p in allowance.peers] == ["192.168.1.10:8123"]
    assert allowance.listen == () and allowance.permits_connect("192.168.1.10", 8123)
    assert not allowance.permits_connect("192.168.1.10", 8124)
    assert not allowance.permits_connect("192.168.1.11", 8123)
    assert home_allowance(argparse.Namespace(), config_from_dict({})) is None  # offline
    args = argparse.Namespace(listen=None, satellite=[], client=[])
    served = serve_allowance(args, config)
    assert sorted(map(str, served.peers)) == ["192.168.1.10:8123", "192.168.1.30:10700"]
    plan = serve_plan(args, config)  # Home Assistant is not a satellite
    assert [str(s) for s in plan.satellites] == ["192.168.1.30:10700"]


def private_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    os.chmod(path, mode)
    return path


def test_credential_files_must_be_private(tmp_path: Path) -> None:
    token = private_file(tmp_path / "token", "abc.def\n")
    assert read_secret_file(token, key="home.token_file") == "abc.def"
    shared = private_file(tmp_path / "shared", "abc.def\n", 0o644)
    with pytest.raises(SecretFileError, match=r"can be read by other users .*chmod 600") as e:
        read_secret_file(shared, key="home.token_file")
    assert "abc.def" not in str(e.value) and "home.token_file" in str(e.value)
    with pytest.raises(SecretFileError, match="does not exist"):
        read_secret_file(tmp_path / "nope", key="home.token_file")
    with pytest.raises(SecretFileError, match="is empty"):
        read_secret_file(private_file(tmp_path / "empty", "\n"), key="home.password_file")


def test_backends_are_built_from_the_config(tmp_path: Path) -> None:
    token = private_file(tmp_path / "token", "secret-token")
    config = config_from_dict({"home": {**HA, "token": "", "token_file": str(token)}})
    backend = build_backend(config.home)
    assert isinstance(backend, HomeAssistantBackend)
    assert backend.settings.token == "secret-token"
    assert backend.settings.url == "ws://192.168.1.10:8123/api/websocket"
    password = private_file(tmp_path / "password", "pw")
    mqtt = config_from_dict({"home": {"backend": "mqtt", "broker": "10.0.0.2:1884",
                                      "username": "me", "password_file": str(password)}})
    built = build_backend(mqtt.home)
    assert isinstance(built, MqttBackend)
    assert (built.settings.host, built.settings.port, built.settings.password) == (
        "10.0.0.2", 1884, "pw")
    with pytest.raises(ValueError, match="simulated home needs"):
        build_backend(config_from_dict({}).home)

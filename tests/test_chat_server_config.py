"""`llm.backend = "openai"`: the keys, the address checks, and what the network policy
then allows (exactly the server's address and port)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from assistant.cli.serve import allowance as serve_allowance
from assistant.config import ModelsConfig, config_from_dict
from assistant.config_check import ConfigError
from assistant.engines.llm.openai import OpenAIChatModel
from assistant.home.allowance import home_allowance
from assistant.loading import load_chat
from assistant.models import ModelStore

SERVER = {"backend": "openai", "url": "http://192.168.1.30:8080"}


@pytest.mark.parametrize(("llm", "message"), [
    ({"backend": "openai"}, "llm.url must look like"),
    ({**SERVER, "url": "http://gpu-box.lan:8080"}, "by its IP address"),
    ({**SERVER, "url": "https://203.0.113.9/v1"}, "not on the local network"),
    ({**SERVER, "url": "ftp://192.168.1.30"}, "llm.url must look like"),
    ({**SERVER, "url": "http://192.168.1.30:0x50"}, "bad port"),
    ({**SERVER, "backend": "cloud"}, "llm.backend must be one of"),
    ({**SERVER, "fallback": "cloud"}, "llm.fallback must be one of"),
    ({**SERVER, "timeout_s": 0}, "llm.timeout_s must be >="),
])
def test_bad_chat_server_settings_name_the_key(llm: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_dict({"llm": llm})


def test_the_server_address_and_path() -> None:
    def server(url: str, **more: object):  # type: ignore[no-untyped-def]
        return config_from_dict({"llm": {**SERVER, "url": url, **more}}).llm.server()

    assert server("http://192.168.1.30:8080").describe() == \
        "http://192.168.1.30:8080/v1/chat/completions"
    assert server("http://localhost:11434/v1/").describe() == \
        "http://127.0.0.1:11434/v1/chat/completions"
    assert server("https://[fd00::7]/llm").describe() == \
        "https://[fd00::7]:443/llm/v1/chat/completions"
    public = server("https://203.0.113.9", allow_public_url=True)
    assert public.peer == "203.0.113.9:443" and not public.local
    assert config_from_dict({}).llm.server() is None  # local by default: no server at all


def test_the_network_policy_allows_exactly_the_chat_server() -> None:
    config = config_from_dict({"llm": SERVER})
    allowance = home_allowance(argparse.Namespace(), config)
    assert allowance is not None
    assert [str(p) for p in allowance.peers] == ["192.168.1.30:8080"]
    assert allowance.permits_connect("192.168.1.30", 8080)
    assert not allowance.permits_connect("192.168.1.30", 8081)
    assert not allowance.permits_connect("192.168.1.31", 8080)
    assert allowance.listen == ()
    both = config_from_dict({"llm": SERVER, "home": {"backend": "mqtt",
                                                     "broker": "10.0.0.2"}})
    allowed = home_allowance(argparse.Namespace(), both)
    assert allowed is not None and allowed.permits_connect("10.0.0.2", 1883)
    assert allowed.permits_connect("192.168.1.30", 8080)
    served = serve_allowance(argparse.Namespace(listen=None, satellite=[], client=[]), config)
    assert served.permits_connect("192.168.1.30", 8080)
    assert not served.permits_connect("192.168.1.30", 8081)


def test_a_public_server_is_allowed_only_when_written_so() -> None:
    config = config_from_dict({"llm": {**SERVER, "url": "https://203.0.113.9",
                                       "allow_public_url": True}})
    allowance = home_allowance(argparse.Namespace(), config)
    assert allowance is not None and allowance.permits_connect("203.0.113.9", 443)
    assert not allowance.permits_connect("203.0.113.10", 443)


def test_the_engine_the_backend_names(tmp_path: Path) -> None:
    store = ModelStore.from_config(ModelsConfig(dir=str(tmp_path)))  # nothing installed
    remote = load_chat(config_from_dict({"llm": SERVER}).llm, None, store)
    assert isinstance(remote, OpenAIChatModel)
    assert remote.server.describe() == "http://192.168.1.30:8080/v1/chat/completions"
    assert load_chat(config_from_dict({}).llm, None, store) is None  # local, none installed
    falling = config_from_dict({"llm": {**SERVER, "fallback": "local"}}).llm
    with pytest.raises(ConfigError, match="no chat model is installed"):
        load_chat(falling, None, store)

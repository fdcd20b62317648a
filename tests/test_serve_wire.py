"""The Wyoming server's own rules, without engines: events read with limits, audio checked
against its announced format, who may connect, and what the network policy allows."""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys

import pytest
from wyoming.audio import AudioChunk, AudioStart
from wyoming.event import Event

from assistant.cli.serve import serve_plan
from assistant.config import config_from_dict
from assistant.doctor import serve_check
from assistant.errors import AssistantError
from assistant.server.allowance import serve_allowance
from assistant.server.wire import AudioIn, WireError, WireLimits, read_event
from assistant_bench.allowance import BENCH_PORT, bench_allowance
from assistant_bench.satellites import counts_up_to

LIMITS = WireLimits(max_event_bytes=1000, idle_timeout_s=0.2, max_audio_s=1.0)


def read(data: bytes, limits: WireLimits = LIMITS) -> Event | None:
    async def run() -> Event | None:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        if not data.endswith(b"HOLD"):
            reader.feed_eof()
        return await read_event(reader, limits)
    return asyncio.run(run())


def header(**fields: object) -> bytes:
    return json.dumps(fields).encode() + b"\n"


def test_an_event_with_data_and_payload_is_read() -> None:
    event = read(header(type="audio-chunk", data={"rate": 16000}, data_length=13,
                        payload_length=4) + b'{"width": 2}' + b" " + b"\x01\x02\x03\x04")
    assert event is not None and event.type == "audio-chunk"
    assert event.data == {"rate": 16000, "width": 2} and event.payload == b"\x01\x02\x03\x04"


@pytest.mark.parametrize(("data", "problem"), [
    (b"{not json\n", "not JSON"),
    (b"[1, 2]\n", "type"),
    (header(data={}), "type"),
    (header(type="x", payload_length=1001), "limit 1000"),
    (header(type="x", data_length=600, payload_length=600), "limit 1000"),
    (header(type="x", payload_length=-5), "byte count"),
    (header(type="x", payload_length="12"), "byte count"),
    (header(type="x", data=[1]), "object"),
    (header(type="x", data_length=3) + b"[1]", "object"),
])
def test_a_broken_event_is_refused_with_the_reason(data: bytes, problem: str) -> None:
    with pytest.raises(WireError, match=problem):
        read(data)


def test_a_closed_or_silent_connection() -> None:
    assert read(b"") is None
    assert read(header(type="x", payload_length=10) + b"abc") is None  # closed mid-event
    with pytest.raises((TimeoutError, asyncio.TimeoutError)):
        read(b"HOLD")


def chunk(rate: int = 16000, seconds: float = 0.1, **fmt: int) -> Event:
    width, channels = fmt.get("width", 2), fmt.get("channels", 1)
    pcm = bytes(int(rate * seconds) * width * channels)
    return AudioChunk(rate=rate, width=width, channels=channels, audio=pcm).event()


def test_audio_in_another_format_than_announced_is_refused() -> None:
    audio = AudioIn(max_s=1.0)
    audio.start(AudioStart(rate=16000, width=2, channels=1).event())
    assert audio.chunk(chunk()) is not None
    assert audio.chunk(chunk(rate=8000)) is None and "(8000, 2, 1)" in audio.problem
    assert audio.chunk(chunk(channels=2)) is None
    unannounced = AudioIn(max_s=None)
    block = unannounced.chunk(chunk(rate=22050, channels=2))
    assert block is not None and block.channels == 2
    assert unannounced.chunk(chunk(rate=1)) is None and "cannot read" in unannounced.problem
    assert unannounced.chunk(Event(type="audio-chunk", data={})) is None


def test_one_request_buffers_at_most_max_audio_s() -> None:
    audio = AudioIn(max_s=1.0)
    for _ in range(10):
        assert audio.chunk(chunk(seconds=0.1)) is not None
    assert audio.chunk(chunk(seconds=0.1)) is None and "1 s of audio" in audio.problem


def serve_args(**given: object) -> argparse.Namespace:
    return argparse.Namespace(**{"listen": None, "satellite": [], "client": [], **given})


def test_the_allowance_is_the_listen_address_and_the_satellites() -> None:
    config = config_from_dict({"serve": {"satellites": ["tcp://192.168.1.30:10700"]}})
    allowance = serve_allowance(config, satellites=["tcp://10.0.0.7:10701"])
    assert [str(e) for e in allowance.listen] == ["127.0.0.1:10700"]
    assert [str(e) for e in allowance.peers] == ["192.168.1.30:10700", "10.0.0.7:10701"]
    assert allowance.listen_ports == (10700,) and allowance.peer_ports == (10700, 10701)
    for bad in ({"listen": "8.8.8.8:10700"}, {"satellites": ["tcp://1.1.1.1:10700"]},
                {"satellites": ["kitchen.local:10700"]}):
        with pytest.raises(ValueError, match="local network|ADDRESS:PORT"):
            serve_allowance(config, **bad)


def test_who_may_connect() -> None:
    config = config_from_dict({"serve": {"satellites": ["192.168.1.30:10700"],
                                         "clients": ["192.168.1.10/32"]}})
    plan = serve_plan(serve_args(), config)
    assert plan.permits_client("127.0.0.1") and plan.permits_client("::1")
    assert plan.permits_client("192.168.1.30") and plan.permits_client("192.168.1.10")
    assert not plan.permits_client("192.168.1.11") and not plan.permits_client("8.8.8.8")
    assert not plan.permits_client("::ffff:192.168.1.11")
    with pytest.raises(AssistantError, match="serve.clients"):
        serve_plan(serve_args(client=["the kitchen"]), config)


def test_doctor_lists_what_serve_may_reach() -> None:
    config = config_from_dict({"serve": {"listen": "192.168.1.5:10700",
                                         "satellites": ["192.168.1.30:10700"]}})
    check = serve_check(config)
    assert check.status == "ok"
    assert "listen on 192.168.1.5:10700; connect to 192.168.1.30:10700" in check.what
    bad = serve_check(config_from_dict({"serve": {"listen": "203.0.113.9:10700"}}))
    assert bad.status == "FAIL" and "not on the local network" in bad.what


def test_serve_refuses_a_public_address_in_one_line() -> None:
    done = subprocess.run([sys.executable, "-m", "assistant", "serve", "--listen",
                           "203.0.113.9:10700"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: listen address '203.0.113.9:10700' is not on the local network: only "
        "loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7) and link-local "
        "(169.254/16, fe80::/10) addresses are allowed"]


def test_bench_satellites_counts_and_its_one_port() -> None:
    assert counts_up_to(8) == [1, 2, 4, 8] and counts_up_to(1) == [1]
    assert counts_up_to(6) == [1, 2, 4, 6]
    assert bench_allowance(argparse.Namespace(satellites=None), config_from_dict({})) is None
    allowance = bench_allowance(argparse.Namespace(satellites=4), config_from_dict({}))
    assert allowance is not None
    assert allowance.listen_ports == allowance.peer_ports == (BENCH_PORT,)
    assert allowance.permits_connect("127.0.0.1", BENCH_PORT)
    assert not allowance.permits_connect("192.168.1.1", BENCH_PORT)

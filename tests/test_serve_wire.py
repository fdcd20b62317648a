"""The Wyoming server's own rules, without engines: events read with limits, audio checked
against its announced format, who may connect, and what the network policy allows."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import socket
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest
from wyoming.audio import AudioChunk, AudioStart
from wyoming.event import Event

from assistant.addresses import Endpoint
from assistant.cli.serve import serve_plan
from assistant.config import config_from_dict
from assistant.doctor import serve_check
from assistant.errors import AssistantError
from assistant.loop.shared import Engines
from assistant.scheduling.fair import FairExecutor
from assistant.server import tts
from assistant.server.allowance import serve_allowance
from assistant.server.app import ServePlan, WyomingServer
from assistant.server.connection import Connection, ServerContext
from assistant.server.deadline import within
from assistant.server.flood import Admission, FloodLog
from assistant.server.wire import AudioIn, WireError, WireLimits, read_event
from assistant_bench.allowance import BENCH_PORT, bench_allowance
from assistant_bench.satellites import counts_up_to
from tests import building
from tests.fakes import FakeRecognizer, FakeVadModel, FakeVoice

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
    (b'{"type": "audio-chunk", "data": {"rate": 1e400}}\n', "not JSON"),  # float inf
    (b'{"type": "ping", "data": {"text": NaN}}\n', "not JSON"),
    (header(type="x", data_length=17) + b'{"rate": Infinity}', "not JSON"),
    (b'{"type": "ping", "data": ' + b"[" * 20_000 + b"]" * 20_000 + b"}\n", "not JSON"),
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
    assert block is not None and (block.rate, block.width, block.channels) == (16000, 2, 1)
    assert unannounced.chunk(chunk(rate=1)) is None and "cannot read" in unannounced.problem
    assert unannounced.chunk(Event(type="audio-chunk", data={})) is None


def test_one_request_buffers_at_most_max_audio_s() -> None:
    audio = AudioIn(max_s=1.0)
    for _ in range(10):
        assert audio.chunk(chunk(seconds=0.1)) is not None
    assert audio.chunk(chunk(seconds=0.1)) is None and "1 s of audio" in audio.problem


def test_the_bound_is_in_samples_after_conversion_not_in_announced_bytes() -> None:
    """60 s announced at 192 kHz, 32-bit, 8 channels was 369 MB held per connection; kept
    as 16 kHz mono 16-bit it is 1.9 MB, and the limit counts those samples."""
    audio = AudioIn(max_s=1.0)
    audio.start(AudioStart(rate=192000, width=4, channels=8).event())
    kept = []
    while (block := audio.chunk(chunk(rate=192000, seconds=0.25, width=4, channels=8))):
        kept.append(block)
    assert all((b.rate, b.width, b.channels) == (16000, 2, 1) for b in kept)
    total = sum(b.frames for b in kept) + (tail.frames if (tail := audio.flush()) else 0)
    assert total == 16000 and "1 s of audio" in audio.problem
    assert 3 <= len(kept) <= 5  # 0.25 s each (the resampler holds a little back)


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


def test_a_client_network_beyond_the_local_network_needs_an_explicit_yes(
        capsys: pytest.CaptureFixture[str]) -> None:
    """serve.clients = ["0.0.0.0/0"] was accepted silently: anyone who could reach the port
    (a forwarded one) could give commands. Refused, unless allow_public_clients says so."""
    wide = config_from_dict({"serve": {"clients": ["0.0.0.0/0"]}})
    with pytest.raises(AssistantError, match="'0.0.0.0/0' reaches beyond the local network"):
        serve_plan(serve_args(), wide)
    with pytest.raises(AssistantError, match="allow_public_clients"):
        serve_plan(serve_args(client=["203.0.113.0/24"]), config_from_dict({}))
    check = serve_check(wide)
    assert check.status == "FAIL" and "serve.clients" in check.fix
    lan = serve_plan(serve_args(client=["192.168.0.0/16", "fd00::/8"]), config_from_dict({}))
    assert lan.permits_client("192.168.7.7") and not lan.permits_client("8.8.8.8")
    assert capsys.readouterr().err == ""
    allowed = config_from_dict({"serve": {"clients": ["0.0.0.0/0"],
                                          "allow_public_clients": True}})
    assert serve_plan(serve_args(), allowed).permits_client("8.8.8.8")
    assert "clients from 0.0.0.0/0 may connect" in capsys.readouterr().err


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
    # a chat server on the network is measured too: the server (a child) may reach it
    remote = config_from_dict({"llm": {"backend": "openai", "url": "http://192.168.1.5:8080"}})
    for args in (argparse.Namespace(satellites=4), argparse.Namespace(satellites=None)):
        allowance = bench_allowance(args, remote)
        assert allowance is not None and allowance.permits_connect("192.168.1.5", 8080)
        assert not allowance.permits_connect("192.168.1.5", 8081)


# -- synthesis: backpressure and streaming, on a fake voice ---------------------------------

class CountingExecutor(FairExecutor):
    """The voice's queue, counting what was submitted."""

    def __init__(self) -> None:
        super().__init__("voice", workers=1, per_owner=1)
        self.submitted = 0

    def submit(self, owner: str, fn: Any, *args: Any, urgent: bool = False) -> Any:
        self.submitted += 1
        return super().submit(owner, fn, *args, urgent=urgent)


def voice_engines(voice: FakeVoice) -> Engines:
    return Engines(language=building.language("en"), recognizer=FakeRecognizer(),
                   vad=FakeVadModel(), wake=None, voice=voice, chat=None, skills=None,
                   synthesis=CountingExecutor())  # type: ignore[arg-type]


SENTENCES = [f"Sentence number {i} is here." for i in range(20)]


def test_synthesis_stays_a_sentence_ahead_of_a_reader_that_stopped() -> None:
    """The client stops reading at the first audio chunk: the sender blocks there with
    one more sentence synthesized, not the whole text; once it reads, the rest follows."""
    voice = FakeVoice()
    engines = voice_engines(voice)
    reading = asyncio.Event()
    sent: list[str] = []

    async def send(event: Event) -> None:
        sent.append(event.type)
        if event.type == "audio-chunk":
            await reading.wait()

    async def run() -> int:
        task = asyncio.ensure_future(tts.synthesize(engines, " ".join(SENTENCES), owner="c",
                                                    send=send))
        while "audio-chunk" not in sent:
            await asyncio.sleep(0.01)
        submitted = engines.synthesis.submitted  # type: ignore[attr-defined]
        reading.set()
        await task
        return submitted

    try:
        assert asyncio.run(run()) == 1 + tts.AHEAD
    finally:
        engines.synthesis.close()
    assert voice.spoken == SENTENCES
    assert sent[0] == "audio-start" and sent[-1] == "audio-stop"
    assert sent.count("audio-start") == 1


def test_a_stream_speaks_each_sentence_once_its_text_is_complete() -> None:
    voice = FakeVoice()
    engines = voice_engines(voice)
    sent: list[Event] = []

    async def send(event: Event) -> None:
        sent.append(event)

    async def run() -> list[str]:
        stream = tts.StreamingRequest(engines, owner="c", send=send, max_chars=200)
        text = "The first sentence is here. The second one is"
        for i in range(0, len(text), 7):  # pieces as a chat model writes them
            assert stream.add(text[i:i + 7])
        while not any(e.type == "audio-chunk" for e in sent):  # the first, before the end
            await asyncio.sleep(0.01)
        spoken_early = list(voice.spoken)
        assert stream.add(" not.")
        assert not stream.add("x" * 200)  # past max_chars: refused, nothing added
        await stream.finish()
        return spoken_early

    try:
        assert asyncio.run(run()) == ["The first sentence is here."]
    finally:
        engines.synthesis.close()
    assert voice.spoken == ["The first sentence is here.", "The second one is not."]
    types = [e.type for e in sent]
    assert types[0] == "audio-start" and types[-2:] == ["audio-stop", "synthesize-stopped"]


def test_a_stream_ends_when_cancelled_even_if_its_send_loses_the_cancellation() -> None:
    """A send that returns normally when cancelled (as `asyncio.wait_for` did before
    Python 3.12 when the write completed at that moment): the stream must still end, not
    wait for sentences the client will never send."""
    engines = voice_engines(FakeVoice())
    sent: list[str] = []
    writing = asyncio.Event()

    async def send(event: Event) -> None:
        sent.append(event.type)
        if event.type == "audio-chunk" and not writing.is_set():
            writing.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)  # the cancellation is lost here, once

    async def run() -> bool:
        stream = tts.StreamingRequest(engines, owner="c", send=send, max_chars=200)
        assert stream.add("The first sentence is here. The second")
        await writing.wait()
        cancelling = asyncio.ensure_future(stream.cancel())
        done, _ = await asyncio.wait({cancelling}, timeout=10)
        return bool(done)

    try:
        assert asyncio.run(run()), "the stream went on after it was cancelled"
    finally:
        engines.synthesis.close()
    assert sent.count("audio-chunk") == 1 and "audio-stop" not in sent


def test_a_cancellation_is_never_lost_when_the_write_completes_at_that_moment() -> None:
    async def run() -> None:
        written = asyncio.get_running_loop().create_future()

        async def write() -> None:
            await written

        task = asyncio.ensure_future(within(write(), 10))
        for _ in range(3):
            await asyncio.sleep(0)
        written.set_result(None)  # the write is done, and the caller is cancelled at once
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())


def test_within_times_out_and_passes_results_and_errors_through() -> None:
    async def run() -> None:
        assert await within(asyncio.sleep(0, result=7), 1) == 7
        assert await within(asyncio.sleep(0, result=8), None) == 8
        with pytest.raises(TimeoutError):
            await within(asyncio.sleep(10), 0.05)
        with pytest.raises(ConnectionResetError):
            await within(asyncio.get_running_loop().run_in_executor(
                None, _raise, ConnectionResetError("reset")), 5)

    asyncio.run(run())


def _raise(error: Exception) -> None:
    raise error


def test_a_client_that_closed_with_events_unread_is_gone() -> None:
    """A busy connection reads nothing: the client's end is noted all the same, so at a
    cap its abandoned request makes room (`flood.Admission`)."""
    async def run() -> tuple[bool, bool]:
        ours, theirs = socket.socketpair()
        reader, writer = await asyncio.open_connection(sock=ours)
        context = ServerContext(engines=voice_engines(FakeVoice()), settings=None,
                                info=Event("info"), limits=LIMITS,
                                clock=None)  # type: ignore[arg-type]
        connection = Connection(reader, writer, context=context, name="c")
        try:
            theirs.sendall(header(type="describe") * 3)
            await asyncio.sleep(0.05)
            before = connection.gone
            theirs.shutdown(socket.SHUT_WR)
            for _ in range(100):
                if connection.gone:
                    break
                await asyncio.sleep(0.01)
            return before, connection.gone
        finally:
            writer.close()
            theirs.close()
            context.engines.synthesis.close()

    assert asyncio.run(run()) == (False, True)


# -- admission and the flood log ------------------------------------------------------------

@dataclass(eq=False)
class Member:
    peer: str
    last_active: float
    busy: bool = False
    gone: bool = False
    evicted: bool = False

    def evict(self) -> None:
        self.evicted = True


class Later:
    """`loop.call_later` for a FloodLog: the scheduled reports, run by hand."""

    def __init__(self) -> None:
        self.due: list[Any] = []

    def __call__(self, delay: float, report: Any) -> None:
        self.due.append(report)


def test_at_a_cap_the_quietest_idle_connection_makes_room(caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    later = Later()
    admission = Admission(max_total=3, max_per_peer=2,
                          flood=FloodLog(logging.getLogger("t"), schedule=later),
                          clock=lambda: 100.0)
    a1, a2 = Member("a", 10.0), Member("a", 5.0)
    assert admission.admit(a1, name="a1") and admission.admit(a2, name="a2")
    a3 = Member("a", 50.0)
    assert admission.admit(a3, name="a3") and a2.evicted and not a1.evicted  # its own peer
    b1 = Member("b", 60.0, busy=True)
    assert admission.admit(b1, name="b1")
    c1 = Member("c", 70.0)
    assert admission.admit(c1, name="c1") and a1.evicted and not b1.evicted
    a3.busy = c1.busy = True
    for i in range(5):  # every member busy: refused, and logged once
        assert not admission.admit(Member("d", 80.0 + i), name=f"d{i}")
    refusals = [r for r in caplog.records if "all busy" in r.getMessage()]
    assert len(refusals) == 1
    for report in later.due:
        report()
    assert "4 more like this" in caplog.records[-1].getMessage()
    assert admission.members == {a3, b1, c1}
    b1.gone = True  # busy, but its client has left: its answer has no reader
    d5 = Member("d", 90.0)
    assert admission.admit(d5, name="d5") and b1.evicted and admission.members == {a3, c1, d5}


def test_the_event_loop_failing_to_accept_is_logged_once_per_burst(
        caplog: pytest.LogCaptureFixture) -> None:
    """Out of file descriptors, asyncio logs a traceback for every failed accept (38,868
    lines in 15 s); the server's handler logs the first and counts the rest."""
    later = Later()
    server = WyomingServer(context=None, plan=ServePlan(listen=Endpoint.parse(  # type: ignore[arg-type]
        "127.0.0.1:10700", role="listen address")))
    server._flood = FloodLog(logging.getLogger("t"), schedule=later)
    loop = asyncio.new_event_loop()
    try:
        for _ in range(500):
            server._loop_error(loop, {"message": "socket.accept() out of system resource",
                                      "exception": OSError(24, "Too many open files")})
    finally:
        loop.close()
    for report in later.due:
        report()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and "Too many open files" in lines[0]
    assert lines[1].startswith("499 more like this")

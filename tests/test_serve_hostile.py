"""Hostile clients against a real `assistant serve` (issue 25): each attack that once hurt
the server is sent again, and each test ends with a well-behaved client answered (a real
transcription) and the server's memory within a bound of where it started.

The server runs with small caps so the attacks are quick: 16 connections, 8 per address,
2 s for a first event and for a write, 3 s of silence, 20 s of audio per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Iterator
from typing import Any

import psutil
import pytest
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event, async_read_event, async_write_event
from wyoming.info import Describe
from wyoming.intent import Recognize
from wyoming.ping import Ping
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart

from assistant.audio import Audio, to_speech
from tests.words import heard_enough
from tests.wyoming_server import HOST, client, free_port, running_server, synthesize, transcribe

CAPS = {"max_connections": 16, "max_connections_per_peer": 8, "first_event_timeout_ms": 2000,
        "idle_timeout_ms": 3000, "write_timeout_ms": 2000, "max_audio_s": 20}
GOOD = "Please turn on the kitchen light and close the blinds."
MEMORY_MARGIN_MB = 200
"""How far above its settled size the server may be after an attack (the attacks that
broke it grew it by 350 MB to 22 GB)."""


@pytest.fixture(scope="module")
def server(real_store: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    port = free_port()
    with running_server(tmp_path_factory.mktemp("hostile"), port=port,
                        serve=CAPS) as process:
        process.port = port  # type: ignore[attr-defined]
        process.clip = to_speech(asyncio.run(synthesize(process, GOOD)))  # type: ignore[attr-defined]
        asyncio.run(legit_work(process))
        process.settled_mb = rss_mb(process)  # type: ignore[attr-defined]
        yield process


async def legit_work(server: Any) -> None:
    """The largest requests a well-behaved client makes, so the engines' memory pools have
    grown to their working size before it is measured (a long synthesis alone grows the
    server by 70-90 MB, once): three 20 s transcriptions at once, a 60-sentence synthesis
    and a long question to the chat model."""
    long_clip = Audio(server.clip.pcm * 8, server.clip.rate)
    long_clip = Audio(long_clip.pcm[: 2 * 20 * long_clip.rate], long_clip.rate)
    text = " ".join(f"This is sentence number {i} of a story." for i in range(60))
    await asyncio.gather(*(transcribe(server, long_clip) for _ in range(3)),
                         synthesize(server, text),
                         request(server, Transcript(text=("tell me a story " * 600)).event(),
                                 until=("handled-stop", "not-handled", "error")))


def rss_mb(server: Any) -> float:
    return float(psutil.Process(server.proc.pid).memory_info().rss) / 2**20


def good_client_answered(server: Any) -> None:
    heard = asyncio.run(transcribe(server, server.clip))
    assert heard_enough(GOOD, heard), (heard, server.output())


def memory_bounded(server: Any) -> None:
    used = rss_mb(server)
    assert used <= server.settled_mb + MEMORY_MARGIN_MB, (used, server.settled_mb)


async def request(server: Any, *events: Event, local: str = HOST,
                  until: tuple[str, ...] = ()) -> list[Event]:
    """Send `events` on a new connection from `local`; what comes back until an event of
    a type in `until`, or until the server closes."""
    reader, writer = await asyncio.open_connection(HOST, server.port, local_addr=(local, 0))
    got: list[Event] = []
    try:
        for event in events:
            await async_write_event(event, writer)
        while (event := await asyncio.wait_for(async_read_event(reader), 300)) is not None:
            got.append(event)
            if event.type in until:
                break
    finally:
        writer.close()
    return got


# -- issue 25 item 1: a long text ---------------------------------------------------------

def test_long_texts_do_not_hold_up_a_good_client(server: Any) -> None:
    """48 KB took the intent matcher 6.8 s and six in parallel made a good client's
    transcription take 40 s; 900 KB killed the server. Texts under the limit are bounded by
    the matcher's own bound, longer ones are refused with an error event."""
    near_limit = ("turn on the kitchen light " * 400)[:9_000]
    huge = "turn on the kitchen light " * 2_000  # 52 KB

    async def run() -> tuple[str, list[list[Event]]]:
        hostile = [request(server, Recognize(text=near_limit).event(),
                           until=("intent", "not-recognized", "error")) for _ in range(3)]
        hostile += [request(server, Transcript(text=huge).event(),
                            until=("handled-stop", "not-handled", "error"))
                    for _ in range(3)]
        hostile.append(request(server, Transcript(text=near_limit).event(),
                               until=("handled-stop", "not-handled", "error")))
        tasks = [asyncio.ensure_future(h) for h in hostile]
        heard = await transcribe(server, server.clip)  # while they run
        return heard, list(await asyncio.gather(*tasks))

    heard, replies = asyncio.run(run())
    assert heard_enough(GOOD, heard), heard
    assert [r[-1].type for r in replies[:3]] == ["not-recognized"] * 3
    for reply in replies[3:6]:
        assert reply[-1].type == "error" and "limit 10000" in reply[-1].data["text"]
    assert replies[6][-1].type == "handled-stop"  # the chat model answered the long one
    good_client_answered(server)
    memory_bounded(server)


def test_a_text_over_the_limit_is_refused_and_the_connection_goes_on(server: Any) -> None:
    async def run() -> list[Event]:
        async with client(server) as c:
            await c.write_event(Synthesize(text="Hello there. " * 1000).event())
            first = await c.read_event()
            await c.write_event(Describe().event())
            second = await c.read_event()
            return [e for e in (first, second) if e is not None]

    error, info = asyncio.run(run())
    assert error.type == "error" and "synthesize text of 13000 characters" in error.data["text"]
    assert info.type == "info"
    good_client_answered(server)


# -- item 6: audio, connections, readers ----------------------------------------------------

def test_absurd_audio_is_bounded_in_samples_after_conversion(server: Any) -> None:
    """25 s announced at 192 kHz, 32-bit, 8 channels on three connections: 460 MB sent.
    Kept as announced it was 369 MB per 60 s request; kept as 16 kHz mono it is 640 KB."""
    second = bytes(192_000 * 4 * 8 // 6)  # 1/6 s, 1 MiB: one event under max_event_bytes
    fmt = {"rate": 192_000, "width": 4, "channels": 8}
    events = [Transcribe().event(), AudioStart(**fmt).event(),
              *[AudioChunk(audio=second, **fmt).event() for _ in range(25 * 6)],
              AudioStop().event()]

    async def run() -> list[list[Event]]:
        return list(await asyncio.gather(*(request(server, *events, until=("transcript",))
                                           for _ in range(3))))

    for reply in asyncio.run(run()):
        assert reply and reply[-1].type == "transcript"
    server.wait_for("ignored more than 20 s of audio in one request")
    good_client_answered(server)
    memory_bounded(server)


def test_idle_floods_and_slowloris_leave_room_for_a_good_client(server: Any) -> None:
    """2,000 idle sockets once made a good client time out and logged 38,868 lines: now one
    address gets 8 connections, 16 in all, the quietest idle one makes room (so a client
    that talks always gets in), and the evictions are logged once."""
    start = len(server.lines)

    async def idle(local: str) -> asyncio.StreamWriter:
        _, writer = await asyncio.open_connection(HOST, server.port, local_addr=(local, 0))
        return writer

    async def slowloris(local: str) -> None:
        _, writer = await asyncio.open_connection(HOST, server.port, local_addr=(local, 0))
        with contextlib.suppress(ConnectionError):
            for byte in json.dumps({"type": "describe"}).encode():
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.5)

    async def run() -> str:
        writers = [await idle("127.0.0.2") for _ in range(200)]
        writers += [await idle(f"127.0.1.{i}") for i in range(1, 41)]
        lorises = [asyncio.ensure_future(slowloris(f"127.0.2.{i}")) for i in range(1, 5)]
        heard = await transcribe(server, server.clip)  # every flood still open
        for task in lorises:
            task.cancel()
        for writer in writers:
            writer.close()
        return heard

    assert heard_enough(GOOD, asyncio.run(run()))
    new = [line for line in server.lines[start:] if "more like this" not in line]
    assert sum("to make room" in line for line in new) == 1, new  # 200+ evictions
    good_client_answered(server)
    memory_bounded(server)


def test_a_client_that_does_not_send_a_first_event_is_closed(server: Any) -> None:
    async def run() -> bytes:
        reader, writer = await asyncio.open_connection(HOST, server.port,
                                                       local_addr=("127.0.3.1", 0))
        try:
            return await asyncio.wait_for(reader.read(), 60)
        finally:
            writer.close()

    assert asyncio.run(run()) == b""  # closed by the server
    server.wait_for("nothing received for 2 s")
    good_client_answered(server)


@pytest.mark.parametrize("streamed", [False, True], ids=["synthesize", "synthesize-start"])
def test_a_reader_that_never_reads_is_dropped(server: Any, streamed: bool) -> None:
    """A synthesize whose audio nobody read kept a core busy and grew memory 1.4 MB/s.
    Now at most a sentence or two is synthesized ahead of the reader, and a reader that
    takes nothing for `write_timeout_ms` is disconnected."""
    text = " ".join(f"This is sentence number {i} of a story nobody hears." for i in range(60))
    start = len(server.lines)

    async def run() -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: no growth
        sock.bind(("127.0.4.1", 0))
        sock.connect((HOST, server.port))
        _, writer = await asyncio.open_connection(sock=sock)
        if streamed:
            await async_write_event(SynthesizeStart().event(), writer)
            await async_write_event(SynthesizeChunk(text=text).event(), writer)
        else:
            await async_write_event(Synthesize(text=text).event(), writer)
        try:  # write (never read) until the server has dropped the connection
            for _ in range(600):
                await asyncio.sleep(0.5)
                await async_write_event(Ping().event(), writer)
            raise AssertionError("the server never dropped a client that does not read")
        except ConnectionError:
            pass
        finally:
            writer.close()

    asyncio.run(run())
    if not streamed:  # (the second drop within a minute is counted, not logged)
        server.wait_for("read nothing for 2 s", start=start)
    good_client_answered(server)
    memory_bounded(server)


def test_a_well_behaved_long_synthesis_is_heard_whole(server: Any) -> None:
    """Backpressure does not cut a client that reads: a long text comes back complete."""
    text = " ".join(f"Step {word} is done." for word in
                    ("one", "two", "three", "four", "five", "six", "seven", "eight"))
    audio = asyncio.run(synthesize(server, text))
    heard = asyncio.run(transcribe(server, to_speech(audio)))
    assert heard_enough(text, heard, share=0.7), heard


def test_unknown_and_malformed_events_in_bulk_are_logged_once(server: Any) -> None:
    start = len(server.lines)
    junk = [Event(type="make-coffee", data={"n": i}) for i in range(20_000)]

    async def run() -> list[Event]:
        return await request(server, *junk, Describe().event(), until=("info",))

    assert asyncio.run(run())[-1].type == "info"
    new = server.lines[start:]
    assert sum("unknown type 'make-coffee'" in line for line in new) == 1
    good_client_answered(server)

"""`assistant serve` as Home Assistant sees it: the `wyoming` package's AsyncTcpClient
against a real server process (real engines, real audio), including clients that break
the protocol, each followed by a well-behaved client that must still be answered."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from wyoming.asr import Transcript
from wyoming.audio import AudioChunk
from wyoming.event import Event
from wyoming.info import Describe
from wyoming.intent import Recognize
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop

from assistant.audio import Audio, to_speech
from assistant.sandbox.landlock import NET_ABI, abi_version
from assistant.wav import read_wav
from tests.words import heard_enough, words
from tests.wyoming_server import (
    HOST,
    IDLE_TIMEOUT_MS,
    answered,
    client,
    describe,
    free_port,
    raw,
    running_server,
    synthesize,
    transcribe,
)

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
COMMAND = "Calculate seventeen times twenty three."
QUESTION = "Which city is the capital of France?"


@pytest.fixture(scope="module")
def server(real_store: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    port = free_port()
    with running_server(tmp_path_factory.mktemp("serve"), port=port) as process:
        process.port = port  # type: ignore[attr-defined]
        yield process


async def handle(server: Any, texts: list[str]) -> list[list[Event]]:
    """Each text as a `transcript` to the conversation agent, on one connection."""
    replies = []
    async with client(server) as c:
        for text in texts:
            await c.write_event(Transcript(text=text).event())
            events = []
            while (event := await c.read_event()) is not None:
                events.append(event)
                if event.type in ("handled-stop", "not-handled"):
                    break
            replies.append(events)
    return replies


def says_391(text: str) -> bool:
    return "three hundred ninety one" in " ".join(words(text))


# -- the services -------------------------------------------------------------------------

def test_describe_advertises_what_the_assistant_has(server: Any) -> None:
    info = asyncio.run(describe(server))
    asr = info.asr[0]
    assert asr.installed and asr.models[0].languages == ["en"]
    assert info.tts[0].voices[0].name == "piper-en_US-joe-medium"
    assert info.wake[0].models[0].name == "hey_jarvis"
    assert info.wake[0].models[0].phrase
    assert info.intent == []  # HA would name the agent after it and give it device control
    handle = info.handle[0]
    assert handle.supports_handled_streaming and not handle.supports_home_control
    assert handle.name == "assistant-conversation"
    assert "chat model" in (handle.description or "")


def test_a_recording_is_transcribed(server: Any) -> None:
    wav = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0870.wav"
    if not wav.exists():
        pytest.skip("pocketsphinx-testdata is not installed (Debian: pocketsphinx-testdata)")
    said = next(line for line in (LIBRIVOX / "transcription").read_text().splitlines()
                if "0870" in line).rsplit("(", 1)[0]
    heard = asyncio.run(transcribe(server, read_wav(wav)))
    assert heard_enough(said, heard, share=0.7), (said, heard)


def test_text_is_synthesized_and_heard_back(server: Any) -> None:
    """The server's voice keeps Piper's natural variation (different audio on every run),
    so a long sentence and 70 % of its words: broken audio gives almost none ("The kitchen
    light is on and the door is locked." was once heard as "... in the door slot.")."""
    text = ("The kitchen light is on and the front door is locked, "
            "so the house is ready for the night.")
    audio = asyncio.run(synthesize(server, text))
    assert audio.rate == 22050 and 2.5 < audio.seconds < 12, audio.seconds
    heard = asyncio.run(transcribe(server, to_speech(audio)))
    assert heard_enough(text, heard, share=0.7), heard


def test_streamed_text_is_spoken_before_it_ends(server: Any) -> None:
    """Home Assistant 2025.7+ streams a reply's text as its agent writes it:
    `synthesize-start`, `synthesize-chunk`s, the whole text as `synthesize` (for servers
    that do not stream: ignored here) and `synthesize-stop`; it plays the audio as it comes
    and stops reading at `synthesize-stopped`. The first sentence's audio arrives before the
    second sentence has been sent at all."""
    first = "The weather is sunny and warm today. "
    second = "Tomorrow it will rain in the morning."

    async def run() -> tuple[Audio, list[str]]:
        async with client(server) as c:
            await c.write_event(SynthesizeStart().event())
            for i in range(0, len(first), 9):  # pieces, as a chat model writes them
                await c.write_event(SynthesizeChunk(text=first[i:i + 9]).event())
            types, pcm = [], bytearray()
            while (event := await c.read_event()) is not None:
                types.append(event.type)
                if event.type == "audio-chunk":
                    pcm += AudioChunk.from_event(event).audio
                    break
            for i in range(0, len(second), 9):
                await c.write_event(SynthesizeChunk(text=second[i:i + 9]).event())
            await c.write_event(Synthesize(text=first + second).event())
            await c.write_event(SynthesizeStop().event())
            while (event := await c.read_event()) is not None:
                types.append(event.type)
                if event.type == "audio-chunk":
                    pcm += AudioChunk.from_event(event).audio
                if event.type == "synthesize-stopped":
                    break
            return Audio(bytes(pcm), 22050), types

    audio, types = asyncio.run(run())
    assert types[0] == "audio-start" and types[-2:] == ["audio-stop", "synthesize-stopped"]
    assert types.count("audio-start") == types.count("audio-stop") == 1
    heard = asyncio.run(transcribe(server, to_speech(audio)))
    assert heard_enough(first + second, heard, share=0.7), heard  # spoken once, not twice
    assert asyncio.run(describe(server)).tts[0].supports_synthesize_streaming


def test_recognize_names_the_command_without_running_it(server: Any) -> None:
    async def recognize(text: str) -> Event:
        async with client(server) as c:
            await c.write_event(Recognize(text=text).event())
            event = await c.read_event()
            assert event is not None
            return event

    intent = asyncio.run(recognize("turn on the kitchen light"))
    assert intent.type == "intent" and intent.data["name"] == "HomeTurnOn"
    assert {"name": "name", "value": "kitchen light"} in intent.data["entities"]
    assert asyncio.run(recognize("why is the sky blue")).type == "not-recognized"


def test_the_conversation_agent_answers_as_the_test_mode_does(server: Any,
                                                              tmp_path: Path) -> None:
    turns = [COMMAND, QUESTION]
    script = tmp_path / "same.yaml"
    script.write_text("turns:\n" + "".join(f"  - text: {json.dumps(t)}\n" for t in turns))
    result = subprocess.run([sys.executable, "-m", "assistant", "script", str(script),
                             "--out-dir", str(tmp_path / "out")], capture_output=True,
                            text=True, timeout=900, env=os.environ.copy())
    rows = [json.loads(line) for line in
            (tmp_path / "out" / "report.jsonl").read_text().splitlines()]
    assert len(rows) == 2, result.stdout + result.stderr
    replies = asyncio.run(handle(server, turns))
    for row, events in zip(rows, replies, strict=True):
        types = [e.type for e in events]
        assert types[0] == "handled-start" and types[-2:] == ["handled", "handled-stop"]
        assert "handled-chunk" in types
        whole = events[-2].data["text"]
        chunks = " ".join(e.data["text"] for e in events if e.type == "handled-chunk")
        assert whole == chunks
        assert whole == row["reply"], (row, whole)
    assert says_391(replies[0][-2].data["text"])
    assert "paris" in replies[1][-2].data["text"].lower()
    assert asyncio.run(handle(server, [" "]))[0][-1].type == "not-handled"


# -- bad input on the wire: closed or ignored, and the server goes on ---------------------

def test_a_malformed_header_closes_only_that_connection(server: Any) -> None:
    assert asyncio.run(raw(server, b"{this is not json\n")) == b""
    assert asyncio.run(raw(server, b'{"data": {}}\n')) == b""  # no type
    server.wait_for("not JSON")
    answered(server)


def test_an_oversized_payload_is_refused_before_it_is_read(server: Any) -> None:
    header = json.dumps({"type": "audio-chunk", "data": {"rate": 16000, "width": 2,
                         "channels": 1}, "payload_length": 2 ** 31}).encode()
    assert asyncio.run(raw(server, header + b"\n" + bytes(1000))) == b""
    server.wait_for("limit 1048576")
    answered(server)


def test_an_unknown_event_is_ignored_and_the_connection_goes_on(server: Any) -> None:
    async def run() -> Event | None:
        async with client(server) as c:
            await c.write_event(Event(type="make-coffee", data={"sugar": 2}))
            await c.write_event(Describe().event())
            return await c.read_event()

    event = asyncio.run(run())
    assert event is not None and event.type == "info"
    server.wait_for("unknown type 'make-coffee'")


def test_audio_in_another_format_than_announced_is_ignored(server: Any) -> None:
    text = "Please open the blinds in the living room."
    speech = to_speech(asyncio.run(synthesize(server, text)))
    wrong = AudioChunk(rate=8000, width=2, channels=1, audio=bytes(8000)).event()
    heard = asyncio.run(transcribe(server, speech, extra=[wrong]))
    assert heard_enough(text, heard), heard
    server.wait_for("ignored audio as (8000, 2, 1)")


def test_a_client_that_never_speaks_is_disconnected(server: Any) -> None:
    assert asyncio.run(raw(server, b"", wait_s=IDLE_TIMEOUT_MS / 1000 + 20)) == b""
    server.wait_for("nothing received for 3 s")
    answered(server)


def test_a_client_that_leaves_mid_reply_does_not_stop_the_server(server: Any) -> None:
    async def leave_mid_reply(event: Event, first: str) -> None:
        async with client(server) as c:
            await c.write_event(event)
            while (got := await c.read_event()) is not None and got.type != first:
                pass

    asyncio.run(leave_mid_reply(Transcript(text="Tell me a story about a dragon.")
                                .event(), "handled-chunk"))
    asyncio.run(leave_mid_reply(Synthesize(text="One. Two. Three. Four. Five. Six.").event(),
                                "audio-chunk"))
    answered(server)
    replies = asyncio.run(handle(server, [COMMAND]))
    assert says_391(replies[0][-2].data["text"])


def test_the_server_runs_under_a_policy_of_exactly_its_listen_address(server: Any) -> None:
    line = server.lines[server.wait_for("network policy kernel filter")]
    assert "AF_UNIX, AF_NETLINK route and TCP sockets only" in line
    if abi_version() >= NET_ABI:
        assert f"TCP bind to port {server.port} only, connect to port none only" in line
    # Once listening, nothing else may listen (a socket that listens without bind() gets a
    # port on every address): a second filter is stacked on the first.
    assert server.wait_for("listen() sealed") < server.wait_for("listening on")
    status = Path(f"/proc/{server.proc.pid}/status").read_text(encoding="ascii")
    assert "\nSeccomp_filters:\t2\n" in status


def test_a_conversation_id_carries_the_conversation_across_connections(server: Any) -> None:
    """Home Assistant opens a connection per request and names the conversation."""
    def ask(text: str, conversation_id: str) -> str:
        async def run() -> str:
            async with client(server) as c:
                await c.write_event(Transcript(text=text, context={
                    "conversation_id": conversation_id}).event())
                while (event := await c.read_event()) is not None:
                    if event.type in ("handled", "not-handled"):
                        assert event.data["context"] == {"conversation_id": conversation_id}
                        return str(event.data.get("text", ""))
                raise AssertionError("no answer")
        return asyncio.run(run())

    said = ask(COMMAND, "kitchen-1")
    assert ask("Repeat that.", "kitchen-1") == said
    assert ask("Repeat that.", "hall-2") == "I haven't said anything yet."


def test_a_taken_port_is_one_clear_line(server: Any, tmp_path: Path) -> None:
    """A second server on the same port stops with the reason, not a traceback."""
    result = subprocess.run([sys.executable, "-m", "assistant", "serve", "--listen",
                             f"{HOST}:{server.port}"], capture_output=True, text=True,
                            timeout=300, cwd=tmp_path, env=os.environ.copy())
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"cannot listen on {HOST}:{server.port}" in result.stderr
    assert "see serve.listen" in result.stderr and "Traceback" not in result.stderr

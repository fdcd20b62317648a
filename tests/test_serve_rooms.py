"""Many rooms on one `assistant serve`: simulated satellites (Wyoming clients that stream
a spoken "Hey Jarvis, <request>" in real time after `run-pipeline`, as wyoming-satellite
does) each get their own session: their own answer, their own timers, and one leaving
mid-reply does not disturb the others."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from wyoming.pipeline import PipelineStage

from assistant.assembly import model_store
from assistant.audio import silence, to_speech
from assistant.config import Config
from assistant.engines.tts import SpeechSynthesizer, synthesize_all
from assistant_bench.live import spoken_span
from assistant_bench.satellites import Clip, SatelliteTurn, satellite_turn
from tests import building
from tests.words import heard_enough, words
from tests.wyoming_server import free_port, running_server

HOST = "127.0.0.1"
COMMAND = "Calculate seventeen times twenty three."
QUESTION = "Which city is the capital of France?"
TIMER = "Set a timer for three seconds."
EXPECTED_ORDER = ["detection", "voice-started", "voice-stopped", "transcript", "audio-start",
                  "audio-chunk", "audio-stop"]


@pytest.fixture(scope="module")
def voice(real_store: object) -> Iterator[SpeechSynthesizer]:
    config = Config()
    synthesizer = building.english_voice(model_store(config))
    yield synthesizer
    synthesizer.close()


@pytest.fixture(scope="module")
def server(real_store: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    port = free_port()
    with running_server(tmp_path_factory.mktemp("rooms"), port=port) as process:
        process.port = port  # type: ignore[attr-defined]
        yield process


async def together(*turns: Any) -> list[SatelliteTurn]:
    return list(await asyncio.gather(*turns))


def in_order(events: list[str]) -> list[str]:
    """The first occurrence of each expected event type, in the order they came."""
    seen: list[str] = []
    for event in events:
        if event in EXPECTED_ORDER and event not in seen:
            seen.append(event)
    return seen


def test_two_rooms_at_once_each_get_their_own_answer(server: Any,
                                                     voice: SpeechSynthesizer) -> None:
    kitchen, hall = Clip.spoken(voice, COMMAND), Clip.spoken(voice, QUESTION)
    a, b = asyncio.run(together(satellite_turn(HOST, server.port, kitchen),
                                satellite_turn(HOST, server.port, hall)))
    for turn in (a, b):
        assert not turn.error and in_order(turn.events) == EXPECTED_ORDER, (turn, server.output())
        assert heard_enough(turn.request, turn.transcript), turn.transcript
        assert turn.latency_ms is not None and len(turn.reply_audio) > turn.reply_rate
    assert "three hundred ninety one" in " ".join(words(a.reply)), a.reply
    assert "paris" in b.reply.lower(), b.reply


def test_a_room_that_hangs_up_mid_reply_leaves_the_other_answered(
        server: Any, voice: SpeechSynthesizer) -> None:
    story = Clip.spoken(voice, "Tell me a story about a dragon and a knight.")
    question = Clip.spoken(voice, QUESTION)
    gone, stays = asyncio.run(together(
        satellite_turn(HOST, server.port, story, stop_after_s=0.3),
        satellite_turn(HOST, server.port, question)))
    assert gone.latency_ms is not None and "audio-stop" not in gone.events
    assert not stays.error and "paris" in stays.reply.lower(), stays
    after = asyncio.run(satellite_turn(HOST, server.port, Clip.spoken(voice, COMMAND)))
    assert "three hundred ninety one" in " ".join(words(after.reply)), after
    server.wait_for("session closed")


def test_a_timer_rings_in_the_room_that_set_it(server: Any, voice: SpeechSynthesizer) -> None:
    kitchen, hall = asyncio.run(together(
        satellite_turn(HOST, server.port, Clip.spoken(voice, TIMER), linger_s=8.0),
        satellite_turn(HOST, server.port, Clip.spoken(voice, COMMAND), linger_s=8.0)))
    assert not kitchen.error and "timer" in kitchen.reply.lower(), kitchen
    assert kitchen.events.count("audio-start") == 2, kitchen.events  # the reply, the alarm
    assert hall.events.count("audio-start") == 1, hall.events


def test_stop_interrupts_only_the_room_that_said_it(server: Any,
                                                    voice: SpeechSynthesizer) -> None:
    story = Clip.spoken(voice, "Tell me a story about a dragon and a knight.")
    stop = Clip.spoken(voice, "Stop.")
    stopped, told = asyncio.run(together(
        satellite_turn(HOST, server.port, story, barge_in=stop, barge_in_after_s=1.0),
        satellite_turn(HOST, server.port, story)))
    assert not stopped.error and not told.error, (stopped, told)
    stopped_s = len(stopped.reply_audio) / 2 / stopped.reply_rate
    told_s = len(told.reply_audio) / 2 / told.reply_rate
    assert "detection" in stopped.events[stopped.events.index("audio-start"):]  # the barge-in
    assert stopped_s < told_s - 2.0, (stopped_s, told_s)


@pytest.mark.slow
def test_the_satellites_benchmark_end_to_end(real_store: object, tmp_path: Any) -> None:
    done = subprocess.run([sys.executable, "-m", "assistant", "bench", "--satellites", "2",
                           "--reps", "1", "--out", str(tmp_path)], capture_output=True,
                          text=True, timeout=900, env={**os.environ,
                                                       "XDG_STATE_HOME": str(tmp_path)})
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((tmp_path / "satellites.json").read_text())
    assert set(result["figures"]) == {"1/command", "1/question", "2/command", "2/question"}
    assert all(f["n"] == f["satellites"] for f in result["figures"].values())
    assert not [t for t in result["turns"] if t["error"]]
    assert "| 2 | question |" in (tmp_path / "satellites.md").read_text()


def test_a_satellite_that_heard_the_wake_word_itself_starts_at_asr(
        server: Any, voice: SpeechSynthesizer) -> None:
    """wyoming-satellite with a local wake word sends `run-pipeline` from `asr` and then
    only the request: the session listens at once."""
    audio = silence(300) + to_speech(synthesize_all(voice, COMMAND)) + silence(300)
    clip = Clip(COMMAND, audio, spoken_span(audio)[1])
    turn = asyncio.run(satellite_turn(HOST, server.port, clip,
                                      start_stage=PipelineStage.ASR))
    assert not turn.error and "detection" in turn.events, (turn, server.output())
    assert "three hundred ninety one" in " ".join(words(turn.reply)), turn.reply

"""`assistant serve` as a real Home Assistant uses it: its Wyoming integration added
through its config flow, and Assist pipelines run through HA's WebSocket API with our
server as speech-to-text and wake word (Home Assistant 2025.4.4, assistant_bench/home_assistant.py).

Also, against a wyoming client: HA's wake-word detection request outlasts
`serve.max_audio_s` (detection buffers nothing), and leading silence does not throw the
recognizer ("Turn on the kitchen light" after 0.3 s of silence was "Pern on ...").
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.wake import Detect

from assistant.audio import Audio, silence, to_speech
from assistant_bench.home_assistant import HomeAssistant
from tests.test_serve import client, synthesize, transcribe
from tests.words import words
from tests.wyoming_server import free_port, running_server

MAX_AUDIO_S = 5
COMMAND = "Turn on the kitchen light."


@pytest.fixture(scope="module")
def server(real_store: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    port = free_port()
    tmp = tmp_path_factory.mktemp("serve-ha")
    with running_server(tmp, port=port, serve={"max_audio_s": MAX_AUDIO_S}) as process:
        process.port = port  # type: ignore[attr-defined]
        process.tmp = tmp  # type: ignore[attr-defined]
        yield process


@pytest.fixture(scope="module")
def command_audio(server: Any) -> Audio:
    return to_speech(asyncio.run(synthesize(server, COMMAND)))


def test_leading_silence_does_not_change_what_is_heard(server: Any,
                                                       command_audio: Audio) -> None:
    for lead_ms in (300, 1000):  # and what HA's own end-of-speech detection waits out
        heard = asyncio.run(transcribe(server, silence(lead_ms) + command_audio
                                       + silence(700)))
        assert words(heard) == words(COMMAND), (lead_ms, heard)


async def detect(server: Any, audio: Audio) -> list[str]:
    """`detect`, then `audio` as Home Assistant streams it; the events answered."""
    async with client(server) as c:
        await c.write_event(Detect(names=["hey_jarvis"]).event())
        await c.write_event(AudioStart(rate=audio.rate, width=2, channels=1).event())
        step = 2048
        for i in range(0, len(audio.pcm), step):
            await c.write_event(AudioChunk(rate=audio.rate, width=2, channels=1,
                                           audio=audio.pcm[i:i + step]).event())
        await c.write_event(AudioStop().event())
        event = await c.read_event()  # `detection` as it is heard, or `not-detected`
        return [event.type] if event is not None else []


def test_wake_word_detection_outlasts_max_audio_s(server: Any) -> None:
    wake = to_speech(asyncio.run(synthesize(server, "Hey Jarvis!")))
    waited = silence(2 * MAX_AUDIO_S * 1000) + wake + silence(500)
    assert asyncio.run(detect(server, waited)) == ["detection"], server.output()
    assert "of audio in one request" not in server.output()


# -- with Home Assistant ------------------------------------------------------------------

@pytest.fixture(scope="module")
def wyoming_entry(home_assistant: HomeAssistant, server: Any) -> dict[str, str]:
    """Our server added to HA as a Wyoming integration; {domain: entity id}."""
    flow = home_assistant.config_flow("wyoming", {"host": "127.0.0.1", "port": server.port})
    assert flow.get("type") == "create_entry", flow
    with home_assistant.admin() as admin:
        entries = admin.call({"type": "config/entity_registry/list"})
        entities = {e["entity_id"].partition(".")[0]: e["entity_id"] for e in entries
                    if e.get("platform") == "wyoming"
                    and e.get("config_entry_id") == flow["result"]["entry_id"]}
    return entities


def test_ha_sees_our_conversation_agent_as_a_conversation_not_a_controller(
        home_assistant: HomeAssistant, wyoming_entry: dict[str, str]) -> None:
    assert {"stt", "tts", "wake_word", "conversation"} <= set(wyoming_entry), wyoming_entry
    with home_assistant.admin() as admin:
        state = admin.state(wyoming_entry["conversation"])
    assert state["attributes"]["friendly_name"] == "assistant-conversation"
    assert not state["attributes"].get("supported_features")  # no device control


def run_pipeline(ha: HomeAssistant, pipeline: dict[str, Any], audio: Audio, *,
                 live_s: float = 0.0) -> list[dict]:
    """One Assist pipeline run through HA's WebSocket API, audio sent as binary frames, and
    then `live_s` of silence at the pace of a microphone (HA stops listening for a
    detection when the audio ends)."""
    from websockets.sync.client import connect

    with connect(f"ws://127.0.0.1:{ha.port}/api/websocket", max_size=None) as ws:
        ws.recv(timeout=30)
        ws.send(json.dumps({"type": "auth", "access_token": ha.token}))
        assert json.loads(ws.recv(timeout=30))["type"] == "auth_ok"
        ws.send(json.dumps({"id": 1, "type": "assist_pipeline/run", **pipeline}))
        events: list[dict] = []
        handler = None
        while True:
            message = json.loads(ws.recv(timeout=120))
            if message["type"] == "result":
                assert message["success"], message
                continue
            event = message["event"]
            events.append(event)
            if event["type"] == "run-start":
                handler = event["data"]["runner_data"]["stt_binary_handler_id"]
                prefix = bytes([handler])
                for i in range(0, len(audio.pcm), 1024):
                    ws.send(prefix + audio.pcm[i:i + 1024])
                for _ in range(int(live_s * 10)):
                    ws.send(prefix + silence(100).pcm)
                    time.sleep(0.1)
                ws.send(prefix)  # the end of the audio
            if event["type"] in ("run-end", "error"):
                return events


@pytest.fixture(scope="module")
def pipeline_id(home_assistant: HomeAssistant, wyoming_entry: dict[str, str]) -> str:
    with home_assistant.admin() as admin:
        created = admin.call({
            "type": "assist_pipeline/pipeline/create", "name": "assistant",
            "language": "en", "conversation_engine": wyoming_entry["conversation"],
            "conversation_language": "en", "stt_engine": wyoming_entry["stt"],
            "stt_language": "en", "tts_engine": wyoming_entry["tts"], "tts_language": "en",
            "tts_voice": None, "wake_word_entity": wyoming_entry["wake_word"],
            "wake_word_id": "hey_jarvis"})
    return str(created["id"])


def test_an_assist_pipeline_hears_a_command_after_leading_silence(
        home_assistant: HomeAssistant, pipeline_id: str, command_audio: Audio) -> None:
    audio = silence(300) + command_audio + silence(1500)
    events = run_pipeline(home_assistant, {
        "pipeline": pipeline_id, "start_stage": "stt", "end_stage": "stt",
        "input": {"sample_rate": 16000}}, audio)
    done = next(e for e in events if e["type"] in ("stt-end", "error"))
    assert done["type"] == "stt-end", events
    assert words(done["data"]["stt_output"]["text"]) == words(COMMAND), events


def test_ha_wake_word_stage_outlasts_max_audio_s(home_assistant: HomeAssistant,
                                                  pipeline_id: str, server: Any) -> None:
    wake = to_speech(asyncio.run(synthesize(server, "Hey Jarvis!")))
    audio = silence(2 * MAX_AUDIO_S * 1000) + wake + silence(1000)
    events = run_pipeline(home_assistant, {
        "pipeline": pipeline_id, "start_stage": "wake_word", "end_stage": "wake_word",
        "input": {"sample_rate": 16000, "timeout": 0}}, audio, live_s=5.0)  # no time limit
    end = next(e for e in events if e["type"] in ("wake_word-end", "error"))
    assert end["type"] == "wake_word-end", events
    assert end["data"]["wake_word_output"].get("wake_word_id") == "hey_jarvis", events


# -- Home Assistant running our conversation agent ----------------------------------------

def run_text_pipeline(ha: HomeAssistant, pipeline: str, text: str) -> list[dict]:
    """One Assist pipeline run from text (the intent stage only): HA hands the text to
    the pipeline's conversation agent, ours."""
    from websockets.sync.client import connect

    with connect(f"ws://127.0.0.1:{ha.port}/api/websocket", max_size=None) as ws:
        ws.recv(timeout=30)
        ws.send(json.dumps({"type": "auth", "access_token": ha.token}))
        assert json.loads(ws.recv(timeout=30))["type"] == "auth_ok"
        ws.send(json.dumps({"id": 1, "type": "assist_pipeline/run", "pipeline": pipeline,
                            "start_stage": "intent", "end_stage": "intent",
                            "input": {"text": text}}))
        events: list[dict] = []
        while True:
            message = json.loads(ws.recv(timeout=120))
            if message["type"] == "result":
                assert message["success"], message
                continue
            events.append(message["event"])
            if message["event"]["type"] in ("run-end", "error"):
                return events


def speech(events: list[dict]) -> str:
    end = next(e for e in events if e["type"] in ("intent-end", "error"))
    assert end["type"] == "intent-end", events
    return str(end["data"]["intent_output"]["response"]["speech"]["plain"]["speech"])


def set_entity(ha: HomeAssistant, service: str, entity_id: str) -> None:
    with ha.admin() as admin:
        admin.call({"type": "call_service", "domain": entity_id.partition(".")[0],
                    "service": service, "target": {"entity_id": entity_id}})


def state_of(ha: HomeAssistant, entity_id: str, wanted: str) -> str:
    deadline = time.monotonic() + 20
    with ha.admin() as admin:
        while (state := admin.state(entity_id)["state"]) != wanted \
                and time.monotonic() < deadline:
            time.sleep(0.1)
    return str(state)


def test_our_agent_hands_the_command_back_and_home_assistant_switches_its_light(
        home_assistant: HomeAssistant, pipeline_id: str, server: Any) -> None:
    set_entity(home_assistant, "turn_off", "input_boolean.kitchen_light")
    events = run_text_pipeline(home_assistant, pipeline_id, "Turn on the kitchen light")
    assert speech(events) == "Okay, the kitchen light is on."
    assert state_of(home_assistant, "light.kitchen_light", "on") == "on"
    assert not (server.tmp / "home-state.json").exists()  # never the simulated home


def test_a_spoken_command_through_home_assistants_pipeline(
        home_assistant: HomeAssistant, pipeline_id: str, command_audio: Audio) -> None:
    """Speech to text and the agent both ours, the light Home Assistant's."""
    set_entity(home_assistant, "turn_off", "input_boolean.kitchen_light")
    events = run_pipeline(home_assistant, {
        "pipeline": pipeline_id, "start_stage": "stt", "end_stage": "intent",
        "input": {"sample_rate": 16000}}, silence(300) + command_audio + silence(1500))
    assert speech(events) == "Okay, the kitchen light is on."
    assert state_of(home_assistant, "light.kitchen_light", "on") == "on"


def test_unlocking_through_home_assistant_is_confirmed_first(
        home_assistant: HomeAssistant, pipeline_id: str) -> None:
    """HA 2025.4.4 sends no conversation id: its requests share one conversation (per
    client address), so the question and its answer meet."""
    set_entity(home_assistant, "turn_on", "input_boolean.front_door_locked")
    assert speech(run_text_pipeline(home_assistant, pipeline_id, "Unlock the front door")) \
        == "Are you sure you want to unlock the front door?"
    assert state_of(home_assistant, "lock.front_door", "locked") == "locked"
    assert speech(run_text_pipeline(home_assistant, pipeline_id, "Yes.")) == (
        "Okay, the front door is unlocked.")
    assert state_of(home_assistant, "lock.front_door", "unlocked") == "unlocked"
    set_entity(home_assistant, "turn_on", "input_boolean.front_door_locked")

"""Latency as a person hears it: `assistant run` through real audio devices, measured
from the outside.

The assistant runs as its own process in the audio lab's room (`assistant_bench.lab`):
its microphone is the room, its speaker plays into the room. Each turn, "Hey Jarvis,
<request>" spoken by the deterministic Piper voice is played into the room while the
room is recorded. On that one recording (one clock) the latency is the time from the
request's last sound to the reply's first sound: everything in between counts (the
microphone's capture buffer, PortAudio, end-of-speech detection, recognition, the
answer, synthesis, the output buffer), as for someone standing next to the device.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.audio import Audio, silence, to_speech
from assistant.engines.tts import SpeechSynthesizer, synthesize_all
from assistant_bench.lab import ROOM_SINK, AudioLab, Recording, sound_spans
from assistant_bench.lab_process import AssistantProcess
from assistant_bench.stats import summarize

DEVICE_ARGS = ("--input-device", "pulse", "--output-device", "pulse")
READY_TIMEOUT_S = 180.0
TURN_TIMEOUT_S = 120.0
FINE_GAP_S = 0.05
"""Sound spans closer than this are one (a reply's first sound is found to ~10 ms)."""
WINDOW_MS = 10


@dataclass(frozen=True)
class LiveRequest:
    text: str
    kind: str  # the route it should take: "skill" or "llm"


def request_audio(voice: SpeechSynthesizer, text: str, *, wake_phrase: str) -> Audio:
    """What the user says: a short lead, the wake word, a pause, the request."""
    wake = to_speech(synthesize_all(voice, wake_phrase))
    speech = to_speech(synthesize_all(voice, text))
    return silence(200) + wake + silence(250) + speech + silence(300)


def spoken_span(audio: Audio) -> tuple[float, float]:
    """(first sound, last sound) of a clip, in seconds, by the lab's own sound test."""
    spans = sound_spans(audio, gap_s=FINE_GAP_S, window_ms=WINDOW_MS)
    if not spans:
        raise ValueError("the request clip is silent")
    return spans[0][0], spans[-1][1]


def outside_in_ms(recording: Audio, *, start_s: float, clip_span: tuple[float, float]
                  ) -> float | None:
    """From the request's last sound to the reply's first, on the room recording (which
    begins at `start_s`); None when no reply was heard."""
    spans = sound_spans(recording, offset_s=start_s, gap_s=FINE_GAP_S, window_ms=WINDOW_MS)
    if not spans:
        return None
    request_end = spans[0][0] + (clip_span[1] - clip_span[0])
    reply = [s for s in spans if s[0] > request_end + FINE_GAP_S / 2]
    return round(1000.0 * (reply[0][0] - request_end), 1) if reply else None


def measure_live(requests: Sequence[LiveRequest], voice: SpeechSynthesizer, *,
                 lab: AudioLab, config_path: str | None, reps: int, follow_up_ms: int,
                 profile: str | None = None, wake_phrase: str = "Hey Jarvis",
                 say: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    """Each request `reps` times through `assistant run` in the room of `lab` (started
    before the benchmark's network policy: its daemon listens on a unix socket, which the
    policy forbids; the assistant it starts only connects)."""
    clips = [(r, request_audio(voice, r.text, wake_phrase=wake_phrase)) for r in requests]
    records: list[dict[str, Any]] = []
    global_args: tuple[str, ...] = ("--config", config_path) if config_path else ()
    global_args += ("--profile", profile) if profile is not None else ()
    with tempfile.TemporaryDirectory(prefix="assistant-live-") as cwd:
        process = AssistantProcess(lab, ["--verbose", *DEVICE_ARGS], cwd=Path(cwd),
                                   global_args=global_args, env=lab.room_env())
        try:
            process.wait_listening(timeout=READY_TIMEOUT_S)
            with lab.record(sink=ROOM_SINK) as recording:
                for rep in range(1, reps + 1):
                    for request, clip in clips:
                        records.append(live_turn(lab, process, recording, request, clip,
                                                 follow_up_ms=follow_up_ms, rep=rep))
                    say(f"live: repetition {rep}/{reps} ({len(clips)} turns)")
        finally:
            process.close()
    return {"turns": records, "figures": live_figures(records)}


def live_turn(lab: AudioLab, process: AssistantProcess, recording: Recording,
              request: LiveRequest, clip: Audio, *, follow_up_ms: int,
              rep: int = 1) -> dict[str, Any]:
    """Say `clip` into the room and measure the reply, outside in and in process."""
    process.wait_follow_up_over(follow_up_ms)  # every request starts from idle
    number = len(process.turns()) + 1
    start_s = recording.seconds
    lab.play(clip, sink=ROOM_SINK)
    turn = process.wait_turn(number, timeout=TURN_TIMEOUT_S)
    recording.wait_for_quiet(start_s, quiet_s=1.5, timeout=60)
    latency = outside_in_ms(recording.audio(start_s), start_s=start_s,
                            clip_span=spoken_span(clip))
    return {"rep": rep, "said": request.text, "expected": request.kind, "heard": turn.heard,
            "route": turn.route, "ok": turn.route == request.kind,
            "outside_in_ms": latency, "in_process_ms": turn.latency_ms}


def live_figures(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per route: outside-in p50/p90 beside the same turns' in-process figures."""
    out: dict[str, Any] = {}
    for route in ("skill", "llm"):
        mine = [r for r in records if r["route"] == route]
        out[route] = {
            "outside_in_ms": summarize(r["outside_in_ms"] for r in mine),
            "in_process_ms": summarize(r["in_process_ms"].get("end_of_speech_to_first_audio")
                                       for r in mine),
            "eos_delay_ms": summarize(r["in_process_ms"].get("eos_delay") for r in mine),
        }
    out["turns_ok"] = sum(1 for r in records if r["ok"])
    out["turns"] = len(records)
    return out

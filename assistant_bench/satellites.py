"""`assistant bench --satellites N`: N rooms talking to one `assistant serve` at once.

The server runs as its own process (`ServeProcess`). Each simulated satellite is a
Wyoming client that behaves like wyoming-satellite in always-streaming mode: it sends
`run-pipeline` (wake word to speech), then "Hey Jarvis, <request>" (the deterministic
Piper voice) as 30 ms `audio-chunk`s in real time, then silence, until the reply's
`audio-stop`. All N start at the same moment, each with its own request. The latency
of a turn is from the request's last sound (when the client sent it) to the first reply
`audio-chunk` it received: what the satellite's speaker could start playing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wyoming.audio import AudioChunk
from wyoming.client import AsyncTcpClient
from wyoming.pipeline import PipelineStage, RunPipeline

from assistant.assembly import language_of, model_store
from assistant.audio import SPEECH_RATE_HZ, Audio, silence
from assistant.config import Config
from assistant.engines.tts import SpeechSynthesizer
from assistant.loading import load_synthesizer
from assistant_bench.allowance import BENCH_PORT
from assistant_bench.live import request_audio, spoken_span
from assistant_bench.report import write_json
from assistant_bench.stats import summarize

COMMANDS = ("Turn on the kitchen light.", "What time is it?",
            "Set the bedroom light to thirty percent.",
            "Calculate seventeen times twenty three.")
QUESTIONS = ("Which city is the capital of France?", "Why is the sky blue?",
             "How do bees make honey?", "Tell me a fun fact about octopuses.")
CHUNK_MS = 30
TURN_TIMEOUT_S = 180.0


@dataclass
class SatelliteTurn:
    """What one simulated satellite sent and got back."""

    request: str
    latency_ms: float | None = None
    transcript: str = ""
    reply: str = ""
    reply_audio: bytearray = field(default_factory=bytearray)
    reply_rate: int = 0
    events: list[str] = field(default_factory=list)
    error: str = ""


@dataclass(frozen=True)
class Clip:
    """A spoken request as 16 kHz audio, and where its last sound ends (s)."""

    text: str
    audio: Audio
    speech_end_s: float

    @classmethod
    def spoken(cls, voice: SpeechSynthesizer, text: str, *,
               wake_phrase: str = "Hey Jarvis") -> Clip:
        audio = request_audio(voice, text, wake_phrase=wake_phrase)  # 16 kHz mono
        return cls(text, audio, spoken_span(audio)[1])


async def satellite_turn(host: str, port: int, clip: Clip, *,
                         start_stage: PipelineStage = PipelineStage.WAKE,
                         timeout_s: float = TURN_TIMEOUT_S,
                         stop_after_s: float | None = None,
                         linger_s: float = 0.0, barge_in: Clip | None = None,
                         barge_in_after_s: float = 1.5) -> SatelliteTurn:
    """Connect, run a pipeline, say `clip` in real time and wait for the whole reply
    (`audio-stop`); `stop_after_s`: hang up that long after the reply's first audio;
    `linger_s`: stay (streaming silence, hearing what comes) that long after the reply;
    `barge_in`: said `barge_in_after_s` into the reply ("Hey Jarvis, stop")."""
    turn = SatelliteTurn(clip.text)
    client = AsyncTcpClient(host, port)
    await client.connect()
    try:
        await client.write_event(RunPipeline(start_stage=start_stage,
                                             end_stage=PipelineStage.TTS).event())
        started = time.monotonic()
        speech_end = started + clip.speech_end_s
        first_audio: list[float] = []
        done, heard = asyncio.Event(), asyncio.Event()
        reader = asyncio.create_task(_read_reply(client, turn, first_audio, done, heard))
        hang_up = asyncio.Event()
        mic = bytearray(clip.audio.pcm)
        sender = asyncio.create_task(_stream(client, mic, started, hang_up))
        interrupter = asyncio.create_task(_barge_in(mic, heard, barge_in, barge_in_after_s))
        try:
            await asyncio.wait_for(_until_done(done, heard, stop_after_s), timeout_s)
            await asyncio.sleep(linger_s)
        except (TimeoutError, asyncio.TimeoutError):
            turn.error = f"no complete reply within {timeout_s:.0f} s"
        except ConnectionError as error:
            turn.error = f"connection lost: {error}"
        finally:
            hang_up.set()
            for task in (sender, reader, interrupter):
                task.cancel()
            await asyncio.gather(sender, reader, interrupter, return_exceptions=True)
        if first_audio:
            turn.latency_ms = round(1000.0 * (first_audio[0] - speech_end), 1)
    finally:
        with contextlib.suppress(ConnectionError):  # a reset as it closes: the turn is over
            await client.disconnect()
    return turn


async def _until_done(done: asyncio.Event, heard: asyncio.Event,
                      stop_after_s: float | None) -> None:
    if stop_after_s is None:
        await done.wait()
        return
    await heard.wait()
    await asyncio.sleep(stop_after_s)


async def _stream(client: AsyncTcpClient, mic: bytearray, started: float,
                  hang_up: asyncio.Event) -> None:
    """The microphone: what is in `mic` (taken as it is sent), else silence, in real time."""
    step = SPEECH_RATE_HZ * CHUNK_MS // 1000 * 2
    quiet = silence(CHUNK_MS).pcm
    sent = 0
    while not hang_up.is_set():
        pcm = bytes(mic[:step]) or quiet
        del mic[:step]
        try:
            await client.write_event(AudioChunk(rate=SPEECH_RATE_HZ, width=2, channels=1,
                                                audio=pcm.ljust(step, b"\0")).event())
        except ConnectionError:
            return  # the server went away: the reader reports it
        sent += 1
        await asyncio.sleep(max(0.0, started + sent * CHUNK_MS / 1000 - time.monotonic()))


async def _barge_in(mic: bytearray, heard: asyncio.Event, clip: Clip | None,
                    after_s: float) -> None:
    if clip is not None:
        await heard.wait()
        await asyncio.sleep(after_s)
        mic += clip.audio.pcm


async def _read_reply(client: AsyncTcpClient, turn: SatelliteTurn, first_audio: list[float],
                      done: asyncio.Event, heard: asyncio.Event) -> None:
    while (event := await client.read_event()) is not None:
        turn.events.append(event.type)
        if event.type == "audio-chunk":
            if not first_audio:
                first_audio.append(time.monotonic())
                heard.set()
            chunk = AudioChunk.from_event(event)
            turn.reply_audio += chunk.audio
            turn.reply_rate = chunk.rate
        elif event.type == "transcript":
            turn.transcript = str(event.data.get("text", ""))
        elif event.type == "synthesize":
            turn.reply = str(event.data.get("text", ""))
        elif event.type == "audio-stop" and first_audio:
            done.set()
    if not done.is_set():
        turn.error = "the server closed the connection"
    done.set()


async def concurrent_turns(host: str, port: int, clips: Sequence[Clip]) -> list[SatelliteTurn]:
    """One simulated satellite per clip, all starting at once."""
    return list(await asyncio.gather(*(satellite_turn(host, port, c) for c in clips)))


def measure_satellites(clips: dict[str, list[Clip]], *, host: str, port: int,
                       counts: Sequence[int] = (1, 2, 4, 8), reps: int = 2) -> dict[str, Any]:
    """p50/p90 end-of-speech-to-first-audio per number of satellites and kind."""
    rows: list[dict[str, Any]] = []
    figures: dict[str, Any] = {}
    for count in counts:
        for kind, kind_clips in clips.items():
            latencies: list[float | None] = []
            for rep in range(reps):
                chosen = [kind_clips[(rep + i) % len(kind_clips)] for i in range(count)]
                turns = asyncio.run(concurrent_turns(host, port, chosen))
                for turn in turns:
                    latencies.append(turn.latency_ms)
                    rows.append({"satellites": count, "kind": kind, "rep": rep,
                                 "request": turn.request, "transcript": turn.transcript,
                                 "reply": turn.reply, "latency_ms": turn.latency_ms,
                                 "error": turn.error})
            figures[f"{count}/{kind}"] = {"satellites": count, "kind": kind,
                                          **summarize(latencies)}
    return {"figures": figures, "turns": rows}


def satellites_table(result: dict[str, Any]) -> str:
    lines = []
    chat = result.get("chat")
    if chat:
        engine = (f"this machine's, {chat['parallel']} replies at once"
                  if chat["backend"] == "local" else f"the server at {chat['url']}")
        lines += [f"Chat model: {chat['model'] or 'the default'} ({engine}).", ""]
    lines += ["| satellites | kind | n | p50 ms | p90 ms | max ms |", "|---|---|---|---|---|---|"]
    for fig in result["figures"].values():
        lines.append(f"| {fig['satellites']} | {fig['kind']} | {fig['n']} | {fig['p50']} | "
                     f"{fig['p90']} | {fig['max']} |")
    return "\n".join(lines)


class ServeProcess:
    """`python -m assistant [global args] serve ARGS` as a child; `stop()` sends SIGTERM."""

    def __init__(self, args: Sequence[str], *, global_args: Sequence[str] = (),
                 env: dict[str, str] | None = None, cwd: Path | None = None,
                 log: Path | None = None) -> None:
        """`log`: also write the server's output there."""
        self._log = log.open("w", encoding="utf-8") if log is not None else None
        self.command = [sys.executable, "-m", "assistant", *global_args, "serve", *args]
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(self.command, env=env, cwd=cwd, text=True,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
            if self._log is not None:
                self._log.write(line)
                self._log.flush()
        with self._cond:
            self._cond.notify_all()

    def output(self) -> str:
        with self._cond:
            return "\n".join(self.lines[-80:])

    def wait_for(self, text: str, *, timeout: float = 180.0, start: int = 0) -> int:
        """Index of the first output line from `start` on containing `text`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i in range(start, len(self.lines)):
                    if text in self.lines[i]:
                        return i
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise RuntimeError(f"`assistant serve` never printed {text!r}:\n"
                                       + "\n".join(self.lines[-80:]))
                self._cond.wait(timeout=min(left, 1.0))

    def stop(self, *, timeout: float = 60.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with contextlib.suppress(RuntimeError):
            self._reader.join(timeout=5)
        return self.proc.returncode

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def counts_up_to(most: int) -> list[int]:
    """1, 2, 4, ... below `most`, and `most` itself."""
    counts, count = [], 1
    while count < most:
        counts.append(count)
        count *= 2
    return [*counts, most]


def run_satellites_bench(config: Config, *, most: int, reps: int, out: Path,
                         global_args: Sequence[str] = ()) -> dict[str, Any]:
    """Start `assistant serve`, measure every count up to `most`, write the results."""
    voice = load_synthesizer(config.tts, model_store(config), deterministic=True,
                             voice=config.tts.voice or language_of(config).voice)
    try:
        clips = {"command": [Clip.spoken(voice, t) for t in COMMANDS],
                 "question": [Clip.spoken(voice, t) for t in QUESTIONS]}
    finally:
        voice.close()
    out.mkdir(parents=True, exist_ok=True)
    with ServeProcess(["--listen", f"127.0.0.1:{BENCH_PORT}"], global_args=global_args,
                      log=out / "satellites-server.log") as server:
        server.wait_for("listening on")
        warm_up = [clips["command"][0], clips["question"][0]]  # not measured
        asyncio.run(concurrent_turns("127.0.0.1", BENCH_PORT, warm_up))
        result = measure_satellites(clips, host="127.0.0.1", port=BENCH_PORT,
                                    counts=counts_up_to(most), reps=reps)
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    result["cores"] = os.cpu_count()
    llm = config.llm
    result["chat"] = {"backend": llm.backend, "model": llm.model,
                      "parallel": llm.parallel if llm.backend == "local" else None,
                      "url": llm.url if llm.backend != "local" else None}
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "satellites.json", result)
    table = satellites_table(result)
    (out / "satellites.md").write_text(table + "\n", encoding="utf-8")
    print(table)
    print(f"results: {out / 'satellites.json'}  table: {out / 'satellites.md'}")
    return result

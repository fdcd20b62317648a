"""The handlers of `run`, `script` and `demo` (see `assistant.cli.voice`)."""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
import time
from pathlib import Path

from assistant.assembly import load_engines
from assistant.config import Config, ConfigError
from assistant.errors import AssistantError
from assistant.loop.clock import WallClock
from assistant.loop.events import Event, TurnFinished, WakeDetected
from assistant.loop.session import Session, SessionSettings
from assistant.retention.transcript_log import TranscriptLog
from assistant.sound.live import MicrophoneSource, SoundDeviceSink
from assistant.sound.local import LocalDevices, ready_line
from assistant.sound.priority import raise_process_priority
from assistant.testmode.report import summary_table, write_jsonl
from assistant.testmode.run import run_script
from assistant.testmode.script import Script, load_script

DEMO_SCRIPT = Path(__file__).resolve().parent.parent / "data" / "demo.yaml"


def script(args: argparse.Namespace, config: Config) -> int:
    try:
        script = load_script(args.file)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return _run_and_report(args, config, script)


def demo(args: argparse.Namespace, config: Config) -> int:
    return _run_and_report(args, config, load_script(DEMO_SCRIPT))


def _run_and_report(args: argparse.Namespace, config: Config, script: Script) -> int:
    out_dir = Path(args.out_dir or Path("out") / script.path.stem)
    try:
        rows = run_script(config, script, out_dir=out_dir, realtime=args.realtime,
                          no_wake=args.no_wake)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    report = Path(args.report) if args.report else out_dir / "report.jsonl"
    write_jsonl(report, rows)
    print(summary_table(rows))
    print(f"report: {report}  reply audio: {out_dir}/")
    return 0 if all(row["ok"] for row in rows) else 1


def run(args: argparse.Namespace, config: Config) -> int:
    started = time.perf_counter()
    if args.record_dir:
        config = dataclasses.replace(
            config, privacy=dataclasses.replace(config.privacy, record_dir=args.record_dir))
    transcripts = TranscriptLog.from_config(config.privacy)
    # Find both devices before loading the models: a wrong name fails in a second.
    mic = MicrophoneSource(args.input_device or config.audio.input_device or None,
                           block_ms=config.audio.block_ms)
    speaker = SoundDeviceSink(args.output_device or config.audio.output_device or None,
                              buffer_ms=config.audio.output_buffer_ms)
    wake = not args.no_wake
    raise_process_priority()  # before the engines start their threads
    with load_engines(config, wake=wake) as engines:
        clock = WallClock()
        session = Session(engines, sink=speaker, clock=clock,
                          settings=SessionSettings.from_config(config, wake=wake))
        if args.verbose:
            session.observe(_print_turn)
        if transcripts is not None:
            session.observe(transcripts.observe)
        hint = f"say {session.phrase!r}" if session.phrase else "speak any time"
        if not session.phrase and config.audio.barge_in is BargeIn.WAKE:
            print("note: without the wake word a reply cannot be interrupted; with a headset, "
                  'set audio.barge_in = "speech" to interrupt by speaking', file=sys.stderr)
        devices = LocalDevices(
            session, mic, speaker, retries=args.retries,
            on_ready=lambda failures: print(ready_line(mic, speaker, hint=hint, started=started,
                                                       failures=failures), flush=True),
            on_problem=lambda message: print(message, file=sys.stderr, flush=True))
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: devices.stop())
        try:
            with session:
                devices.run()
        finally:
            clock.close()
    print("stopped", flush=True)
    return 0


def _print_turn(event: Event) -> None:
    if isinstance(event, WakeDetected):
        print(f"[wake word{' (barge-in)' if event.barge_in else ''}]", flush=True)
    elif isinstance(event, TurnFinished):
        r = event.result
        lat = r.timings.latency_ms()
        parts = " ".join(f"{k}={v:.0f}" for k, v in lat.items() if v is not None)
        print(f"heard: {r.transcript!r} -> {r.route.value}{':' + r.intent if r.intent else ''}"
              f"{' (interrupted)' if r.interrupted else ''}\nreply: {r.reply!r}\n"
              f"latency ms: {parts}", flush=True)

"""`run` (the live voice loop), `script` (the test mode) and `demo`: the arguments and the
handlers (the engines, sounddevice and the test mode load when a command runs)."""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import Config, ConfigError
from assistant.errors import AssistantError
from assistant.home.allowance import home_allowance

if TYPE_CHECKING:
    from assistant.loop.events import Event
    from assistant.testmode.script import Script

DEMO_SCRIPT = Path(__file__).resolve().parent.parent / "data" / "demo.yaml"


def register(subparsers: Any) -> None:
    run_parser = subparsers.add_parser(
        "run", help="the voice assistant: microphone in, speaker out",
        description="Listen on the microphone for the wake word, answer out loud. Prints a "
        "line containing 'listening' when ready. Ctrl-C or SIGTERM stops it cleanly.")
    run_parser.add_argument("--no-wake", action="store_true",
                            help="no wake word: every utterance is a request (push-to-talk style)")
    run_parser.add_argument("--input-device", metavar="DEVICE",
                            help="microphone index or name (see `assistant devices`; default: "
                            "audio.input_device of the config, else the system default)")
    run_parser.add_argument("--output-device", metavar="DEVICE",
                            help="speaker index or name (default: audio.output_device, else the "
                            "system default)")
    run_parser.add_argument("--verbose", action="store_true",
                            help="print what was heard, the route and the latencies of each turn")
    run_parser.add_argument("--retries", type=int, default=5, metavar="N",
                            help="reopen a failed audio device up to N times (default: 5)")
    run_parser.add_argument("--record-dir", metavar="DIR",
                            help="save what you say, one WAV per utterance, in DIR (default: "
                            "privacy.record_dir of the config; nothing is recorded unless asked)")
    run_parser.set_defaults(handler=run, network_allowance=home_allowance)

    script_parser = subparsers.add_parser(
        "script", help="test mode: run a script of utterances, write a JSON Lines report",
        description="Drive the same pipeline as `run` from a YAML/JSON script of turns "
        "(say:, audio:, text:, silence_ms:, noise_ms:) and check each turn's expect: block. "
        "Exit status: 0 all passed, 1 an expectation failed, 2 a bad script.")
    script_parser.add_argument("file", metavar="FILE", help="the script (YAML or JSON)")
    _script_options(script_parser)
    script_parser.set_defaults(handler=script, network_allowance=home_allowance)

    demo_parser = subparsers.add_parser(
        "demo", help="a short spoken demo conversation through the test mode",
        description="Run the bundled demo conversation (spoken by the Piper voice) through "
        "the voice loop, write the reply WAVs and print the transcript table with latencies.")
    _script_options(demo_parser)
    demo_parser.set_defaults(handler=demo)


def _script_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out-dir", metavar="DIR",
                        help="where the report and reply WAVs go (default: out/<script name>)")
    parser.add_argument("--report", metavar="FILE.jsonl",
                        help="the JSON Lines report (default: <out-dir>/report.jsonl)")
    parser.add_argument("--realtime", action="store_true",
                        help="pace audio by the wall clock instead of running faster")
    parser.add_argument("--no-wake", action="store_true", help="run without the wake word")


def script(args: argparse.Namespace, config: Config) -> int:
    from assistant.testmode.script import load_script

    try:
        script = load_script(args.file)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return _run_and_report(args, config, script)


def demo(args: argparse.Namespace, config: Config) -> int:
    from assistant.testmode.script import load_script

    return _run_and_report(args, config, load_script(DEMO_SCRIPT))


def _run_and_report(args: argparse.Namespace, config: Config, script: Script) -> int:
    from assistant.assembly import run_test_script
    from assistant.testmode.report import summary_table, write_jsonl

    out_dir = Path(args.out_dir or Path("out") / script.path.stem)
    try:
        rows = run_test_script(config, script, out_dir=out_dir, realtime=args.realtime,
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
    from assistant.assembly import load_engines, session_settings
    from assistant.config import BargeIn
    from assistant.loop.clock import WallClock
    from assistant.loop.session import Session
    from assistant.retention.transcript_log import TranscriptLog
    from assistant.sound.live import MicrophoneSource, SoundDeviceSink
    from assistant.sound.local import LocalDevices, ready_line
    from assistant.sound.priority import raise_process_priority

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
                          settings=session_settings(config, engines.language, wake=wake))
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
    from assistant.loop.events import TurnFinished, WakeDetected

    if isinstance(event, WakeDetected):
        print(f"[wake word{' (barge-in)' if event.barge_in else ''}]", flush=True)
    elif isinstance(event, TurnFinished):
        r = event.result
        lat = r.timings.latency_ms()
        parts = " ".join(f"{k}={v:.0f}" for k, v in lat.items() if v is not None)
        print(f"heard: {r.transcript!r} -> {r.route.value}{':' + r.intent if r.intent else ''}"
              f"{' (interrupted)' if r.interrupted else ''}\nreply: {r.reply!r}\n"
              f"latency ms: {parts}", flush=True)

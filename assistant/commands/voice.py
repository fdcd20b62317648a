"""`run` (the live voice loop), `script` (the test mode) and `demo`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from assistant.config import Config
from assistant.errors import AssistantError, AudioDeviceError

DEMO_SCRIPT = Path(__file__).resolve().parent.parent / "data" / "demo.yaml"


def register(subparsers: Any) -> None:
    run = subparsers.add_parser(
        "run", help="the voice assistant: microphone in, speaker out",
        description="Listen on the microphone for the wake word, answer out loud. Prints a "
        "line containing 'listening' when ready. Ctrl-C or SIGTERM stops it cleanly.")
    run.add_argument("--no-wake", action="store_true",
                     help="no wake word: every utterance is a request (push-to-talk style)")
    run.add_argument("--input-device", metavar="DEVICE",
                     help="microphone index or name (see `assistant devices`; default: "
                     "audio.input_device of the config, else the system default)")
    run.add_argument("--output-device", metavar="DEVICE",
                     help="speaker index or name (default: audio.output_device, else the "
                     "system default)")
    run.add_argument("--verbose", action="store_true",
                     help="print what was heard, the route and the latencies of each turn")
    run.add_argument("--retries", type=int, default=5, metavar="N",
                     help="reopen a failed audio device up to N times (default: 5)")
    run.add_argument("--record-dir", metavar="DIR",
                     help="save what you say, one WAV per utterance, in DIR (default: "
                     "privacy.record_dir of the config; nothing is recorded unless asked)")
    run.set_defaults(handler=_run)

    script = subparsers.add_parser(
        "script", help="test mode: run a script of utterances, write a JSON Lines report",
        description="Drive the same pipeline as `run` from a YAML/JSON script of turns "
        "(say:, audio:, text:, silence_ms:, noise_ms:) and check each turn's expect: block. "
        "Exit status: 0 all passed, 1 an expectation failed, 2 a bad script.")
    script.add_argument("file", metavar="FILE", help="the script (YAML or JSON)")
    _script_options(script)
    script.set_defaults(handler=_script)

    demo = subparsers.add_parser(
        "demo", help="a short spoken demo conversation through the test mode",
        description="Run the bundled demo conversation (spoken by the Piper voice) through "
        "the voice loop, write the reply WAVs and print the transcript table with latencies.")
    _script_options(demo)
    demo.set_defaults(handler=_demo)


def _script_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out-dir", metavar="DIR",
                        help="where the report and reply WAVs go (default: out/<script name>)")
    parser.add_argument("--report", metavar="FILE.jsonl",
                        help="the JSON Lines report (default: <out-dir>/report.jsonl)")
    parser.add_argument("--realtime", action="store_true",
                        help="pace audio by the wall clock instead of running faster")
    parser.add_argument("--no-wake", action="store_true", help="run without the wake word")


def _script(args: argparse.Namespace, config: Config) -> int:
    from assistant.testmode.script import load_script

    try:
        script = load_script(args.file)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return _run_and_report(args, config, script)


def _demo(args: argparse.Namespace, config: Config) -> int:
    from assistant.testmode.script import load_script

    return _run_and_report(args, config, load_script(DEMO_SCRIPT))


def _run_and_report(args: argparse.Namespace, config: Config, script: Any) -> int:
    from assistant.config import ConfigError
    from assistant.testmode.report import summary_table, write_jsonl
    from assistant.testmode.runner import run_script

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


def _run(args: argparse.Namespace, config: Config) -> int:
    import dataclasses

    from assistant.loop.pipeline import Pipeline, listener_settings, load_engines
    from assistant.privacy.transcript_log import TranscriptLog
    from assistant.sound.live import MicrophoneSource, SoundDeviceSink

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    input_device = args.input_device or config.audio.input_device or None
    output_device = args.output_device or config.audio.output_device or None
    started = time.perf_counter()
    if args.record_dir:
        config = dataclasses.replace(
            config, privacy=dataclasses.replace(config.privacy, record_dir=args.record_dir))
    transcripts = TranscriptLog.from_config(config.privacy)
    # Find both devices before loading the models: a wrong name fails in a second.
    mic = MicrophoneSource(input_device, block_ms=config.audio.block_ms)
    sink = SoundDeviceSink(output_device, block_ms=config.audio.block_ms)
    engines = load_engines(config, wake=not args.no_wake)
    pipeline = Pipeline(engines, sink=sink, settings=listener_settings(config,
                                                                       wake=not args.no_wake))
    if args.verbose:
        pipeline.observe(_print_turn)
    if transcripts is not None:
        pipeline.observe(transcripts.observe)
    hint = f"say {engines.wake.phrase!r}" if engines.wake is not None else "speak any time"
    if engines.wake is None and config.audio.barge_in == "wake":
        print("note: without the wake word a reply cannot be interrupted; with a headset, "
              'set audio.barge_in = "speech" to interrupt by speaking', file=sys.stderr)
    failures = 0
    with pipeline:
        while not stop.is_set():
            try:
                sink.start()
                mic.start()
                when = (f"ready in {time.perf_counter() - started:.1f} s" if not failures
                        else f"reopened after {failures} failure{'s' if failures > 1 else ''}")
                print(f"listening on {mic.info.name!r} -> {sink.info.name!r} ({hint}; {when})",
                      flush=True)
                while not stop.is_set():
                    block = mic.read(timeout=0.25)
                    if block is not None:
                        pipeline.feed(block)
                        failures = 0
                    if not sink.alive():
                        raise AudioDeviceError(f"speaker {sink.info.name!r} stopped playing "
                                               "(unplugged?)")
            except AudioDeviceError as error:
                failures += 1
                if failures > args.retries:
                    raise AudioDeviceError(f"{error}; giving up after {args.retries} retries") \
                        from None
                print(f"audio device problem: {error}; retrying ({failures}/{args.retries})",
                      file=sys.stderr, flush=True)
                stop.wait(min(5.0, 0.5 * 2**failures))
            finally:
                mic.stop()
                sink.stop()
    print("stopped", flush=True)
    return 0


def _print_turn(event: Any) -> None:
    from assistant.loop.events import TurnFinished, WakeDetected

    if isinstance(event, WakeDetected):
        print(f"[wake word{' (barge-in)' if event.barge_in else ''}]", flush=True)
    elif isinstance(event, TurnFinished):
        r = event.result
        lat = r.timings.latency_ms()
        parts = " ".join(f"{k}={v:.0f}" for k, v in lat.items() if v is not None)
        print(f"heard: {r.transcript!r} -> {r.route}{':' + r.intent if r.intent else ''}"
              f"{' (interrupted)' if r.interrupted else ''}\nreply: {r.reply!r}\n"
              f"latency ms: {parts}", flush=True)

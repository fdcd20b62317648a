"""`run` (the live voice loop), `script` (the test mode) and `demo`: the arguments.

The handlers are in `assistant.commands.voice_run` (imported when the command runs)."""

from __future__ import annotations

import argparse
from typing import Any

from assistant.commands import lazy
from assistant.home.allowance import home_allowance


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
    run.set_defaults(handler=lazy("assistant.commands.voice_run:run"),
                     network_allowance=home_allowance)

    script = subparsers.add_parser(
        "script", help="test mode: run a script of utterances, write a JSON Lines report",
        description="Drive the same pipeline as `run` from a YAML/JSON script of turns "
        "(say:, audio:, text:, silence_ms:, noise_ms:) and check each turn's expect: block. "
        "Exit status: 0 all passed, 1 an expectation failed, 2 a bad script.")
    script.add_argument("file", metavar="FILE", help="the script (YAML or JSON)")
    _script_options(script)
    script.set_defaults(handler=lazy("assistant.commands.voice_run:script"),
                        network_allowance=home_allowance)

    demo = subparsers.add_parser(
        "demo", help="a short spoken demo conversation through the test mode",
        description="Run the bundled demo conversation (spoken by the Piper voice) through "
        "the voice loop, write the reply WAVs and print the transcript table with latencies.")
    _script_options(demo)
    demo.set_defaults(handler=lazy("assistant.commands.voice_run:demo"))


def _script_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out-dir", metavar="DIR",
                        help="where the report and reply WAVs go (default: out/<script name>)")
    parser.add_argument("--report", metavar="FILE.jsonl",
                        help="the JSON Lines report (default: <out-dir>/report.jsonl)")
    parser.add_argument("--realtime", action="store_true",
                        help="pace audio by the wall clock instead of running faster")
    parser.add_argument("--no-wake", action="store_true", help="run without the wake word")

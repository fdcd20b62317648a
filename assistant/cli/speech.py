"""`say` and `transcribe`: one engine each, for trying the voice and the recognizer.

The handlers are in `assistant.cli.speech_run` (imported when the command runs)."""

from __future__ import annotations

from typing import Any

from assistant.cli.lazy import lazy


def register(subparsers: Any) -> None:
    say = subparsers.add_parser(
        "say", help="speak a text with the configured voice",
        description="Speak TEXT with the voice (Piper by default). Plays on the default "
        "output device, or writes a 16-bit WAV file with --out.")
    say.add_argument("text", metavar="TEXT")
    say.add_argument("--out", metavar="FILE.wav", help="write a WAV file instead of playing")
    say.add_argument("--voice", metavar="ID",
                     help="a Piper voice model id, or espeak / espeak-VOICE "
                     "(default: tts.voice of the config)")
    say.add_argument("--output-device", metavar="DEVICE",
                     help="output device index or name (default: the system default)")
    say.add_argument("--steady", action="store_true",
                     help="Piper without its random variation: the same text gives the same "
                     "audio every time (for tests and comparisons; the test mode's voices "
                     "always speak this way)")
    say.set_defaults(handler=lazy("assistant.cli.speech_run:say"))

    tr = subparsers.add_parser(
        "transcribe", help="print the transcript of a WAV file",
        description="Recognize the speech in a WAV file (any PCM or float WAV, any rate, "
        "mono or stereo) and print the transcript.")
    tr.add_argument("wav", metavar="FILE.wav")
    tr.add_argument("--engine", choices=("auto", "vosk", "whisper"),
                    help="recognizer (default: stt.engine of the config, normally auto: Vosk "
                    "when a Vosk model for the language is installed, else Whisper)")
    tr.add_argument("--model", metavar="ID", help="a speech recognition model id")
    tr.add_argument("--language", metavar="LANG", help="language code (default: stt.language)")
    tr.add_argument("--verbose", action="store_true", help="also print engine and timings")
    tr.set_defaults(handler=lazy("assistant.cli.speech_run:transcribe"))

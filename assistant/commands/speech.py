"""`say` and `transcribe`: one engine each, for trying the voice and the recognizer."""

from __future__ import annotations

import argparse
import time
from typing import Any

from assistant.config import Config
from assistant.errors import AssistantError


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
    say.set_defaults(handler=_say)

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
    tr.set_defaults(handler=_transcribe)


def _say(args: argparse.Namespace, config: Config) -> int:
    from assistant.engines.tts import load_synthesizer, synthesize_all
    from assistant.models import ModelStore
    from assistant.wav import write_wav

    if not args.text.strip():
        raise AssistantError("nothing to say: TEXT is empty")
    store = ModelStore.from_config(config.models)
    voice = load_synthesizer(config.tts, store, voice=args.voice)
    audio = synthesize_all(voice, args.text)
    if args.out:
        write_wav(args.out, audio)
        print(f"wrote {args.out} ({audio.seconds:.2f} s, {audio.rate} Hz)")
        return 0
    from assistant.sound.devices import play

    play(audio, device=args.output_device)
    return 0


def _transcribe(args: argparse.Namespace, config: Config) -> int:
    import dataclasses

    from assistant.engines.stt import load_recognizer
    from assistant.engines.vad import SileroVad, speech_ms
    from assistant.models import ModelStore
    from assistant.wav import read_wav

    audio = read_wav(args.wav)  # a bad file fails before any model loads
    stt_config = config.stt
    if args.language:
        stt_config = dataclasses.replace(stt_config, language=args.language)
    store = ModelStore.from_config(config.models)
    start = time.perf_counter()
    recognizer = load_recognizer(stt_config, store, engine=args.engine, model_id=args.model)
    loaded = time.perf_counter()
    # Whisper "hears" words in silence and noise ("you", "Thank you."): only speech that
    # the voice activity detector finds is transcribed, as in the voice loop.
    voiced_ms = speech_ms(SileroVad(), audio, threshold=config.vad.threshold)
    heard = voiced_ms >= config.vad.min_speech_ms
    text = recognizer.transcribe(audio).text if heard else ""
    done = time.perf_counter()
    print(text)
    if args.verbose:
        print(f"# engine={recognizer.name} audio={audio.seconds:.2f}s speech={voiced_ms:.0f}ms "
              f"load={loaded - start:.2f}s decode={done - loaded:.2f}s")
    return 0

"""`say` and `transcribe`: one engine each, for trying the voice and the recognizer (the
engine loads when the command runs)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from assistant.config import Config
from assistant.errors import AssistantError


def register(subparsers: Any) -> None:
    say_parser = subparsers.add_parser(
        "say", help="speak a text with the configured voice",
        description="Speak TEXT with the voice (Piper by default). Plays on the default "
        "output device, or writes a 16-bit WAV file with --out.")
    say_parser.add_argument("text", metavar="TEXT")
    say_parser.add_argument("--out", metavar="FILE.wav", help="write a WAV file instead of playing")
    say_parser.add_argument("--voice", metavar="ID",
                            help="a Piper voice model id, or espeak / espeak-VOICE "
                            "(default: tts.voice of the config)")
    say_parser.add_argument("--output-device", metavar="DEVICE",
                            help="output device index or name (default: the system default)")
    say_parser.add_argument("--steady", action="store_true",
                            help="Piper without its random variation: the same text gives the same "
                            "audio every time (for tests and comparisons; the test mode's voices "
                            "always speak this way)")
    say_parser.set_defaults(handler=say)

    tr = subparsers.add_parser(
        "transcribe", help="print the transcript of a WAV file",
        description="Recognize the speech in a WAV file (any PCM or float WAV, any rate, "
        "mono or stereo) and print the transcript.")
    tr.add_argument("wav", metavar="FILE.wav")
    tr.add_argument("--engine", choices=("auto", "vosk", "whisper"),
                    help="recognizer (default: stt.engine of the config, normally auto: Vosk "
                    "when a Vosk model for the language is installed, else Whisper)")
    tr.add_argument("--model", metavar="ID", help="a speech recognition model id")
    tr.add_argument("--language", metavar="LANG",
                    help="the recognizer's language code, any it knows, e.g. ko "
                    "(default: the config's language)")
    tr.add_argument("--verbose", action="store_true", help="also print engine and timings")
    tr.set_defaults(handler=transcribe)


def say(args: argparse.Namespace, config: Config) -> int:
    from assistant.assembly import language_of, model_store
    from assistant.engines.tts import synthesize_all
    from assistant.loading import language_voice, load_synthesizer
    from assistant.wav import write_wav

    if not args.text.strip():
        raise AssistantError("nothing to say: TEXT is empty")
    store = model_store(config)
    if args.voice:
        voice = load_synthesizer(config.tts, store, voice=args.voice, deterministic=args.steady)
        notice = ""
    else:
        voice, notice = language_voice(config, language_of(config), store,
                                       deterministic=args.steady)
    audio = synthesize_all(voice, args.text)
    if not audio.frames and notice:
        raise AssistantError(notice)
    if args.out:
        write_wav(args.out, audio)
        print(f"wrote {args.out} ({audio.seconds:.2f} s, {audio.rate} Hz)")
        return 0
    from assistant.sound.devices import play

    play(audio, device=args.output_device)
    return 0


def transcribe(args: argparse.Namespace, config: Config) -> int:
    from assistant.assembly import language_of, model_store
    from assistant.config import SttEngine
    from assistant.engines.trim import trim_leading_silence
    from assistant.engines.vad import SileroVad, speech_ms
    from assistant.loading import load_recognizer
    from assistant.wav import read_wav

    audio = read_wav(args.wav)  # a bad file fails before any model loads
    stt_config = config.stt
    start = time.perf_counter()
    model = args.model
    chosen = model or args.engine or args.language or stt_config.model \
        or stt_config.engine is not SttEngine.AUTO
    if args.language:  # any language a recognizer knows ("ko"), not only the packs'
        code, prompt = args.language, None
    else:
        language = language_of(config)
        code, prompt = language.code, language.recognizer_prompt
        model = model or (None if chosen else stt_config.final_model) or language.recognizer_model
    recognizer = load_recognizer(stt_config, model_store(config), language=code, prompt=prompt,
                                 engine=args.engine, model_id=model)
    loaded = time.perf_counter()
    # Whisper "hears" words in silence and noise ("you", "Thank you."): only speech that
    # the voice activity detector finds is transcribed, as in the voice loop.
    vad = SileroVad()
    voiced_ms = speech_ms(vad, audio, threshold=config.vad.threshold)
    heard = voiced_ms >= config.vad.min_speech_ms
    # Silence before the speech throws Whisper (see assistant.engines.trim).
    audio = trim_leading_silence(audio, vad, threshold=config.vad.threshold)
    text = recognizer.transcribe(audio).text if heard else ""
    recognizer.close()
    done = time.perf_counter()
    print(text)
    if args.verbose:
        print(f"# engine={recognizer.name} audio={audio.seconds:.2f}s speech={voiced_ms:.0f}ms "
              f"load={loaded - start:.2f}s decode={done - loaded:.2f}s")
    return 0

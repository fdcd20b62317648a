"""The handlers of `assistant.commands.speech`."""

from __future__ import annotations

import argparse
import dataclasses
import time

from assistant.config import Config
from assistant.engines.loader import (
    language_voice,
    load_recognizer,
    load_synthesizer,
    model_store,
)
from assistant.engines.trim import trim_leading_silence
from assistant.engines.tts import synthesize_all
from assistant.engines.vad import SileroVad, speech_ms
from assistant.errors import AssistantError
from assistant.wav import read_wav, write_wav


def say(args: argparse.Namespace, config: Config) -> int:
    if not args.text.strip():
        raise AssistantError("nothing to say: TEXT is empty")
    store = model_store(config)
    if args.voice:
        voice = load_synthesizer(config.tts, store, voice=args.voice, deterministic=args.steady)
        notice = ""
    else:
        voice, notice = language_voice(config, store, deterministic=args.steady)
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
    audio = read_wav(args.wav)  # a bad file fails before any model loads
    stt_config = config.stt
    if args.language:
        stt_config = dataclasses.replace(stt_config, language=args.language)
    start = time.perf_counter()
    model = args.model
    chosen = model or args.engine or args.language or stt_config.model \
        or stt_config.engine != "auto"
    if not chosen:  # a recording is no command: the final recognizer writes it
        model = stt_config.final_model or None
    recognizer = load_recognizer(stt_config, model_store(config), engine=args.engine,
                                 model_id=model)
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

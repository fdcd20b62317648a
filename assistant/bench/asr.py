"""Recognizer accuracy and speed on labelled audio: word error rate and real-time factor.

Sets: the LibriVox clips of Debian's `pocketsphinx-testdata` (read speech with
reference transcripts) and pocketsphinx's "go forward ten meters" command; sentences
spoken by the deterministic Piper voice and by espeak-ng; for Korean, sentences spoken
by espeak-ng's Korean voice. Each installed recognizer for a set's language runs on it,
side by side (Whisper also with `stt.short_context` off). Recognizers get no hint,
except one extra run of the configured recognizer with the skills' vocabulary hint,
exactly as the pipeline streams every utterance to it.
"""

from __future__ import annotations

import dataclasses
import gc
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.audio import Audio, to_speech
from assistant.bench.stats import summarize
from assistant.bench.text import WordErrors, normalize, word_errors
from assistant.engines.tts import SpeechSynthesizer, synthesize_all
from assistant.models.registry import MULTILINGUAL

POCKETSPHINX_DATA = Path("/usr/share/pocketsphinx/test/data")
GOFORWARD_RATE_HZ = 16000
"""goforward.raw has no header: 16 kHz 16-bit mono, as pocketsphinx's own test reads it."""

#: Sentences the voices speak; digits on purpose (recognizers write them differently).
TTS_SENTENCES = (
    "Set a timer for 15 minutes.",
    "Turn off the lights in the living room.",
    "What is the weather going to be like tomorrow morning?",
    "The quick brown fox jumps over the lazy dog.",
    "Please add milk, eggs and bread to my shopping list.",
    "How far away is the moon from the earth?",
    "Play some relaxing music in the kitchen.",
    "My train leaves at 7 in the evening on Friday.",
    "There are 24 hours in a day and 365 days in a year.",
    "Open the garage door and turn on the porch light.",
    "Who painted the Mona Lisa?",
    "Remind me to water the plants every Sunday.",
)
KOREAN_SENTENCES = ("안녕하세요", "오늘 날씨가 좋네요", "지금 몇 시예요", "불 좀 꺼 주세요",
                    "음악을 틀어 주세요")


@dataclass(frozen=True)
class Clip:
    name: str
    audio: Audio
    reference: str


@dataclass(frozen=True)
class LabelledSet:
    name: str
    language: str
    clips: tuple[Clip, ...]
    source: str
    units: str = "words"  # "chars" adds a character error rate (Korean)


def librivox_set(folder: Path = POCKETSPHINX_DATA / "librivox", *,
                 limit: int | None = None) -> LabelledSet | None:
    """The LibriVox clips and their references (`transcription`: "<s> words </s> (id)")."""
    from assistant.wav import read_wav

    listing = folder / "transcription"
    if not listing.is_file():
        return None
    clips = []
    for line in listing.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*(?:<s>)?(.*?)(?:</s>)?\s*\(([^)]+)\)\s*$", line)
        if not match or not (folder / f"{match.group(2)}.wav").is_file():
            continue
        clips.append(Clip(match.group(2), read_wav(folder / f"{match.group(2)}.wav"),
                          match.group(1).strip()))
    return LabelledSet("librivox", "en", tuple(clips[:limit]), str(folder))


def goforward_set(folder: Path = POCKETSPHINX_DATA) -> LabelledSet | None:
    """pocketsphinx's own command recording (raw 16 kHz 16-bit mono; its test expects
    "go forward ten meters")."""
    raw = folder / "goforward.raw"
    if not raw.is_file():
        return None
    audio = Audio(raw.read_bytes()[: raw.stat().st_size // 2 * 2], GOFORWARD_RATE_HZ)
    return LabelledSet("pocketsphinx-command", "en",
                       (Clip("goforward", audio, "go forward ten meters"),), str(raw))


def spoken_set(name: str, voice: SpeechSynthesizer, sentences: tuple[str, ...], *,
               language: str = "en", units: str = "words") -> LabelledSet:
    clips = tuple(Clip(f"{name}-{i + 1:02d}", synthesize_all(voice, text), text)
                  for i, text in enumerate(sentences))
    return LabelledSet(name, language, clips, f"spoken by {voice.name}", units)


def labelled_sets(speaking_voice: SpeechSynthesizer, *, quick: bool,
                  skipped: list[str]) -> list[LabelledSet]:
    """Every set that can be built on this machine; what could not is added to `skipped`."""
    from assistant.engines.tts import EspeakSynthesizer
    from assistant.errors import AssistantError

    count = 3 if quick else None
    sets: list[LabelledSet] = []
    librivox = librivox_set(limit=2 if quick else None)
    if librivox is None:
        skipped.append("librivox: pocketsphinx-testdata is not installed "
                       "(Debian: apt-get install pocketsphinx-testdata)")
    else:
        sets.append(librivox)
    command = goforward_set()
    if command is not None and not quick:
        sets.append(command)
    sets.append(spoken_set("piper", speaking_voice, TTS_SENTENCES[:count]))
    try:
        sets.append(spoken_set("espeak", EspeakSynthesizer(voice="en-us"),
                               TTS_SENTENCES[:count]))
        sets.append(spoken_set("espeak-ko", EspeakSynthesizer(voice="ko"),
                               KOREAN_SENTENCES[: 2 if quick else None], language="ko",
                               units="chars"))
    except AssistantError as error:
        skipped.append(f"espeak sets: {error}")
    return sets


@dataclass(frozen=True)
class RecognizerChoice:
    label: str
    model_id: str
    engine: str
    language: str
    short_context: bool | None = None
    hint: str | None = None


def recognizer_choices(store: Any, languages: set[str], *, skipped: list[str],
                       default: RecognizerChoice | None = None) -> list[RecognizerChoice]:
    """Every installed recognizer for the languages; Whisper with short_context on and
    off; `default` (the configured one, with the pipeline's hint) first. Vosk-vs-Whisper
    pairs that cannot run are explained in `skipped`."""
    choices = [default] if default is not None else []
    for language in sorted(languages):
        installed = store.installed(role="stt", language=language)
        for spec in installed:
            if spec.engine == "whisper":
                choices.append(RecognizerChoice(spec.id, spec.id, "whisper", language, True))
                choices.append(RecognizerChoice(f"{spec.id} (short_context off)", spec.id,
                                                "whisper", language, False))
            else:
                choices.append(RecognizerChoice(spec.id, spec.id, spec.engine, language))
        engines = {spec.engine for spec in installed}
        for engine in ("vosk", "whisper"):
            if engine not in engines:
                known = [m.id for m in store.registry.models if m.role == "stt"
                         and m.engine == engine and m.speaks(language)]
                why = (f"not installed ({', '.join(known)})" if known
                       else "none known to the registry")
                skipped.append(f"stt {language}: no {engine} recognizer, {why}")
    return choices


def _transcribe(recognizer: Any, audio: Audio, hint: str | None) -> str:
    if hint is None:
        return str(recognizer.transcribe(audio).text)
    stream = recognizer.stream(hint=hint)
    stream.accept(audio)
    return str(stream.finish().result().text)


def evaluate(recognizer: Any, sets: list[LabelledSet], *,
             hint: str | None = None) -> dict[str, Any]:
    """Transcribe every clip once (after one untimed warm-up); WER and RTF per set."""
    _transcribe(recognizer, sets[0].clips[0].audio, hint)
    per_set: dict[str, Any] = {}
    total = WordErrors()
    for labelled in sets:
        errors, char_errors = WordErrors(), WordErrors()
        clips: list[dict[str, Any]] = []
        for clip in labelled.clips:
            speech = to_speech(clip.audio)
            start = time.perf_counter()
            text = _transcribe(recognizer, speech, hint)
            seconds = time.perf_counter() - start
            language = labelled.language
            found = word_errors(clip.reference, text, language=language)
            errors += found
            if labelled.units == "chars":
                char_errors += word_errors(clip.reference, text, units="chars",
                                           language=language)
            clips.append({"clip": clip.name, "reference": normalize(clip.reference,
                                                                   language=language),
                          "heard": normalize(text, language=language),
                          "raw": text, "wer": round(found.rate, 3),
                          "audio_s": round(speech.seconds, 2),
                          "rtf": round(seconds / speech.seconds, 3)})
        audio_s = sum(c["audio_s"] for c in clips)
        compute_s = sum(c["rtf"] * c["audio_s"] for c in clips)
        per_set[labelled.name] = {
            "clips": len(clips), "audio_s": round(audio_s, 1),
            "wer": round(errors.rate, 4), "errors": dataclasses.asdict(errors),
            "rtf": round(compute_s / audio_s, 3) if audio_s else None,
            "rtf_per_clip": summarize((c["rtf"] for c in clips), digits=3),
            "detail": clips,
        }
        if labelled.units == "chars":
            per_set[labelled.name]["cer"] = round(char_errors.rate, 4)
        total += errors
    return {"sets": per_set, "wer_overall": round(total.rate, 4)}


def run_asr(config: Any, store: Any, sets: list[LabelledSet], *, hint: str | None,
            say: Callable[[str], None]) -> dict[str, Any]:
    """Every installed recognizer on every set of its language (`labelled_sets`), and the
    configured one with the pipeline's vocabulary `hint`."""
    from assistant.engines.loader import load_recognizer
    from assistant.engines.stt import choose_engine

    skipped: list[str] = []
    default = None
    if hint:
        chosen = choose_engine(config.stt, store)
        spoken = store.registry.get(chosen.model_id).language
        language = config.stt.language if spoken == MULTILINGUAL else spoken
        default = RecognizerChoice(f"{chosen.model_id} + skills hint (as in the pipeline)",
                                   chosen.model_id, chosen.engine, language,
                                   config.stt.short_context if chosen.engine == "whisper"
                                   else None, hint)
    choices = recognizer_choices(store, {s.language for s in sets}, skipped=skipped,
                                 default=default)
    engines: dict[str, Any] = {}
    for choice in choices:
        own = [s for s in sets if s.language == choice.language and s.clips]
        if not own:
            continue
        stt = config.stt if choice.short_context is None else dataclasses.replace(
            config.stt, short_context=choice.short_context)
        recognizer = load_recognizer(stt, store, engine=choice.engine, model_id=choice.model_id)
        engines[choice.label] = {"model": choice.model_id, "engine": choice.engine,
                                 "language": choice.language,
                                 "short_context": choice.short_context,
                                 "hint": choice.hint is not None,
                                 **evaluate(recognizer, own, hint=choice.hint)}
        say(f"recognizer {choice.label}: WER {engines[choice.label]['wer_overall']:.1%}")
        del recognizer
        gc.collect()
    return {"engines": engines, "skipped": skipped,
            "sets": {s.name: {"language": s.language, "clips": len(s.clips), "source": s.source}
                     for s in sets}}

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
from assistant.engines.stt import Transcript
from assistant.engines.stt.split import SplitStream
from assistant.engines.tts import SpeechSynthesizer, synthesize_all
from assistant.models.registry import MULTILINGUAL
from assistant_bench.confidence import calibrate, noise_results
from assistant_bench.stats import summarize
from assistant_bench.text import WordErrors, normalize, word_errors
from assistant_bench.turns import LLM_TURNS, SKILL_TURNS

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
#: Open questions: the demo's, the latency turns' and more of our own, with names and
#: places a vocabulary hint could rewrite ("the capital of France" heard as "friends").
QUESTIONS = (
    *LLM_TURNS,
    "Tell me a long story about a dragon.",
    "What is the capital of Italy?",
    "Who painted the Mona Lisa?",
    "How tall is Mount Everest?",
    "What is the largest ocean on Earth?",
    "Who invented the telephone?",
    "What language do people speak in Brazil?",
    "How many legs does a spider have?",
    "Why do cats purr?",
    "Who was the first person to walk on the moon?",
    "What is photosynthesis?",
    "Where do penguins live?",
    "What is the capital of Japan?",
    "Tell me about the Roman Empire.",
    "What do kangaroos eat?",
    "How does a rainbow form?",
    "Who discovered penicillin?",
    "What is the longest river in Africa?",
    "Can you recommend a good book about space?",
    "Who was Albert Einstein?",
    "What is the population of Canada?",
)
KOREAN_SENTENCES = ("안녕하세요", "오늘 날씨가 좋네요", "지금 몇 시예요", "불 좀 꺼 주세요",
                    "음악을 틀어 주세요")


def command_sentences() -> tuple[str, ...]:
    """The skills' commands of the latency turns and of the demo."""
    return (*(text for text, _intent in SKILL_TURNS), "Set a timer for eight seconds.",
            "Calculate seventeen times twenty three.", "Stop.")


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
                 limit: int | None = None, name: str = "librivox",
                 listing_name: str = "transcription") -> LabelledSet | None:
    """The LibriVox clips and their references (`transcription`: "<s> words </s> (id)");
    with `name` "cards" and `folder` .../cards, pocketsphinx's spoken card names."""
    from assistant.wav import read_wav

    listing = folder / listing_name
    if not listing.is_file():
        return None
    clips = []
    for line in listing.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*(?:<s>)?(.*?)(?:</s>)?\s*\(([^)]+)\)\s*$", line)
        if not match or not (folder / f"{match.group(2)}.wav").is_file():
            continue
        clips.append(Clip(match.group(2), read_wav(folder / f"{match.group(2)}.wav"),
                          match.group(1).strip()))
    return LabelledSet(name, "en", tuple(clips[:limit]), str(folder))


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
    cards = librivox_set(POCKETSPHINX_DATA / "cards", name="cards",
                         listing_name="cards.transcription")
    if command is not None and cards is not None and not quick:
        sets += [command, cards]
    sets.append(spoken_set("piper", speaking_voice, TTS_SENTENCES[:count]))
    sets.append(spoken_set("commands", speaking_voice, command_sentences()[:count]))
    sets.append(spoken_set("questions", speaking_voice, QUESTIONS[:count]))
    try:
        sets.append(spoken_set("espeak", EspeakSynthesizer(voice="en-us"),
                               TTS_SENTENCES[:count]))
        sets.append(spoken_set("commands-espeak", EspeakSynthesizer(voice="en-us"),
                               command_sentences()[:count]))
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
    final_model: str | None = None
    """A split set-up: this recognizer writes every utterance that is not a command."""


def recognizer_choices(store: Any, languages: set[str], *, skipped: list[str],
                       default: RecognizerChoice | None = None) -> list[RecognizerChoice]:
    """Every installed recognizer for the languages; Whisper with short_context on and
    off; `default` (the configured one, with the pipeline's hint) first. Vosk-vs-Whisper
    pairs that cannot run are explained in `skipped`."""
    choices = [default] if default is not None else []
    for language in sorted(languages):
        installed = store.installed(role="stt", language=language)
        for spec in installed:
            # a multilingual model runs once per language: its label says which
            label = f"{spec.id} ({language})" if spec.language == MULTILINGUAL else spec.id
            if spec.engine == "whisper":
                choices.append(RecognizerChoice(label, spec.id, "whisper", language, True))
                choices.append(RecognizerChoice(f"{label} (short_context off)", spec.id,
                                                "whisper", language, False))
            else:
                choices.append(RecognizerChoice(label, spec.id, spec.engine, language))
        engines = {spec.engine for spec in installed}
        for engine in ("vosk", "whisper"):
            if engine not in engines:
                known = [m.id for m in store.registry.models if m.role == "stt"
                         and m.engine == engine and m.speaks(language)]
                why = (f"not installed ({', '.join(known)})" if known
                       else "none known to the registry")
                skipped.append(f"stt {language}: no {engine} recognizer, {why}")
    return choices


def pipeline_choice(config: Any, store: Any, hint: str) -> RecognizerChoice:
    """The configured set-up, as the pipeline runs it: the chosen recognizer with the
    skills' hint, and `stt.final_model` for everything that is not a command."""
    from assistant.assembly import language_of
    from assistant.engines.stt import choose_engine

    pack = language_of(config)
    chosen = choose_engine(config.stt, store, language=pack.code,
                           model_id=config.stt.model or pack.recognizer_model)
    spoken = store.registry.get(chosen.model_id).language
    language = pack.code if spoken == MULTILINGUAL else spoken
    final = config.stt.final_model or None
    return RecognizerChoice(setup_label(chosen.model_id, final) + " (as in the pipeline)",
                            chosen.model_id, chosen.engine, language,
                            config.stt.short_context if chosen.engine == "whisper" else None,
                            hint, final)


def setup_label(model_id: str, final: str | None) -> str:
    return f"{model_id} + skills hint" + (f" / {final} for the rest" if final else "")


def candidate_choices(store: Any, default: RecognizerChoice) -> list[RecognizerChoice]:
    """The other set-ups the default is chosen from: every installed Whisper model with
    the hint alone, and the default's recognizer split with every other one."""
    models = [spec.id for spec in store.installed(role="stt", engine="whisper",
                                                  language=default.language)]
    out = []
    for model in models:
        for final in (None, *(m for m in models if m != model)):
            if final is not None and model != default.model_id:
                continue
            if (model, final) != (default.model_id, default.final_model):
                out.append(dataclasses.replace(default, label=setup_label(model, final),
                                               model_id=model, final_model=final))
    return out


class SetUp:
    """A loaded recognizer set-up: one recognizer (with or without a hint), or a split."""

    def __init__(self, recognizer: Any, *, hint: str | None = None, final: Any = None,
                 is_command: Callable[[str], bool] | None = None) -> None:
        self.recognizer, self.hint, self.final = recognizer, hint, final
        self.is_command = is_command or (lambda text: False)

    def transcribe(self, audio: Audio) -> Transcript:
        if self.hint is None and self.final is None:
            return self.recognizer.transcribe(audio)
        stream = self.recognizer.stream(hint=self.hint)
        if self.final is not None:
            stream = SplitStream(stream, self.final.stream(), keep_early=self.is_command)
        stream.accept(audio)
        return stream.finish().result()

    def close(self) -> None:
        for recognizer in (self.recognizer, self.final):
            if recognizer is not None:
                recognizer.close()


def evaluate(setup: SetUp, sets: list[LabelledSet]) -> dict[str, Any]:
    """Transcribe every clip once (after one untimed warm-up); WER, RTF and the
    recognizer's confidence per set."""
    setup.transcribe(sets[0].clips[0].audio)
    per_set: dict[str, Any] = {}
    total = WordErrors()
    for labelled in sets:
        errors, char_errors = WordErrors(), WordErrors()
        clips: list[dict[str, Any]] = []
        for clip in labelled.clips:
            speech = to_speech(clip.audio)
            start = time.perf_counter()
            transcript = setup.transcribe(speech)
            seconds = time.perf_counter() - start
            text, language = transcript.text, labelled.language
            found = word_errors(clip.reference, text, language=language)
            errors += found
            if labelled.units == "chars":
                char_errors += word_errors(clip.reference, text, units="chars",
                                           language=language)
            confidence = transcript.confidence
            clips.append({"clip": clip.name, "reference": normalize(clip.reference,
                                                                   language=language),
                          "heard": normalize(text, language=language),
                          "raw": text, "wer": round(found.rate, 3),
                          "confidence": None if confidence is None else round(confidence, 3),
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


def load_setup(config: Any, store: Any, choice: RecognizerChoice, *,
               is_command: Callable[[str], bool] | None = None) -> SetUp:
    from assistant.loading import load_recognizer

    stt = config.stt
    if choice.short_context is not None:
        stt = dataclasses.replace(stt, short_context=choice.short_context)
    recognizer = load_recognizer(stt, store, language=choice.language, engine=choice.engine,
                                 model_id=choice.model_id)
    final = (load_recognizer(stt, store, language=choice.language, model_id=choice.final_model)
             if choice.final_model else None)
    return SetUp(recognizer, hint=choice.hint, final=final, is_command=is_command)


def run_asr(config: Any, store: Any, sets: list[LabelledSet], *, hint: str | None,
            say: Callable[[str], None], is_command: Callable[[str], bool] | None = None,
            noise: list[tuple[str, Audio]] | None = None) -> dict[str, Any]:
    """Every installed recognizer on every set of its language (`labelled_sets`); the
    configured set-up as the pipeline runs it (`is_command`: the router's command check)
    and the other set-ups it is chosen from. With `noise`, each set-up's confidence
    is calibrated on the clean sets against it (`assistant_bench.confidence`)."""
    skipped: list[str] = []
    default = pipeline_choice(config, store, hint) if hint else None
    choices = recognizer_choices(store, {s.language for s in sets}, skipped=skipped,
                                 default=default)
    if default is not None:
        choices[1:1] = candidate_choices(store, default)
    engines: dict[str, Any] = {}
    for choice in choices:
        own = [s for s in sets if s.language == choice.language and s.clips]
        if not own:
            continue
        setup = load_setup(config, store, choice, is_command=is_command)
        entry = engines[choice.label] = {
            "model": choice.model_id, "final_model": choice.final_model,
            "engine": choice.engine, "language": choice.language,
            "short_context": choice.short_context, "hint": choice.hint is not None,
            **evaluate(setup, own)}
        if noise and choice.language == "en":
            entry["confidence"] = calibrate(entry, noise_results(setup, noise),
                                            threshold=config.stt.min_confidence)
        say(f"recognizer {choice.label}: WER {entry['wer_overall']:.1%}")
        setup.close()
        del setup
        gc.collect()
    return {"engines": engines, "skipped": skipped,
            "default": default.label if default is not None else None,
            "sets": {s.name: {"language": s.language, "clips": len(s.clips), "source": s.source}
                     for s in sets}}

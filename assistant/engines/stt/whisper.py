"""Whisper speech recognition through faster-whisper (CTranslate2, int8 on the CPU).

Voice commands are a few seconds long, but Whisper's encoder normally runs on a
30-second window. CTranslate2 accepts a shorter window, so an utterance is encoded in
a 10-second window (longer when it needs it): measured on two threads, the encoder
takes 63 ms instead of 315 ms (about 100 ms on the one thread a decode gets here).
With the skills' vocabulary as the prompt, 10 s made no more errors than 20 s on 48
spoken commands and questions (8 each; 5 s windows made tiny.en loop and drop words).
What a short window does add is an occasional repeat of the whole sentence, which can
turn into a loop: a sentence said twice or looping is kept once, and any other loop is
decoded again on the full window. `stt.short_context = false` always uses the full
window.

Decoding also starts early: when the listener hears a pause it calls `prepare()`,
and if the user does not speak again, `finish()` returns that result at once. Two
decodes can run at once, each on half the cores: when the user goes on after a pause,
the decode still running for that pause slows the next one down instead of making it
wait (on 2 cores, a command took 186 ms alone on one thread and 243 ms beside another
decode; on two threads 201 ms alone but 312 ms when it had to wait for the other). A
third decode waits, and one decode alone no longer has every core: a long recording
(the full-window path, `assistant transcribe`) decodes about a quarter slower.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np

from assistant.audio import SPEECH_RATE_HZ, Audio, StreamResampler, to_speech
from assistant.engines.stt.base import Transcript
from assistant.engines.stt.whisper_text import (
    drop_repeated_sentences,
    echoes,
    first_of_loop,
    repeats,
    suppressed_tokens,
    weighted_mean,
)
from assistant.scheduling.fair import FairExecutor

log = logging.getLogger(__name__)

HOP_SAMPLES = 160
"""Samples per log-mel frame: Whisper's 10 ms hop at 16 kHz (faster-whisper's
FeatureExtractor hop_length)."""
FRAMES_PER_SECOND = SPEECH_RATE_HZ // HOP_SAMPLES
FULL_WINDOW_FRAMES = 3000
"""Whisper's 30 s input window (FeatureExtractor nb_max_frames)."""
MIN_WINDOW_FRAMES = 1000
"""The 10 s short window (see the module docstring)."""
SHORT_WINDOW_MAX_SAMPLES = 28 * SPEECH_RATE_HZ
"""Longest audio for the short window: the window is the audio plus at least 1 s of
padding, rounded up to whole seconds, so 28 s still fits in 30."""
MIN_DECODE_SAMPLES = SPEECH_RATE_HZ // 10
"""Under 0.1 s there is nothing Whisper can use."""
PROMPT_MAX_TOKENS = 200
"""Well under the 223 tokens (half the decoder's 448 positions, less one) that Whisper
gives a prompt (faster-whisper's max_length // 2 - 1): the language's prompt is kept
whole (without it Whisper base writes Mandarin in Traditional characters), of the rest
its end, in whole sentences."""
MAX_TOKENS_PER_SECOND = 6  # fast speech is about 4 tokens/s; more means a loop
NO_SPEECH_THRESHOLD = 0.6
LOGPROB_THRESHOLD = -1.0
AUTO = "auto"
"""The language setting of a recognizer that detects each utterance's language."""
LANGUAGE_DOUBT = 0.9
"""Below this probability of the detected language (among those spoken), the utterance
is decoded in the runner-up language too (`Transcript.elsewhere`)."""

_SENTENCE = re.compile(r"\s*[^。！？；、，.!?;,\s][^。！？；、，.!?;,]*[。！？；、，.!?;,]*")
"""A sentence or a list item of a hint, with its marks and the space before it (where a
hint may be cut; " Lock" stays one word)."""

#: Prompt phrases per language code (what starts Whisper's prompt for that language).
Prompts = Mapping[str, Sequence[str]]


class WhisperRecognizer:
    """A faster-whisper model loaded once from a local folder (never a hub name)."""

    name = "whisper"

    def __init__(self, model_dir: Path, *, language: str = "en", beam_size: int = 1,
                 threads: int = 1, workers: int = 2, short_context: bool = True,
                 prompt: str = "", alternatives: int = 0, languages: Sequence[str] = (),
                 prompts: Mapping[str, str] | None = None,
                 doubt_echoes: Collection[str] = ()) -> None:
        """`threads` per decode; `workers` decodes at once; `prompt` starts every initial
        prompt (Mandarin: "以下是普通话的句子。", so it writes Simplified characters);
        `alternatives`: how many other readings a transcript carries (the beam searched
        is at least one wider; 0 keeps `beam_size`). `language = "auto"` (a multilingual
        model) detects each utterance's language among `languages`, each with its own
        start of the prompt in `prompts`. `doubt_echoes`: the languages in which a
        transcript that only repeats sentences of the prompt is marked (`echoes_prompt`:
        Whisper base copies its Mandarin hint when it cannot make out the audio)."""
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import Tokenizer

        if not Path(model_dir).is_dir():
            raise FileNotFoundError(f"Whisper model folder not found: {model_dir}")
        self.language = language
        self.languages = tuple(languages) if language == AUTO else (language,)
        self._beam_size = max(beam_size, alternatives + 1 if alternatives else 1)
        self._alternatives = alternatives
        self._doubt_echoes = frozenset(doubt_echoes)
        self._short_context = short_context
        self._prompts = {**(prompts or {}), **({language: prompt} if prompt else {})}
        self._model = WhisperModel(str(model_dir), device="cpu", compute_type="int8",
                                   cpu_threads=threads, num_workers=workers,
                                   local_files_only=True)
        multilingual = self._model.model.is_multilingual
        if language == AUTO and not (multilingual and self.languages):
            raise ValueError("language detection needs a multilingual model and languages")
        self._tokenizers = {code: Tokenizer(self._model.hf_tokenizer, multilingual,
                                            task="transcribe",
                                            language=code if multilingual else None)
                            for code in self.languages}
        self._suppress = suppressed_tokens(self._tokenizers[self.languages[0]])
        self._jobs = FairExecutor("whisper", workers=workers)

    def stream(self, *, phrases: Sequence[str] | None = None, hint: str | None = None,
               hints: Mapping[str, str] | None = None, owner: str = "") -> WhisperStream:
        """Whisper has no grammar: `phrases` and `hint` (or, per language detected, its
        entry in `hints`) become its initial prompt."""
        prompts = {code: self._phrases(code, phrases, (hints or {}).get(code, hint))
                   for code in self.languages}
        return WhisperStream(self, prompts=prompts, owner=owner)

    def _phrases(self, code: str, phrases: Sequence[str] | None,
                 hint: str | None) -> list[str]:
        return [p for p in (self._prompts.get(code), *(phrases or []), hint) if p]

    def close(self) -> None:
        self._jobs.close()

    def transcribe(self, audio: Audio, *, phrases: Sequence[str] | None = None) -> Transcript:
        speech = to_speech(audio)
        return self.decode(speech.to_float()[:, 0],
                           {code: self._phrases(code, phrases, None) for code in self.languages})

    def decode(self, samples: np.ndarray,
               phrases: Sequence[str] | Prompts | None = None) -> Transcript:
        """Transcribe 16 kHz float samples (blocking; thread-safe), with the confidence.
        `phrases`: the prompt, or the prompt per language (a detecting recognizer)."""
        prompts = (dict(phrases) if isinstance(phrases, Mapping)
                   else {code: list(phrases or []) for code in self.languages})
        if samples.size < MIN_DECODE_SAMPLES:
            return self._transcript("", samples, self.languages[0])
        start = time.perf_counter()
        result = None
        language = self.languages[0]
        if self._short_context and samples.size <= SHORT_WINDOW_MAX_SAMPLES:
            result, language = self._decode_short(samples, prompts)
            if result is None:  # a loop that is not one sentence repeated
                log.debug("short-window decode looped; decoding the full window")
        if result is None:
            result = self._decode_full(samples, prompts.get(language), language)
        log.debug("decoded %.2f s of audio in %.0f ms", samples.size / SPEECH_RATE_HZ,
                  1000 * (time.perf_counter() - start))
        return result

    def _transcript(self, text: str, samples: np.ndarray, language: str, *,
                    avg_logprob: float | None = None, no_speech_prob: float | None = None,
                    alternatives: tuple[str, ...] = ()) -> Transcript:
        return Transcript(text, "whisper", language, samples.size / SPEECH_RATE_HZ,
                          avg_logprob=avg_logprob, no_speech_prob=no_speech_prob,
                          alternatives=alternatives)

    def decode_async(self, samples: np.ndarray, phrases: Sequence[str] | Prompts | None = None,
                     *, owner: str = "") -> Future[Transcript]:
        """Decode on the shared workers, taking turns with other owners (sessions)."""
        return self._jobs.submit(owner, self.decode, samples, phrases)

    def _decode_short(self, samples: np.ndarray,
                      prompts: Prompts) -> tuple[Transcript | None, str]:
        """The short-window decode in the utterance's language (detected, with the
        runner-up's reading when the detection is in doubt), and that language."""
        import ctranslate2

        frames = samples.size // HOP_SAMPLES
        window_s = math.ceil((frames + FRAMES_PER_SECOND) / FRAMES_PER_SECOND)
        window = min(FULL_WINDOW_FRAMES, max(MIN_WINDOW_FRAMES, window_s * FRAMES_PER_SECOND))
        features = self._model.feature_extractor(
            samples, padding=window * HOP_SAMPLES - samples.size)
        features = np.ascontiguousarray(features[:, :window], dtype=np.float32)
        encoded = self._model.model.encode(ctranslate2.StorageView.from_array(features[None]),
                                           to_cpu=False)
        ranked = self._detect(encoded)
        language, probability = ranked[0]
        found = self._generate(encoded, samples, language, prompts.get(language))
        if found is None or probability is None:
            return found, language
        elsewhere: tuple[tuple[str, str], ...] = ()
        if probability < LANGUAGE_DOUBT and len(ranked) > 1:
            other = self._generate(encoded, samples, ranked[1][0], prompts.get(ranked[1][0]))
            if other is not None and other.text:
                elsewhere = ((ranked[1][0], other.text),)
        return dataclasses.replace(found, language_probability=probability,
                                   elsewhere=elsewhere), language

    def _detect(self, encoded: Any) -> list[tuple[str, float | None]]:
        """The languages spoken, most probable first, with their probability among them
        (None: the language is fixed)."""
        if self.language != AUTO:
            return [(self.language, None)]
        found = {token[2:-2]: prob for token, prob in
                 self._model.model.detect_language(encoded)[0]}
        total = sum(found.get(code, 0.0) for code in self.languages) or 1.0
        ranked = sorted(((code, found.get(code, 0.0) / total) for code in self.languages),
                        key=lambda item: -item[1])
        log.debug("language %s (%.2f)", *ranked[0])
        return list(ranked)

    def _generate(self, encoded: Any, samples: np.ndarray, language: str,
                  phrases: Sequence[str] | None) -> Transcript | None:
        """One decode of the encoded audio in `language`; None for a loop that is not one
        sentence repeated (the full window then decodes)."""
        tokenizer = self._tokenizers[language]
        prompt = self._prompt(language, phrases, tokenizer)
        cap = int(MAX_TOKENS_PER_SECOND * samples.size / SPEECH_RATE_HZ) + 8
        result = self._model.model.generate(
            encoded, [prompt], beam_size=self._beam_size,
            num_hypotheses=self._alternatives + 1,
            # max_length: the decoder's 448 positions (Whisper's max_target_positions)
            max_length=min(self._model.max_length, len(prompt) + cap), return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True, suppress_tokens=self._suppress,
        )[0]
        tokens = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
        # faster-whisper's average (sum over tokens + 1); no token at all is not probable
        avg_logprob = (result.scores[0] * len(tokens) / (len(tokens) + 1) if tokens
                       else -math.inf)
        scores = {"avg_logprob": avg_logprob, "no_speech_prob": result.no_speech_prob}
        if result.no_speech_prob > NO_SPEECH_THRESHOLD and avg_logprob < LOGPROB_THRESHOLD:
            log.debug("no speech (p=%.2f, logprob=%.2f)", result.no_speech_prob, avg_logprob)
            return self._transcript("", samples, language, **scores)
        text = str(tokenizer.decode(tokens)).strip()
        if len(tokens) >= cap or repeats(tokens):
            first = first_of_loop(text)
            if first is None:
                return None
            text = first
        text = drop_repeated_sentences(text)
        others = [str(tokenizer.decode([t for t in ids if t < tokenizer.eot]))
                  for ids in result.sequences_ids[1:]]
        alternatives = tuple(dict.fromkeys(
            other for other in (drop_repeated_sentences(o.strip()) for o in others)
            if other and other != text))
        found = self._transcript(text, samples, language, alternatives=alternatives, **scores)
        return dataclasses.replace(found, echoes_prompt=language in self._doubt_echoes
                                   and echoes(text, phrases or ()))

    def _decode_full(self, samples: np.ndarray, phrases: Sequence[str] | None,
                     language: str) -> Transcript:
        prompt = prompt_tokens(*self._head_and_tail(language, phrases), lambda text: (
            self._model.hf_tokenizer.encode(text, add_special_tokens=False).ids)) \
            if phrases else None
        segments, _ = self._model.transcribe(
            samples, language=language, beam_size=self._beam_size, vad_filter=False,
            condition_on_previous_text=False, without_timestamps=True, initial_prompt=prompt,
        )
        kept = list(segments)
        if not kept:
            return self._transcript("", samples, language)
        # weighted by length: a long segment says more about the whole than a short one
        weights = [max(1, len(segment.tokens)) for segment in kept]
        return self._transcript(
            " ".join(segment.text.strip() for segment in kept).strip(), samples, language,
            avg_logprob=weighted_mean([s.avg_logprob for s in kept], weights),
            no_speech_prob=weighted_mean([s.no_speech_prob for s in kept], weights))

    def _prompt(self, language: str, phrases: Sequence[str] | None,
                tokenizer: Any) -> list[int]:
        tokens: list[int] = []
        if phrases:
            head, tail = self._head_and_tail(language, phrases)
            tokens = [tokenizer.sot_prev, *prompt_tokens(head, tail, tokenizer.encode)]
        return [*tokens, *tokenizer.sot_sequence, tokenizer.no_timestamps]

    def _head_and_tail(self, language: str, phrases: Sequence[str]
                       ) -> tuple[str | None, list[str]]:
        """The language's prompt (kept whole) when `phrases` start with it, and the rest."""
        if phrases[0] == self._prompts.get(language):
            return phrases[0], list(phrases[1:])
        return None, list(phrases)


def prompt_tokens(head: str | None, tail: Sequence[str],
                  encode: Callable[[str], Any]) -> list[int]:
    """The prompt's tokens within `PROMPT_MAX_TOKENS`: `head` (the language's prompt)
    whole, then as many whole sentences of `tail` as fit, from its end (a long hint loses
    its first sentences, never the language's prompt, and no character is cut in two)."""
    first = list(encode(" " + head))[:PROMPT_MAX_TOKENS] if head else []
    room = PROMPT_MAX_TOKENS - len(first)
    kept: list[list[int]] = []
    rest = " " + ", ".join(tail) if tail else ""
    for sentence in reversed(_SENTENCE.findall(rest)):
        tokens = list(encode(sentence))
        if len(tokens) > room:
            break
        kept.append(tokens)
        room -= len(tokens)
    return first + [token for tokens in reversed(kept) for token in tokens]


class WhisperStream:
    """Buffers one utterance; decodes early on `prepare()`, at the latest on `finish()`."""

    def __init__(self, recognizer: WhisperRecognizer, *, prompts: Prompts,
                 owner: str = "") -> None:
        self._recognizer = recognizer
        self._prompts = prompts
        self._owner = owner
        self._chunks: list[np.ndarray] = []
        self._samples = 0
        self._prepared: tuple[int, Future[Transcript]] | None = None
        # one resampler for the utterance: resampling block by block would click at every edge
        self._resample = StreamResampler(SPEECH_RATE_HZ)

    def accept(self, audio: Audio) -> str:
        self._append(self._resample(audio))
        return ""

    def _append(self, speech: Audio) -> None:
        if not speech.frames:
            return
        chunk = speech.to_float()[:, 0]
        self._chunks.append(chunk)
        self._samples += chunk.size

    def prepare(self) -> None:
        """The speaker paused: start decoding what was said so far, in the background."""
        self._append(self._resample.flush())
        if self._prepared is not None:
            if self._prepared[0] == self._samples:
                return
            self._prepared[1].cancel()  # stale (the user went on); drop it if not started
        self._prepared = (self._samples, self._decode_all())

    def prepared_text(self) -> str | None:
        """The early result if it is ready and still covers all the audio, else None."""
        if self._prepared is None or self._prepared[0] != self._samples:
            return None
        future = self._prepared[1]
        if not future.done() or future.cancelled() or future.exception() is not None:
            return None  # a failed early decode is retried by finish()
        return future.result().text

    def finish(self) -> Future[Transcript]:
        self._append(self._resample.flush())
        early = self._prepared
        if early is not None and early[0] == self._samples and not early[1].cancelled():
            decode, retry = early[1], True  # nothing was said after the pause
        else:
            if early is not None:
                early[1].cancel()
            decode, retry = self._decode_all(), False
        result: Future[Transcript] = Future()

        def settle(future: Future[Transcript], *, may_retry: bool) -> None:
            error = None if future.cancelled() else future.exception()
            if future.cancelled():
                result.cancel()
            elif error is not None and may_retry:  # a failed early decode is tried again
                self._decode_all().add_done_callback(lambda f: settle(f, may_retry=False))
            elif error is not None:
                result.set_exception(error)
            else:
                result.set_result(future.result())

        decode.add_done_callback(lambda f: settle(f, may_retry=retry))
        return result

    def _decode_all(self) -> Future[Transcript]:
        return self._recognizer.decode_async(self._audio(), self._prompts, owner=self._owner)

    def _audio(self) -> np.ndarray:
        return np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)



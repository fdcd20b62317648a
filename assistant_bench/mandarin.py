"""Mandarin: character error rate before and after normalization, and intent accuracy.

A set is a folder of WAVs with their transcripts and what each means (labels.yaml):
tests/data/speech-zh (30 utterances, one synthetic voice), or the halves of
tests/data/speech-zh-voices (`--set tune`, `--set heldout`: two voices, three speeds,
noise; see its README). The recognizer is the Mandarin
one (multilingual Whisper base, language zh, its Simplified-Chinese prompt), fed each
utterance as the voice loop streams it. Character error rate, punctuation and spaces
removed: "raw" compares the recognizer's text with the transcript as written;
"normalized" puts both through the Mandarin normalization first (Simplified characters,
Chinese numerals as digits). Intent accuracy: the share of utterances whose transcript
gets the labelled intent and slots (or route: chat, control), as the skills take it (the
transcript and the recognizer's other readings, written forms then by sound; a command
with a doubtful slot is asked about: counted right when what it asks is right, and
counted apart), on characters only; and on the reference transcripts, the templates'
own ceiling.

    python -m assistant_bench.mandarin [--set NAME|DIR] [--out DIR] [--beam N]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from assistant.assembly import build_skills, language_of, model_store
from assistant.config import Config, load_config, with_language
from assistant.engines.stt import heard_clearly
from assistant.intents import IntentMatch
from assistant.language.packs import load_language
from assistant.language.zh.intents import MandarinIntentRecognizer
from assistant.loading import language_recognizer
from assistant.skills import SkillsEngine
from assistant.skills.registry import heard_command
from assistant.wav import read_wav
from assistant_bench.stats import summarize
from assistant_bench.text import WordErrors, word_errors

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "speech-zh"
UNCLEAR = "(not heard clearly)"
"""Marks a transcript the loop would not trust (too unsure, or echoing the hint): a
command in it is asked about, anything else is asked again (a control phrase stops)."""
SETS = {"speech-zh": DATA, "tune": DATA.parent / "speech-zh-voices" / "tune",
        "heldout": DATA.parent / "speech-zh-voices" / "heldout"}


@dataclasses.dataclass(frozen=True)
class Utterance:
    wav: Path
    text: str
    label: dict[str, Any]


def load_set(folder: Path = DATA) -> list[Utterance]:
    """The utterances of `folder`, with transcripts.tsv and labels.yaml."""
    texts = dict(line.split("\t", 1) for line in
                 (folder / "transcripts.tsv").read_text(encoding="utf-8").splitlines() if line)
    labels = yaml.safe_load((folder / "labels.yaml").read_text(encoding="utf-8"))
    return [Utterance(folder / label["wav"], texts[label["wav"]].strip(), label)
            for label in labels]


def meaning(text: str, recognize: Callable[[str], IntentMatch | None],
            is_control: Callable[[str], bool]) -> dict[str, Any]:
    """What the loop would make of `text`: control, a skill's intent and slots (and
    whether it would ask first), or chat."""
    if is_control(text):
        return {"route": "control"}
    match = recognize(text)
    if match is None:
        return {"route": "llm"}
    return {"intent": match.intent, "slots": match.slots, "asked": bool(match.doubtful)}


def correct(label: dict[str, Any], got: dict[str, Any]) -> bool:
    """The labelled intent with every labelled slot (or the labelled route)."""
    if "route" in label:
        return got.get("route") == label["route"]
    if got.get("intent") != label["intent"]:
        return False
    slots = got.get("slots", {})
    return all(str(slots.get(key)) == str(value) for key, value in label.get("slots", {}).items())


def transcribe_all(config: Config, utterances: Sequence[Utterance],
                   hint: str) -> list[tuple[str, float, tuple[str, ...]]]:
    """(transcript, decode ms, other readings) per utterance, streamed as the loop
    streams them."""
    recognizer = language_recognizer(config, language_of(config), model_store(config))
    heard = []
    try:
        for utterance in utterances:
            stream = recognizer.stream(hint=hint or None)
            stream.accept(read_wav(utterance.wav))
            start = time.perf_counter()
            found = stream.finish().result()
            clear = heard_clearly(found, threshold=config.stt.min_confidence)
            heard.append((found.text, 1000 * (time.perf_counter() - start),
                          found.alternatives if clear else (UNCLEAR,)))
    finally:
        recognizer.close()
    return heard


def run(config: Config, *, folder: Path = DATA) -> dict[str, Any]:
    """Every figure of the Mandarin benchmark, for the recognizer with its prompt alone
    and with the vocabulary hint after it (as the loop runs it), one row per utterance."""
    config = with_language(config, "zh")
    zh = language_of(config)
    with tempfile.TemporaryDirectory() as state:  # the benchmark changes no one's home
        skills = dataclasses.replace(config.skills, state_file=str(Path(state) / "home.json"))
        engine = build_skills(dataclasses.replace(config, skills=skills), zh)
    utterances = load_set(folder)
    setups = {name: score(utterances, transcribe_all(config, utterances, hint), engine)
              for name, hint in (("prompt", ""), ("prompt + hint", engine.hint))}
    return {"set": str(folder), "utterances": len(utterances), "recognizer": "whisper-base",
            "beam_size": max(config.stt.beam_size, zh.recognizer_alternatives + 1),
            "alternatives": zh.recognizer_alternatives, "prompt": zh.recognizer_prompt,
            "hint": engine.hint, "setups": setups}


def score(utterances: Sequence[Utterance],
          heard: Sequence[tuple[str, float, tuple[str, ...]]],
          engine: SkillsEngine) -> dict[str, Any]:
    """CER raw and normalized, intent accuracy three ways, decode times, the rows."""
    pack = load_language("zh")
    normalize = pack.text.normalize
    recognizer = engine.recognizer
    chars_only = (recognizer.characters_only.recognize
                  if isinstance(recognizer, MandarinIntentRecognizer) else recognizer.recognize)
    raw, normalized = WordErrors(), WordErrors()
    rows: list[dict[str, Any]] = []
    for utterance, (text, ms, others) in zip(utterances, heard, strict=True):
        raw += word_errors(utterance.text, text, units="chars", language="zh")
        normalized += word_errors(normalize(utterance.text), normalize(text),
                                  units="chars", language="zh")
        clear = UNCLEAR not in others
        got = meaning(text, functools.partial(_heard, recognizer, others if clear else ()),
                      pack.is_control)
        if not clear and got.get("route") != "control":  # asked about, or asked again
            got = {**got, "asked": True} if "intent" in got else {"route": "unclear"}
        rows.append({
            "wav": utterance.wav.name, "reference": utterance.text, "transcript": text,
            "alternatives": list(others), "voice": utterance.label.get("voice"),
            "decode_ms": round(ms, 1), "label": utterance.label, "got": got,
            "right": correct(utterance.label, got),
            "right_characters_only": correct(
                utterance.label, meaning(text, chars_only, pack.is_control)),
            "right_on_reference": correct(
                utterance.label, meaning(utterance.text, recognizer.recognize, pack.is_control)),
        })
    total = len(rows)
    return {
        "cer_raw": round(raw.rate, 4), "cer_normalized": round(normalized.rate, 4),
        "reference_chars": raw.reference_words,
        "intent_accuracy": sum(r["right"] for r in rows) / total,
        "asked": sum(bool(r["got"].get("asked")) for r in rows),
        "asked_right": sum(bool(r["got"].get("asked")) and r["right"] for r in rows),
        "by_voice": {voice: f"{sum(r['right'] for r in rows if r['voice'] == voice)}/"
                            f"{sum(r['voice'] == voice for r in rows)}"
                     for voice in dict.fromkeys(r["voice"] for r in rows) if voice},
        "intent_accuracy_characters_only": sum(r["right_characters_only"] for r in rows) / total,
        "intent_accuracy_on_reference": sum(r["right_on_reference"] for r in rows) / total,
        "decode_ms": summarize(r["decode_ms"] for r in rows),
        "rows": rows,
    }


def _heard(recognizer: Any, others: Sequence[str], text: str) -> IntentMatch | None:
    return heard_command(recognizer, text, others)


def table(results: dict[str, Any]) -> str:
    """The figures per set-up as a Markdown table, then every utterance's transcript."""
    total = results["utterances"]
    setups = results["setups"]

    def cells(render: Callable[[dict[str, Any]], str]) -> str:
        return " | ".join(render(figures) for figures in setups.values())

    def share(key: str) -> Callable[[dict[str, Any]], str]:
        return lambda f: f"{round(f[key] * total)}/{total} ({100 * f[key]:.0f} %)"

    def percent(key: str) -> Callable[[dict[str, Any]], str]:
        return lambda f: f"{100 * f[key]:.1f} %"

    def times(f: dict[str, Any]) -> str:
        return f"{f['decode_ms']['p50']} / {f['decode_ms']['p90']}"

    lines = [
        f"Mandarin, {total} utterances of {Path(results['set']).name}, {results['recognizer']} "
        f"(language zh, beam {results['beam_size']} with {results.get('alternatives', 0)} other "
        f"readings, prompt {results['prompt']})", "",
        f"| figure | {' | '.join(setups)} |", "|---|" + "---|" * len(setups),
        f"| character error rate, raw | {cells(percent('cer_raw'))} |",
        "| character error rate, normalized (Simplified, digits) | "
        f"{cells(percent('cer_normalized'))} |",
        f"| right intent and slots (as the skills take it) | "
        f"{cells(share('intent_accuracy'))} |",
        f"| of which asked about first (right / all asked) | "
        f"{cells(lambda f: str(f['asked_right']) + ' / ' + str(f['asked']))} |",
        f"| right, by voice | "
        f"{cells(lambda f: ', '.join(f'{k} {v}' for k, v in f['by_voice'].items()))} |",
        "| intent accuracy, characters only | "
        f"{cells(share('intent_accuracy_characters_only'))} |",
        "| intent accuracy on the reference transcripts | "
        f"{cells(share('intent_accuracy_on_reference'))} |",
        f"| decode p50 / p90, ms | {cells(times)} |", "",
        f"| wav | said | {' | '.join(f'heard ({name})' for name in setups)} |",
        "|---|---|" + "---|" * len(setups),
    ]
    for index, first in enumerate(next(iter(setups.values()))["rows"]):
        heard = [setup["rows"][index] for setup in setups.values()]
        marks = " | ".join(f"{row['transcript']} {'✓' if row['right'] else '✗'}"
                           for row in heard)
        lines.append(f"| {first['wav']} | {first['reference']} | {marks} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant_bench.mandarin",
                                     description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--config", metavar="FILE", help="TOML config file (as for assistant)")
    parser.add_argument("--out", metavar="DIR", default="benchmarks/mandarin",
                        help="where results.json and table.md go (default: benchmarks/mandarin)")
    parser.add_argument("--beam", type=int, metavar="N", help="beam size (default: stt.beam_size)")
    parser.add_argument("--set", default="speech-zh", metavar="NAME|DIR",
                        help=f"the utterances: {', '.join(SETS)} or a folder "
                             "(default: speech-zh)")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    if args.beam:
        config = dataclasses.replace(config, stt=dataclasses.replace(config.stt,
                                                                      beam_size=args.beam))
    results = run(config, folder=SETS.get(args.set) or Path(args.set))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n",
                                      encoding="utf-8")
    text = table(results)
    (out / "table.md").write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

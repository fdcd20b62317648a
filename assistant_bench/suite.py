"""The whole benchmark, part by part, into one results dictionary and three files.

Order matters: start-up and memory run first, in child processes, while this process
is still idle; then the spoken turns (latency), the chat models alone, the recognizers
on labelled sets, and the wake word.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from assistant.assembly import language_of, load_engines, model_store, session_settings
from assistant.engines.tts import synthesize_all
from assistant.errors import MissingModelError
from assistant.loading import load_synthesizer
from assistant.loop.events import Completeness
from assistant.loop.session import conversation
from assistant.models.store import CHECKOUT
from assistant_bench import machine
from assistant_bench.asr import labelled_sets, run_asr
from assistant_bench.chat import compare_chat_models
from assistant_bench.confidence import noise_clips
from assistant_bench.everyday import run_everyday
from assistant_bench.lab import missing_tools
from assistant_bench.live import LiveRequest, measure_live
from assistant_bench.process import cold_start, peak_rss
from assistant_bench.qa import run_qa, run_spoken_mandarin
from assistant_bench.report import missing_keys, table_markdown, write_chart, write_json
from assistant_bench.results import latency_figures, synthesis_figures, wer_table
from assistant_bench.turns import LLM_TURNS, CachedVoice, run_latency, synthesis_rtf, turn_set
from assistant_bench.wakeword import run_wake

MODE_FAST = ("faster than real time; the end-of-speech window is paced by the wall clock, "
             "so the latency figures are real time")
MODE_REALTIME = "realtime: every block paced by the wall clock"


@dataclass(frozen=True)
class Options:
    reps: int = 5
    out: str | None = None
    quick: bool = False
    cpus: int | None = None
    realtime: bool = False
    live: bool = False
    skip: tuple[str, ...] = ()
    config_path: str | None = None
    profile: str | None = None
    """The `--profile` flag, passed on to the cold-start and memory child processes."""


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def timed(results: dict[str, Any], part: str) -> Iterator[None]:
    """Record how long a part took under `part_seconds` (where the benchmark's time goes)
    and the load average when it ended (other work on the machine slows every part)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        results.setdefault("part_seconds", {})[part] = round(time.perf_counter() - start, 1)
        results["load_average"].setdefault("after_part", {})[part] = machine.load_average()


def run_suite(config: Any, options: Options, *, lab: Any = None) -> dict[str, Any]:
    """Measure everything not skipped; write results.json, table.md and chart.png (`lab`:
    the started audio lab, for `options.live`)."""
    cores, cpus_note = machine.cpu_budget(options.cpus)
    pinned = machine.pin_cpus(cores) if cores else None
    started = time.perf_counter()
    out = Path(options.out) if options.out else Path("benchmarks") / machine.machine_label()
    store = model_store(config)
    load_before = machine.load_average()
    results = new_results(options, machine.describe(store, cpus=pinned, checkout=CHECKOUT),
                          load_before=load_before)
    if cpus_note:
        results["notes"].append(cpus_note)
        say(cpus_note)
    if config.profile:
        results["notes"].append(f"profile {config.profile}: its settings under the config "
                                "file's (see assistant/data/profiles.toml)")
    say(f"{results['machine']['cpu']}, {results['machine']['cores_used']} cores, load "
        f"{results['load_average']['before']}; results go to {out}/")
    if "process" not in options.skip:
        with timed(results, "process"):
            _process(results, options)
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as scratch:
        config = dataclasses.replace(
            config, llm=dataclasses.replace(config.llm, temperature=0.0),
            skills=dataclasses.replace(  # never the user's saved home, alarms or lists
                config.skills, state_file=str(Path(scratch) / "home-state.json"),
                alarms_file=str(Path(scratch) / "alarms.json"),
                reminders_file=str(Path(scratch) / "reminders.json"),
                lists_file=str(Path(scratch) / "lists.json")))
        _engines_parts(results, config, store, options)
    if options.live:
        with timed(results, "live"):
            _live(results, config, store, options, lab)
    results["load_average"]["after"] = machine.load_average()
    results["duration_s"] = round(time.perf_counter() - started, 1)
    write_outputs(results, out)
    return results


def new_results(options: Options, described: dict[str, Any], *,
                load_before: list[float] | None) -> dict[str, Any]:
    """The results skeleton: every required key, None until its part has run."""
    return {
        "schema": 1,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "mode": MODE_REALTIME if options.realtime else MODE_FAST,
        "options": {**dataclasses.asdict(options), "skip": list(options.skip)},
        "load_average": {"before": load_before, "after": None},
        "machine": described,
        "skipped": [f"part {part} (--skip)" for part in options.skip],
        "notes": [],
        "end_of_speech_to_first_audio_ms": None, "peak_rss_mb": None, "cold_start_s": None,
        "wer": None,
    }


def _process(results: dict[str, Any], options: Options) -> None:
    cold = cold_start(options.config_path, runs=1 if options.quick else 3, say=say,
                      profile=options.profile)
    results["cold_start"] = cold
    results["cold_start_s"] = cold["p50"]
    memory = peak_rss(options.config_path, say=say, profile=options.profile)
    results["memory"] = memory
    results["peak_rss_mb"] = memory["peak_rss_mb"]


def _engines_parts(results: dict[str, Any], config: Any, store: Any, options: Options) -> None:
    with timed(results, "load engines"):
        engines = load_engines(config)
    with engines:
        results["engines_load_s"] = round(engines.load_seconds, 2)
        speaking = CachedVoice(load_synthesizer(
            config.tts, store, voice=config.tts.voice or engines.language.voice,
            deterministic=True))
        _measure(results, config, store, engines, speaking, options)


def _measure(results: dict[str, Any], config: Any, store: Any, engines: Any, speaking: Any,
             options: Options) -> None:

    if "latency" not in options.skip:
        with timed(results, "latency"):
            _latency(results, config, engines, speaking, options)
    if "chat" not in options.skip:

        questions = list(LLM_TURNS[:2] if options.quick else LLM_TURNS)
        with timed(results, "chat"):
            results["chat_models"] = compare_chat_models(config, store, questions, say=say)
        results["skipped"] += results["chat_models"]["skipped"]
    if "qa" not in options.skip:

        with timed(results, "qa"):
            results["qa"] = run_qa(engines, config, lambda name: speaking, quick=options.quick,
                                   realtime=options.realtime, say=say)
    if "qa-zh" not in options.skip:
        with timed(results, "qa-zh"):
            _spoken_mandarin(results, config, speaking, options)
    if "everyday" not in options.skip:
        with timed(results, "everyday"):
            results["everyday"] = run_everyday(engines, config, lambda name: speaking,
                                               quick=options.quick, realtime=options.realtime,
                                               say=say)
    sets: list[Any] = []
    if "asr" not in options.skip or "wake" not in options.skip:

        with timed(results, "labelled sets"):
            sets = labelled_sets(speaking, quick=options.quick, skipped=results["skipped"])
    if "asr" not in options.skip:
        with timed(results, "asr"):
            results["asr"] = _asr(config, store, engines, sets, options)
        results["skipped"] += results["asr"]["skipped"]
        results["wer"] = wer_table(results["asr"], results["asr"]["default"])
    if "wake" not in options.skip and engines.wake is not None:

        negatives = [(clip.name, clip.audio) for s in sets for clip in s.clips]
        negatives += [(f"turn: {t.text}", synthesize_all(speaking, t.text))
                      for t in turn_set(quick=options.quick)]
        with timed(results, "wake"):
            results["wake"] = run_wake(config, engines.voice, negatives, quick=options.quick,
                                       say=say)
    elif "wake" not in options.skip:
        results["skipped"].append("wake word: disabled in the configuration (wake.enabled)")


def _spoken_mandarin(results: dict[str, Any], config: Any, speaking: Any,
                     options: Options) -> None:
    """The Mandarin questions, spoken, in the question table (skipped, with the reason,
    when the Mandarin models are not installed)."""
    try:
        mandarin = run_spoken_mandarin(config, lambda name: speaking, quick=options.quick,
                                       realtime=options.realtime, say=say)
    except MissingModelError as e:
        results["skipped"].append(f"Mandarin questions: {e}")
        return
    qa = results.setdefault("qa", {"targets": mandarin["targets"], "sets": {}, "records": []})
    qa["sets"].update(mandarin["sets"])
    qa["records"] += mandarin["records"]


def _asr(config: Any, store: Any, engines: Any, sets: list[Any],
         options: Options) -> dict[str, Any]:
    """WER per recognizer set-up, and the confidence threshold's calibration."""
    hint = engines.skills.hint if engines.skills is not None else None
    router = conversation(language=engines.language, chat=None, skills_engine=engines.skills,
                          settings=session_settings(config, engines.language)).router
    piper = [clip.audio for s in sets if s.name == "piper" for clip in s.clips]
    return run_asr(config, store, sets, hint=hint, say=say,
                   is_command=lambda text: router.is_complete(text) is Completeness.COMMAND,
                   noise=noise_clips(piper, quick=options.quick))


def _live(results: dict[str, Any], config: Any, store: Any, options: Options,
          lab: Any) -> None:
    """Outside in, after the engines of this process are closed (they would compete)."""
    missing = missing_tools()
    if missing or lab is None:
        results["skipped"].append(f"live: {', '.join(missing)} not installed (Debian: "
                                  "apt-get install pulseaudio pulseaudio-utils)" if missing
                                  else "live: no audio lab was started")
        return
    voice = load_synthesizer(config.tts, store, deterministic=True,
                             voice=config.tts.voice or language_of(config).voice)
    requests = [LiveRequest(t.text, t.kind) for t in turn_set(quick=options.quick)]
    live = measure_live(requests, voice, lab=lab, config_path=options.config_path,
                        reps=1 if options.quick else max(1, options.reps // 2),
                        follow_up_ms=config.wake.follow_up_ms, profile=options.profile,
                        say=say)
    results["live"] = live
    figures = live["figures"]
    say(f"outside in: skill {figures['skill']['outside_in_ms']['p50']} ms p50, "
        f"question {figures['llm']['outside_in_ms']['p50']} ms p50")


def _latency(results: dict[str, Any], config: Any, engines: Any, speaking: Any,
             options: Options) -> None:

    runs = run_latency(engines, config, lambda name: speaking, reps=options.reps,
                       quick=options.quick, realtime=options.realtime, say=say)
    figures = latency_figures(runs["turns"])
    results["end_of_speech_to_first_audio_ms"] = figures["end_of_speech_to_first_audio_ms"]
    results["latency"] = {**figures, "pause_ms": runs["pause_ms"], "turn_set": runs["turn_set"],
                          "warmup_turns_not_counted": runs["warmup"], "turns_raw": runs["turns"]}
    replies = sorted({r["reply"] for r in runs["turns"] if r["reply"]})
    synth = synthesis_rtf(engines.voice, replies)
    results["synthesis"] = {**synthesis_figures(synth), "voice": engines.voice.name}
    e2e = figures["end_of_speech_to_first_audio_ms"]
    say(f"end of speech to first audio: skill {e2e['skill']['p50']} ms p50, "
        f"llm {e2e['llm']['p50']} ms p50")


def write_outputs(results: dict[str, Any], out: Path) -> None:
    """results.json, table.md and (when there are latency figures) chart.png; the table
    also goes to stdout."""
    missing = missing_keys(results)
    if missing:
        raise ValueError(f"incomplete benchmark results: missing {', '.join(missing)}")
    out.mkdir(parents=True, exist_ok=True)
    chart = None
    if results.get("latency"):
        try:
            import matplotlib  # noqa: F401 - the bench extra, not a dependency
        except ImportError:
            results["skipped"].append("chart.png: matplotlib is not installed "
                                      "(pip install 'assistant[bench]')")
        else:
            chart = out / "chart.png"
            label = results["machine"]["label"]
            write_chart(chart, results["latency"]["stages_ms"],
                        results["end_of_speech_to_first_audio_ms"],
                        title=f"Where the time goes after the user stops speaking ({label}, "
                        f"{results['options']['reps']} reps, load "
                        f"{results['load_average']['before']})")
    write_json(out / "results.json", results)
    table = table_markdown(results)
    (out / "table.md").write_text(table + "\n", encoding="utf-8")
    print(table)
    print(f"results: {out / 'results.json'}  table: {out / 'table.md'}"
          f"{'  chart: ' + str(chart) if chart else ''}")

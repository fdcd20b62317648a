"""`bench --home`: command latency with each home backend, side by side.

The same spoken commands ("Turn on the kitchen light.", "Set the kitchen light to forty
percent." ...) go through one test-mode session, over the simulated home, a real
Mosquitto broker with devices announced as Zigbee2MQTT announces them, and a real Home
Assistant core, both on loopback (`assistant_bench.mosquitto`, `.home_assistant`, the
harness the tests use). The engines load once; only the skills' home changes. Two
figures per home:

- `spoken_ms`: end of speech to the reply's first audio, as `bench` measures every turn
  (recognition, the skill, the home's answer, synthesis);
- `skill_ms`: the typed command through the skills alone (the intent and the backend's
  round trip: a Home Assistant service call answered when HA has carried it out; an MQTT
  publish acknowledged by the broker, QoS 1).

The target (issue 23) is each real home's p50 within 50 ms of the simulated home's.

The broker and Home Assistant are started by `assistant_bench.home_lab` (see there why
before the network policy when they can be).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.assembly import (
    build_skills,
    load_engines,
    load_synthesizer,
    model_store,
    session_settings,
)
from assistant.config import Config, config_from_dict
from assistant.loop.session import SessionSettings, conversation
from assistant.loop.shared import Engines
from assistant_bench import machine
from assistant_bench.home_lab import Homes
from assistant_bench.report import write_json
from assistant_bench.stats import summarize
from assistant_bench.turns import BenchTurn, CachedVoice, TurnRunner

#: The commands, in an order that changes a state at every turn (the devices start off).
COMMANDS: tuple[tuple[str, str], ...] = (
    ("Turn on the kitchen light.", "HomeTurnOn"),
    ("Set the kitchen light to forty percent.", "HomeSetBrightness"),
    ("Turn off the kitchen light.", "HomeTurnOff"),
    ("Turn on the coffee machine.", "HomeTurnOn"),
    ("Turn off the coffee machine.", "HomeTurnOff"),
)
TYPED_REPS = 10


def run_home_bench(config: Config, *, homes: Homes, notes: list[str], reps: int, out: Path,
                   say: Callable[[str], None]) -> dict[str, Any]:
    """Measure every home in `homes`; write home.json and home.md to `out`."""
    results: dict[str, Any] = {"schema": 1, "homes": {}, "notes": list(notes), "reps": reps,
                               "load_average": {"before": machine.load_average()},
                               "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="assistant-bench-home-") as scratch:
        config = dataclasses.replace(
            config, skills=dataclasses.replace(config.skills,
                                               state_file=str(Path(scratch) / "state.json")))
        with load_engines(config, skills=False) as engines:
            store = model_store(config)
            voice = CachedVoice(load_synthesizer(config.tts, store, deterministic=True,
                                                 voice=engines.language.voice))
            try:
                for name, home in homes.items():
                    say(f"home: {name}")
                    results["homes"][name] = _measure(engines, _with_home(config, home),
                                                      voice, reps=reps, say=say)
            finally:
                voice.close()
    results["load_average"]["after"] = machine.load_average()
    _compare(results)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "home.json", results)
    table = home_table(results)
    (out / "home.md").write_text(table + "\n", encoding="utf-8")
    print(table)
    print(f"results: {out / 'home.json'}  table: {out / 'home.md'}")
    return results


def _with_home(config: Config, home: dict[str, Any]) -> Config:
    return dataclasses.replace(config, home=config_from_dict({"home": home}).home)


def _measure(engines: Engines, config: Config, voice: CachedVoice, *, reps: int,
             say: Callable[[str], None]) -> dict[str, Any]:
    skills = build_skills(config, engines.language)
    skills.start()
    engines.skills = skills
    try:
        typed = _typed(engines, session_settings(config, engines.language))
        turns = [BenchTurn(text, "skill", intent) for text, intent in COMMANDS]
        with TurnRunner(engines, config, lambda name: voice) as runner:
            runner.speak(turns[0], rep=0)
            runner.speak(turns[2], rep=0)  # warm-up, and the light off again
            runner.records.clear()
            for rep in range(1, reps + 1):
                for turn in turns:
                    runner.speak(turn, rep=rep)
                say(f"home: {config.home.backend.value}: repetition {rep}/{reps}")
            records = runner.records
    finally:
        engines.skills = None
        skills.close()
    spoken = [r["latency_ms"].get("end_of_speech_to_first_audio") for r in records]
    return {"spoken_ms": summarize(spoken), "skill_ms": summarize(typed),
            "ok": sum(r["ok"] for r in records), "turns": len(records),
            "failed": [(r["said"], r["heard"], r["reply"]) for r in records if not r["ok"]]}


def _typed(engines: Engines, settings: SessionSettings) -> list[float]:
    """The typed commands through one conversation's skills, milliseconds each."""
    talk = conversation(language=engines.language, chat=None, skills_engine=engines.skills,
                        settings=settings)
    skills = talk.router.skills
    assert skills is not None
    times = []
    for _ in range(TYPED_REPS):
        for text, _intent in COMMANDS:
            start = time.perf_counter()
            skills.respond(text, now=time.monotonic())
            times.append(1000 * (time.perf_counter() - start))
    return times


def _compare(results: dict[str, Any]) -> None:
    """Each home's p50s beside the simulated home's (the issue's target: within 50 ms)."""
    base = results["homes"].get("simulated")
    for home in results["homes"].values():
        for figure in ("spoken_ms", "skill_ms"):
            p50, simulated = home[figure]["p50"], (base or {}).get(figure, {}).get("p50")
            home[f"{figure}_over_simulated"] = None if p50 is None or simulated is None \
                else round(p50 - simulated, 1)


def home_table(results: dict[str, Any]) -> str:
    """The Markdown table of home.json."""
    lines = ["| home | spoken command, end of speech to first audio: p50 (p90) ms | "
             "vs simulated | typed command through the skills: p50 (p90) ms | "
             "vs simulated | turns right |", "|---|---|---|---|---|---|"]
    for name, home in results["homes"].items():
        spoken, typed = home["spoken_ms"], home["skill_ms"]
        lines.append(
            f"| {name} | {spoken['p50']} ({spoken['p90']}) | "
            f"{_signed(home['spoken_ms_over_simulated'])} | {typed['p50']} ({typed['p90']}) | "
            f"{_signed(home['skill_ms_over_simulated'])} | {home['ok']}/{home['turns']} |")
    lines += [f"\n{note}" for note in results["notes"]]
    load = results["load_average"]
    lines.append(f"\n{results['cores']} cores; load average {load['before']} before, "
                 f"{load['after']} after; {results['reps']} repetitions of "
                 f"{len(COMMANDS)} spoken commands, {TYPED_REPS} of the typed ones.")
    return "\n".join(lines)


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f} ms"

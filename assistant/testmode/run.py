"""Run a script end to end: one session on scripted devices over loaded engines, and the
report; the configuration a script runs with, and the voices that speak its turns."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from assistant.config import Config, with_overrides
from assistant.engines.tts import SpeechSynthesizer
from assistant.loop.clock import StreamClock
from assistant.loop.session import Session, SessionSettings
from assistant.loop.shared import Engines
from assistant.testmode.runner import CaptureSink, ScriptRunner
from assistant.testmode.script import Script, Turn


def script_config(config: Config, script: Script, *, out_dir: Path) -> Config:
    """The configuration a script runs with: its `settings` on top, the chat model at
    temperature 0, and the simulated home's state, the alarms, reminders and lists in
    `out_dir`, fresh each run (a script never changes the user's own home or lists;
    its `settings` may name other files, to carry them from one run to the next)."""
    saved = {key: out_dir / name for key, name in (
        ("state_file", "home-state.json"), ("alarms_file", "alarms.json"),
        ("reminders_file", "reminders.json"), ("lists_file", "lists.json"))}
    for path in saved.values():
        path.unlink(missing_ok=True)
    config = dataclasses.replace(
        config, llm=dataclasses.replace(config.llm, temperature=0.0),
        skills=dataclasses.replace(config.skills, state_file=str(saved["state_file"]),
                                   alarms_file=str(saved["alarms_file"]),
                                   reminders_file=str(saved["reminders_file"]),
                                   lists_file=str(saved["lists_file"])))
    return with_overrides(config, script.settings, where=f"{script.path}: settings")


class TestVoices:
    """The voices that speak a script's turns: deterministic (no generator noise), so
    every run hears the same audio; loaded on first use by `load`."""

    def __init__(self, load: Callable[[str], SpeechSynthesizer], *, default: str) -> None:
        """`default`: the voice of turns that name none (the language's)."""
        self._load = load
        self._default = default
        self._voices: dict[str, SpeechSynthesizer] = {}

    def __call__(self, name: str | None) -> SpeechSynthesizer:
        name = name or self._default
        if name not in self._voices:
            self._voices[name] = self._load(name)
        return self._voices[name]

    def close(self) -> None:
        for voice in self._voices.values():
            voice.close()


def run_script(engines: Engines, settings: SessionSettings, script: Script, *,
               voices: TestVoices, out_dir: Path, block_ms: int, realtime: bool = False,
               after_turn: Callable[[Turn], None] | None = None) -> list[dict[str, Any]]:
    """Run every turn of `script` through one session on `engines` and return the report
    rows (the assembly loads the engines: `assistant.assembly.run_test_script`)."""
    clock = StreamClock()
    start_clock = script.clock or datetime.now()

    def wallclock() -> datetime:
        return start_clock + timedelta(seconds=clock.now())

    sink = CaptureSink(engines.voice.rate, start_on_enqueue=not realtime)
    session = Session(engines, sink=sink, clock=clock, wallclock=wallclock, settings=settings)
    phrase = session.phrase or "Hey Jarvis"
    try:
        with session:
            runner = ScriptRunner(session, sink, clock, voices=voices, realtime=realtime,
                                  block_ms=block_ms, out_dir=out_dir, wake_phrase=phrase)
            return runner.run(script, after_turn=after_turn)
    finally:
        clock.close()

"""Run a script end to end: load the engines, one session on scripted devices, the report."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from assistant.assembly import load_engines, load_synthesizer, model_store, session_settings
from assistant.config import Config, with_overrides
from assistant.engines.tts import SpeechSynthesizer
from assistant.loop.clock import StreamClock
from assistant.loop.session import Session
from assistant.testmode.runner import CaptureSink, ScriptRunner
from assistant.testmode.script import Script, Turn


def script_config(config: Config, script: Script, *, out_dir: Path) -> Config:
    """The configuration a script runs with: its `settings` on top, the chat model at
    temperature 0, and the simulated home's state in `out_dir`, fresh each run (a script
    never changes the user's own home)."""
    state = out_dir / "home-state.json"
    state.unlink(missing_ok=True)
    config = dataclasses.replace(
        config, llm=dataclasses.replace(config.llm, temperature=0.0),
        skills=dataclasses.replace(config.skills, state_file=str(state)))
    return with_overrides(config, script.settings, where=f"{script.path}: settings")


class TestVoices:
    """The voices that speak a script's turns: deterministic (no generator noise), so
    every run hears the same audio; loaded on first use."""

    def __init__(self, config: Config, *, default: str) -> None:
        """`default`: the voice of turns that name none (the language's)."""
        self._config = config
        self._default = default
        self._voices: dict[str, SpeechSynthesizer] = {}

    def __call__(self, name: str | None) -> SpeechSynthesizer:
        name = name or self._default
        if name not in self._voices:
            self._voices[name] = load_synthesizer(self._config.tts, model_store(self._config),
                                                  voice=name, deterministic=True)
        return self._voices[name]

    def close(self) -> None:
        for voice in self._voices.values():
            voice.close()


def run_script(config: Config, script: Script, *, out_dir: Path, realtime: bool = False,
               no_wake: bool = False,
               after_turn: Callable[[Turn], None] | None = None) -> list[dict[str, Any]]:
    """Load the engines, run every turn of `script` and return the report rows."""
    out_dir.mkdir(parents=True, exist_ok=True)
    config = script_config(config, script, out_dir=out_dir)
    clock = StreamClock()
    start_clock = script.clock or datetime.now()

    def wallclock() -> datetime:
        return start_clock + timedelta(seconds=clock.now())

    with load_engines(config, wake=not no_wake) as engines:
        voices = TestVoices(config, default=config.tts.voice or engines.language.voice)
        sink = CaptureSink(engines.voice.rate, start_on_enqueue=not realtime)
        settings = session_settings(config, engines.language, wake=not no_wake)
        session = Session(engines, sink=sink, clock=clock, wallclock=wallclock,
                          settings=settings)
        phrase = session.phrase or "Hey Jarvis"
        try:
            with session:
                runner = ScriptRunner(session, sink, clock, voices=voices, realtime=realtime,
                                      block_ms=config.audio.block_ms, out_dir=out_dir,
                                      wake_phrase=phrase)
                return runner.run(script, after_turn=after_turn)
        finally:
            clock.close()
            voices.close()

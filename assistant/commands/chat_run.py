"""The handlers of `assistant.commands.chat`."""

from __future__ import annotations

import argparse
import sys
import time

from assistant.config import Config
from assistant.engines.loader import language_chat, load_chat_model, model_store
from assistant.loop.controls import AssistantControls
from assistant.loop.memory import remember_turn
from assistant.loop.router import Router
from assistant.loop.session import SessionSettings, conversation
from assistant.skills import SkillsEngine


def chat(args: argparse.Namespace, config: Config) -> int:
    llm = language_chat(config, model_store(config))
    model = load_chat_model(llm, model_store(config)) if llm is not None else None
    skills = None if args.no_skills else SkillsEngine.from_config(config.skills)
    try:
        router = conversation(model, skills, SessionSettings.from_config(config),
                              controls=AssistantControls(volume=config.audio.volume))
        if args.text is not None:
            _answer(router, args.text, verbose=args.verbose)
            return 0
        print("Type to the assistant; an empty line or Ctrl-D ends.", file=sys.stderr)
        while True:
            try:
                line = input("> ")
            except EOFError:
                break
            if not line.strip():
                break
            _answer(router, line, verbose=args.verbose)
    finally:
        if model is not None:
            model.close()
    return 0


def _answer(router: Router, text: str, *, verbose: bool) -> None:
    start = time.perf_counter()
    reply = router.respond(text, now=time.monotonic())
    first: float | None = None
    spoken = []
    for piece in reply.pieces:
        if first is None:
            first = time.perf_counter() - start
        spoken.append(piece)
        sys.stdout.write(piece)
        sys.stdout.flush()
    sys.stdout.write("\n")
    answer = "".join(spoken).strip()
    remember_turn(router.memory, route=reply.route, question=text, answer=answer,
                  interrupted=False)
    if verbose:
        first_ms = f"{1000 * first:.0f} ms" if first is not None else "-"
        print(f"# route={reply.route.value} intent={reply.intent} first_piece={first_ms}",
              file=sys.stderr)

"""The handlers of `assistant.commands.chat`."""

from __future__ import annotations

import argparse
import sys

from assistant.config import Config
from assistant.engines.loader import language_chat, load_chat_model, model_store
from assistant.loop.controls import AssistantControls
from assistant.loop.router import Router
from assistant.loop.session import SessionSettings, conversation
from assistant.loop.typed import answer_typed
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
    """Print the reply sentence by sentence, each once the reply guard passed it (as the
    voice would speak it)."""
    printed: list[str] = []

    def show(sentence: str) -> None:
        sys.stdout.write((" " if printed else "") + sentence)
        sys.stdout.flush()
        printed.append(sentence)

    turn = answer_typed(router, text, on_sentence=show)
    sys.stdout.write("\n")
    if verbose:
        first = turn.first_piece_s
        first_ms = f"{1000 * first:.0f} ms" if first is not None else "-"
        guard = turn.guard
        checked = f" guard={guard.verdict.value} {guard.reason}" if guard is not None else ""
        print(f"# route={turn.reply.route.value} intent={turn.reply.intent} "
              f"first_piece={first_ms}{checked}", file=sys.stderr)

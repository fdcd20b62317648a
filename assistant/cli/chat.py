"""`chat`: talk to the assistant by typing (skills and the chat model, streaming); the
engines load when the command runs."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from assistant.config import Config
from assistant.home.allowance import home_allowance

if TYPE_CHECKING:
    from assistant.loop.conversation import Conversation


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "chat", help="type to the assistant (text REPL, streaming answers)",
        description="A text conversation with the assistant: commands go to the skills, "
        "everything else to the chat model, whose answer streams as it is written. "
        "Empty line or Ctrl-D ends the session.")
    parser.add_argument("--text", metavar="TEXT", help="ask one thing, print the answer, exit")
    parser.add_argument("--no-skills", action="store_true",
                        help="send everything to the chat model")
    parser.add_argument("--verbose", action="store_true",
                        help="print the route and the time to the first token")
    parser.set_defaults(handler=chat, network_allowance=home_allowance)


def chat(args: argparse.Namespace, config: Config) -> int:
    from assistant.assembly import (
        build_skills,
        chat_config,
        language_of,
        load_chat_model,
        model_store,
        session_settings,
    )
    from assistant.loop.session import conversation
    from assistant.skills import Capabilities

    language = language_of(config)
    store = model_store(config)
    llm = chat_config(config, language, store)
    model = load_chat_model(llm, store) if llm is not None else None
    skills = None if args.no_skills else build_skills(config, language)
    try:
        if skills is not None:
            skills.start()
        # a terminal has no speaker: the skills do not start a timer that could not ring
        talk = conversation(language=language, chat=model, skills_engine=skills,
                            settings=session_settings(config, language),
                            capabilities=Capabilities(speaker=False))
        if args.text is not None:
            _answer(talk, args.text, verbose=args.verbose)
            return 0
        print("Type to the assistant; an empty line or Ctrl-D ends.", file=sys.stderr)
        while True:
            try:
                line = input("> ")
            except EOFError:
                break
            if not line.strip():
                break
            _answer(talk, line, verbose=args.verbose)
    finally:
        if skills is not None:
            skills.close()
        if model is not None:
            model.close()
    return 0


def _answer(talk: Conversation, text: str, *, verbose: bool) -> None:
    """Print the reply sentence by sentence, each once the reply guard passed it (as the
    voice would speak it)."""
    start = time.perf_counter()
    first: list[float] = []

    def on_piece(piece: str) -> None:
        if not first:
            first.append(time.perf_counter() - start)

    answer = talk.answer(text, now=time.monotonic())
    for sentence in answer.sentences(on_piece=on_piece):
        sys.stdout.write(("" if len(answer.written) == 1 else " ") + sentence)
        sys.stdout.flush()
    sys.stdout.write("\n")
    answer.finish()
    if verbose:
        guard = answer.guard
        first_ms = f"{1000 * first[0]:.0f} ms" if first else "-"
        checked = f" guard={guard.verdict.value} {guard.reason}" if guard is not None else ""
        print(f"# route={answer.route.value} intent={answer.intent} source={answer.source} "
              f"first_piece={first_ms}{checked}", file=sys.stderr)

"""`chat`: talk to the assistant by typing (skills and the chat model, streaming); the
engines load when the command runs."""

from __future__ import annotations

import argparse
import sys
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
        knowledge_parts,
        load_chat,
        model_store,
        session_settings,
        spoken_languages,
    )
    from assistant.loop.session import conversation
    from assistant.loop.shared import Tongue
    from assistant.skills import Capabilities

    language, *more = spoken_languages(config)
    store = model_store(config)
    llm = chat_config(config, [language, *more], store)
    model = load_chat(config.llm, llm, store)
    known = None if args.no_skills else knowledge_parts(config, [language, *more], store,
                                                         background=False)
    skills = None if args.no_skills else build_skills(config, language, store=store,
                                                      knowledge=known)
    others = [Tongue(other, build_skills(config, other, store=store, sharing=skills,
                                         knowledge=known)
                     if skills is not None else None) for other in more]
    every = [engine for engine in (skills, *(t.skills for t in others)) if engine is not None]
    try:
        for engine in every:
            engine.start()
        # a terminal has no speaker: the skills do not start a timer that could not ring
        talk = conversation(language=language, chat=model, skills_engine=skills,
                            settings=session_settings(config, language),
                            capabilities=Capabilities(speaker=False), others=others)
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
        for engine in every:
            engine.close()
        if model is not None:
            model.close()
    return 0


def _answer(talk: Conversation, text: str, *, verbose: bool) -> None:
    """Print the reply sentence by sentence, each once the reply guard passed it (as the
    voice would speak it)."""
    from assistant.loop.typed import answer_typed

    printed: list[str] = []

    def show(sentence: str) -> None:
        sys.stdout.write((" " if printed else "") + sentence)
        sys.stdout.flush()
        printed.append(sentence)

    turn = answer_typed(talk, text, on_sentence=show)
    sys.stdout.write("\n")
    if verbose:
        guard = turn.guard
        first_ms = f"{1000 * turn.first_piece_s:.0f} ms" if turn.first_piece_s is not None else "-"
        checked = f" guard={guard.verdict.value} {guard.reason}" if guard is not None else ""
        print(f"# route={turn.route.value} intent={turn.answer.intent} "
              f"source={turn.answer.source} first_piece={first_ms}{checked}", file=sys.stderr)

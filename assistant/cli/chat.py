"""`chat`: talk to the assistant by typing (skills and the chat model, streaming); the
engines load when the command runs."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from assistant.config import Config

if TYPE_CHECKING:
    from assistant.loop.router import Reply, Router


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
    parser.set_defaults(handler=chat)


def chat(args: argparse.Namespace, config: Config) -> int:
    from assistant.assembly import language_chat, load_chat_model, model_store
    from assistant.loop.controls import AssistantControls
    from assistant.loop.session import SessionSettings, conversation
    from assistant.skills import SkillsEngine

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
    from assistant.loop.memory import remember_turn
    from assistant.loop.sentences import SentenceSplitter

    start = time.perf_counter()
    reply = router.respond(text, now=time.monotonic())
    first: float | None = None
    spoken: list[str] = []
    splitter = SentenceSplitter()
    try:
        for piece in reply.pieces:
            if first is None:
                first = time.perf_counter() - start
            if not _print_checked(splitter.push(piece), reply, spoken):
                break
        else:
            _print_checked(splitter.flush(), reply, spoken)
    finally:
        reply.pieces.close()
    sys.stdout.write("\n")
    guard = reply.guard
    remember_turn(router.memory, route=reply.route, question=text, answer=" ".join(spoken),
                  interrupted=False, guard_failed=guard is not None and guard.failed)
    if verbose:
        first_ms = f"{1000 * first:.0f} ms" if first is not None else "-"
        checked = f" guard={guard.verdict.value} {guard.reason}" if guard is not None else ""
        print(f"# route={reply.route.value} intent={reply.intent} first_piece={first_ms}"
              f"{checked}", file=sys.stderr)


def _print_checked(sentences: list[str], reply: Reply, spoken: list[str]) -> bool:
    """Print what the guard lets through; False once the reply has ended."""
    from assistant.loop.reply_guard import guarded

    for sentence in guarded(sentences, reply.guard):
        sys.stdout.write(("" if not spoken else " ") + sentence)
        sys.stdout.flush()
        spoken.append(sentence)
    return reply.guard is None or not reply.guard.done

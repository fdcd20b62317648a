"""`chat`: talk to the assistant by typing (skills and the chat model, streaming)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from assistant.config import Config


def register(subparsers: Any) -> None:
    chat = subparsers.add_parser(
        "chat", help="type to the assistant (text REPL, streaming answers)",
        description="A text conversation with the assistant: commands go to the skills, "
        "everything else to the chat model, whose answer streams as it is written. "
        "Empty line or Ctrl-D ends the session.")
    chat.add_argument("--text", metavar="TEXT", help="ask one thing, print the answer, exit")
    chat.add_argument("--no-skills", action="store_true",
                      help="send everything to the chat model")
    chat.add_argument("--verbose", action="store_true",
                      help="print the route and the time to the first token")
    chat.set_defaults(handler=_chat)


def _chat(args: argparse.Namespace, config: Config) -> int:
    from assistant.assembly import build_router

    router = build_router(config, skills=not args.no_skills)
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
    return 0


def _answer(router: Any, text: str, *, verbose: bool) -> None:
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
    router.remember(text, answer)
    if verbose:
        first_ms = f"{1000 * first:.0f} ms" if first is not None else "-"
        print(f"# route={reply.route} intent={reply.intent} first_piece={first_ms}",
              file=sys.stderr)

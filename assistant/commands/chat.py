"""`chat`: talk to the assistant by typing (skills and the chat model, streaming).

The handler is in `assistant.commands.chat_run` (imported when the command runs)."""

from __future__ import annotations

from typing import Any

from assistant.commands import lazy
from assistant.home.allowance import home_allowance


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
    chat.set_defaults(handler=lazy("assistant.commands.chat_run:chat"),
                      network_allowance=home_allowance)

"""Starting a command the way a shell script's `cmd &` or a CI runner starts it: with SIGINT
ignored, which a Python child inherits (it then installs no KeyboardInterrupt handler of
its own). A command that documents Ctrl-C must still stop on SIGINT when started so."""

from __future__ import annotations

from collections.abc import Sequence


def sigint_ignored(argv: Sequence[str]) -> list[str]:
    """`argv` run through sh with SIGINT ignored; `exec` keeps the process id, so a signal
    sent to the Popen reaches the command itself."""
    return ["sh", "-c", "trap '' INT; exec \"$@\"", "sh", *argv]

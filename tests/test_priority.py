"""The assistant's priority over background work, tried in child processes (so this
test process keeps its own): raised where the system allows, never against a user who
started it with `nice`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CHILD = ("import os, threading; from assistant.sound.priority import raise_process_priority;"
         "raised = raise_process_priority(); seen = [];"
         "t = threading.Thread(target=lambda: seen.append(os.getpriority(os.PRIO_PROCESS, 0)));"
         "t.start(); t.join(); print(raised, os.getpriority(os.PRIO_PROCESS, 0), seen[0])")


def child(*prefix: str) -> list[str]:
    result = subprocess.run([*prefix, sys.executable, "-c", CHILD], capture_output=True,
                            text=True, timeout=60, env=os.environ.copy(), check=True)
    return result.stdout.split()


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="not Unix")
def test_raised_where_allowed_and_inherited_by_new_threads() -> None:
    raised, nice, thread_nice = child()
    if raised == "True":  # root, CAP_SYS_NICE or an RLIMIT_NICE
        assert nice == thread_nice == "-10"
    else:  # an ordinary user: refused, nothing changes
        assert nice == thread_nice == "0"


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="not Unix")
def test_a_nice_value_of_the_users_own_stands() -> None:
    assert child("nice", "-n", "5") == ["False", "5", "5"]

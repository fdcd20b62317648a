"""`assistant run` as a subprocess in the audio lab, with its `--verbose` turns parsed."""

from __future__ import annotations

import ast
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from assistant_bench.lab import AudioLab

T = TypeVar("T")


class LabError(AssertionError):
    """The assistant under test did not do what was waited for (its output attached)."""


_HEARD = re.compile(r"^heard: (?P<text>'.*'|\".*\") -> (?P<route>[\w-]+)(?::(?P<intent>\S+))?"
                    r"(?P<interrupted> \(interrupted\))?$")
_LATENCY = re.compile(r"(\w+)=(-?\d+)")


@dataclass
class Turn:
    """One `--verbose` turn: the `heard:`, `reply:` and `latency ms:` lines."""

    heard: str
    route: str
    intent: str | None
    interrupted: bool
    reply: str = ""
    latency_ms: dict[str, int] = field(default_factory=dict)


class AssistantProcess:
    """`python -m assistant [global] run ARGS` in the lab; stdout/stderr collected live."""

    def __init__(self, lab: AudioLab, args: Sequence[str], *, cwd: Path,
                 global_args: Sequence[str] = (), prefix: Sequence[str] = (),
                 env: Mapping[str, str] | None = None) -> None:
        """`env`: the process environment (default: the lab's; `lab.room_env()` puts the
        assistant in the lab's room)."""
        self.command = [*prefix, sys.executable, "-m", "assistant", *global_args, "run", *args]
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.last_turn_at: float | None = None
        """`time.monotonic()` when the last turn's `latency ms:` line came."""
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(self.command, cwd=cwd, env=dict(env or lab.env), text=True,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.stdout),
                             daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr),
                             daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, pipe: object, lines: list[str]) -> None:
        for line in pipe:  # type: ignore[attr-defined]
            with self._cond:
                lines.append(line.rstrip("\n"))
                if line.startswith("latency ms: "):
                    self.last_turn_at = time.monotonic()
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        with self._cond:
            return ("--- stdout\n" + "\n".join(self.stdout) + "\n--- stderr\n"
                    + "\n".join(self.stderr[-60:]))

    def wait_for_line(self, pattern: str, *, timeout: float, start: int = 0,
                      stream: str = "stdout") -> int:
        """Index of the first `stream` line from `start` on matching the regex `pattern`.

        Raises LabError (with the output) on timeout or when the process exits first."""
        regex = re.compile(pattern)
        lines = self.stdout if stream == "stdout" else self.stderr

        def match() -> int | None:
            return next((i for i in range(start, len(lines)) if regex.search(lines[i])), None)

        return self._wait_until(match, f"printing /{pattern}/", timeout=timeout)

    def _wait_until(self, found: Callable[[], T | None], what: str, *, timeout: float) -> T:
        """`found()`'s first result that is not None, checked whenever output arrives.

        Raises LabError (with the output) on timeout or when the process exits first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = found()
                if result is not None:
                    return result
                exited = self.proc.poll() is not None and not any(
                    r.is_alive() for r in self._readers)
                left = deadline - time.monotonic()
                if exited or left <= 0:
                    why = "exited" if exited else f"timed out after {timeout:.0f} s"
                    raise LabError(f"`assistant run` {why} before {what}\n" + self.output())
                self._cond.wait(timeout=min(left, 0.5))

    def wait_listening(self, *, timeout: float = 120.0, start: int = 0) -> int:
        return self.wait_for_line(r"\blistening\b", timeout=timeout, start=start)

    def turns(self) -> list[Turn]:
        with self._cond:
            lines = list(self.stdout)
        turns: list[Turn] = []
        for line in lines:
            heard = _HEARD.match(line)
            if heard:
                turns.append(Turn(heard=ast.literal_eval(heard["text"]), route=heard["route"],
                                  intent=heard["intent"],
                                  interrupted=bool(heard["interrupted"])))
            elif turns and line.startswith("reply: "):
                turns[-1].reply = ast.literal_eval(line[len("reply: "):])
            elif turns and line.startswith("latency ms: "):
                turns[-1].latency_ms = {k: int(v) for k, v in _LATENCY.findall(line)}
        return turns

    def wait_turn(self, number: int, *, timeout: float) -> Turn:
        """The `number`-th turn (1-based) once its `latency ms:` line was printed."""

        def finished() -> Turn | None:
            turns = self.turns()
            done = len(turns) >= number and turns[number - 1].latency_ms
            return turns[number - 1] if done else None

        return self._wait_until(finished, f"finishing turn {number}", timeout=timeout)

    def wait_follow_up_over(self, follow_up_ms: int) -> None:
        """Sleep until the follow-up window after the last reply has closed (the next
        request then starts with the wake word from idle, as a new conversation)."""
        if self.last_turn_at is not None:
            time.sleep(max(0.0, self.last_turn_at + follow_up_ms / 1000 + 1.0
                           - time.monotonic()))

    def wait_exit(self, *, timeout: float) -> int | None:
        """The exit status, or None if it did not exit within `timeout` s."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        for reader in self._readers:
            reader.join(timeout=5)
        return code

    def close(self) -> None:
        """Make sure the process is gone (SIGTERM, then SIGKILL); for teardown."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            if self.wait_exit(timeout=20) is None:
                self.proc.kill()
                self.proc.wait()
        for reader in self._readers:
            reader.join(timeout=5)

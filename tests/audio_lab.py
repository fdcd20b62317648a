"""A private PulseAudio daemon with a virtual microphone and speaker, for the live tests.

`AudioLab` starts the daemon described in /work/shared/AUDIO-LAB.md in a fresh runtime
directory (its own XDG_RUNTIME_DIR, HOME and PULSE_SERVER, so nothing touches a user's
daemon or config): `play` feeds the microphone (`mic_feed` -> `virtual_mic`), `record`
captures the speaker (`assistant_out.monitor`). `AssistantProcess` runs `assistant run` as
a subprocess against it and parses its `--verbose` turn lines.

Everything is skipped with a clear reason when PulseAudio or PortAudio is missing,
unless ASSISTANT_REQUIRE_MODELS=1 (CI), where a missing piece is a failure.
"""

from __future__ import annotations

import ast
import contextlib
import ctypes.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest

from assistant.audio import Audio
from assistant.wav import write_wav

SPEAKER_SINK = "assistant_out"
MIC_SINK = "mic_feed"
MIC_SOURCE = "virtual_mic"
RECORD_RATE_HZ = 16000
SOUND_DBFS = -50.0
"""A 50 ms window louder than this counts as sound (the null sink records digital zeros
when the assistant is quiet, so any speech is far above it)."""

LAB_TOOLS = ("pulseaudio", "pactl", "paplay", "parec")
T = TypeVar("T")


def require_audio_lab() -> None:
    """Skip (or fail under ASSISTANT_REQUIRE_MODELS=1) when the lab cannot run here."""
    missing = [tool for tool in LAB_TOOLS if shutil.which(tool) is None]
    problems = []
    if missing:
        problems.append(f"{', '.join(missing)} not installed (Debian: apt-get install "
                        "pulseaudio pulseaudio-utils libasound2-plugins)")
    if ctypes.util.find_library("portaudio") is None:
        problems.append("PortAudio not installed (Debian: apt-get install libportaudio2)")
    if problems:
        message = "live audio tests need a private PulseAudio daemon: " + "; ".join(problems)
        if os.environ.get("ASSISTANT_REQUIRE_MODELS") == "1":
            pytest.fail(message)
        pytest.skip(message)


class AudioLab:
    """One private PulseAudio daemon; `start()`/`stop()` or use as a context manager."""

    def __init__(self) -> None:
        # A short path of its own: the daemon's socket path must stay under 108 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="audio-lab-"))
        self.runtime_dir = self.root / "run"
        self.home = self.root / "home"
        self.runtime_dir.mkdir(mode=0o700)
        self.home.mkdir()
        self.env = dict(os.environ)
        self.env.update({
            "XDG_RUNTIME_DIR": str(self.runtime_dir),
            "PULSE_SERVER": f"unix:{self.runtime_dir}/pulse/native",
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_STATE_HOME": str(self.home / ".local" / "state"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "PYTHONUNBUFFERED": "1",
        })
        for name in ("PULSE_COOKIE", "PULSE_SINK", "PULSE_SOURCE", "ALSA_CONFIG_PATH"):
            self.env.pop(name, None)

    def __enter__(self) -> AudioLab:
        try:
            self.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- the daemon ---------------------------------------------------------------------

    def start(self, *, timeout: float = 15.0) -> None:
        """Start the daemon (again, after `kill_daemon`) and wait until `pactl info` answers."""
        daemon = subprocess.run(
            ["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "--disallow-exit", "-n",
             "--load=module-native-protocol-unix",
             f"--load=module-null-sink sink_name={SPEAKER_SINK}",
             f"--load=module-null-sink sink_name={MIC_SINK}",
             f"--load=module-remap-source source_name={MIC_SOURCE} master={MIC_SINK}.monitor"],
            env=self.env, capture_output=True, text=True, timeout=timeout)
        if daemon.returncode != 0:
            raise RuntimeError(f"pulseaudio did not start (status {daemon.returncode}): "
                               f"{daemon.stderr.strip()}")
        deadline = time.monotonic() + timeout
        while True:
            info = subprocess.run(["pactl", "info"], env=self.env, capture_output=True,
                                  text=True, timeout=timeout)
            if info.returncode == 0 and f"Default Sink: {SPEAKER_SINK}" in info.stdout:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"PulseAudio did not answer `pactl info`: {info.stderr}")
            time.sleep(0.1)

    def daemon_pid(self) -> int | None:
        try:
            return int((self.runtime_dir / "pulse" / "pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def kill_daemon(self, *, timeout: float = 10.0) -> None:
        """`pulseaudio --kill`, then SIGKILL whatever is left; waits until it is gone."""
        pid = self.daemon_pid()
        subprocess.run(["pulseaudio", "--kill"], env=self.env, capture_output=True,
                       timeout=timeout)
        if pid is None:
            return
        deadline = time.monotonic() + timeout
        while _alive(pid):
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                deadline = time.monotonic() + timeout
            time.sleep(0.05)

    def stop(self) -> None:
        self.kill_daemon()

    # -- the virtual microphone and speaker -------------------------------------------------

    def play(self, audio: Audio | Path, *, timeout: float = 60.0) -> None:
        """Say `audio` into the virtual microphone; returns when it has been played."""
        path = audio if isinstance(audio, Path) else self._write_clip(audio)
        subprocess.run(["paplay", f"--device={MIC_SINK}", str(path)], env=self.env, check=True,
                       capture_output=True, timeout=timeout)

    @contextlib.contextmanager
    def record(self, wav_path: Path | None = None) -> Iterator[Recording]:
        """Record the virtual speaker for the duration of the block (and save it as a WAV)."""
        recording = Recording(self.env)
        try:
            yield recording
        finally:
            recording.stop()
            if wav_path is not None:
                write_wav(wav_path, recording.audio())

    def _write_clip(self, audio: Audio) -> Path:
        handle, name = tempfile.mkstemp(suffix=".wav", dir=self.root)
        os.close(handle)
        return write_wav(name, audio)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is gone for our purposes
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class Recording:
    """The speaker monitor as 16 kHz mono, growing live (parec into memory).

    Its timeline follows the wall clock: the null sink plays digital silence while the
    assistant is quiet, so `seconds` is also "how long we have been recording".
    """

    def __init__(self, env: dict[str, str]) -> None:
        self._pcm = bytearray()
        self._lock = threading.Lock()
        self._proc = subprocess.Popen(
            ["parec", f"--device={SPEAKER_SINK}.monitor", "--format=s16le",
             f"--rate={RECORD_RATE_HZ}", "--channels=1", "--latency-msec=20"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._reader = threading.Thread(target=self._read, name="parec-reader", daemon=True)
        self._reader.start()
        if not self.wait_seconds(0.2, timeout=10.0):
            self.stop()
            raise RuntimeError("parec delivered no audio from the speaker monitor")

    def _read(self) -> None:
        assert self._proc.stdout is not None
        while chunk := self._proc.stdout.read1(4096):  # type: ignore[attr-defined]
            with self._lock:
                self._pcm += chunk

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._reader.join(timeout=5)

    @property
    def seconds(self) -> float:
        with self._lock:
            return len(self._pcm) // 2 / RECORD_RATE_HZ

    def audio(self, start_s: float = 0.0, end_s: float | None = None) -> Audio:
        with self._lock:
            pcm = bytes(self._pcm[: len(self._pcm) // 2 * 2])
        start = int(start_s * RECORD_RATE_HZ) * 2
        end = len(pcm) if end_s is None else int(end_s * RECORD_RATE_HZ) * 2
        return Audio(pcm[start:end], RECORD_RATE_HZ)

    def sound_spans(self, start_s: float = 0.0, *, gap_s: float = 0.8) -> list[tuple[float, float]]:
        """(start, end) seconds of sound after `start_s`; pauses shorter than `gap_s` joined."""
        return sound_spans(self.audio(start_s), offset_s=start_s, gap_s=gap_s)

    def wait_seconds(self, seconds: float, *, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.seconds < seconds:
            if time.monotonic() > deadline or self._proc.poll() is not None:
                return False
            time.sleep(0.02)
        return True

    def wait_for_sound(self, after_s: float, *, timeout: float) -> float | None:
        """When sound first came after `after_s` (recording time), None on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            spans = self.sound_spans(after_s)
            if spans:
                return spans[0][0]
            time.sleep(0.1)
        return None

    def wait_for_quiet(self, after_s: float, *, quiet_s: float, timeout: float) -> bool:
        """Wait until the last `quiet_s` seconds after `after_s` held no sound."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = self.seconds
            if now - after_s >= quiet_s and not self.sound_spans(max(after_s, now - quiet_s)):
                return True
            time.sleep(0.1)
        return False


def sound_spans(audio: Audio, *, offset_s: float = 0.0, gap_s: float = 0.8,
                window_ms: int = 50) -> list[tuple[float, float]]:
    """Stretches of sound in `audio` (seconds from `offset_s`), short pauses joined."""
    samples = audio.to_float()[:, 0]
    size = int(audio.rate * window_ms / 1000)
    count = len(samples) // size
    if count == 0:
        return []
    windows = samples[: count * size].reshape(count, size).astype(np.float64)
    power = np.mean(np.square(windows), axis=1)
    loud = 10.0 * np.log10(np.maximum(power, 1e-12)) > SOUND_DBFS
    spans: list[tuple[float, float]] = []
    for i in np.flatnonzero(loud):
        start, end = offset_s + i * window_ms / 1000, offset_s + (i + 1) * window_ms / 1000
        if spans and start - spans[-1][1] < gap_s:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


# -- `assistant run` as a subprocess -----------------------------------------------------------

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
                 global_args: Sequence[str] = (), prefix: Sequence[str] = ()) -> None:
        self.command = [*prefix, sys.executable, "-m", "assistant", *global_args, "run", *args]
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.last_turn_at: float | None = None
        """`time.monotonic()` when the last turn's `latency ms:` line came."""
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(self.command, cwd=cwd, env=lab.env, text=True,
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

        Fails the test (with the output) on timeout or when the process exits first."""
        regex = re.compile(pattern)
        lines = self.stdout if stream == "stdout" else self.stderr

        def match() -> int | None:
            return next((i for i in range(start, len(lines)) if regex.search(lines[i])), None)

        return self._wait_until(match, f"printing /{pattern}/", timeout=timeout)

    def _wait_until(self, found: Callable[[], T | None], what: str, *, timeout: float) -> T:
        """`found()`'s first result that is not None, checked whenever output arrives.

        Fails the test (with the output) on timeout or when the process exits first."""
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
                    pytest.fail(f"`assistant run` {why} before {what}\n" + self.output())
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

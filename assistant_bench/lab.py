"""A private PulseAudio daemon with virtual devices: real audio on a machine with none.

`AudioLab` starts a daemon of its own (its own XDG_RUNTIME_DIR, HOME and PULSE_SERVER, so
nothing touches a user's sound server) with three null sinks:

- `assistant_out`, the default speaker, and `mic_feed`, whose monitor is the default
  microphone `virtual_mic`: what `play` says goes only to the assistant, what it
  answers can be recorded alone (`record`);
- `room`, with the microphone `room_mic` on its monitor: a room in which the user's
  voice and the assistant's reply meet. Run the assistant with `room_env()` and record
  `room.monitor`: the user's last sound and the reply's first sound are on one
  recording, one clock, as a person standing in the room hears them.

Used by the live tests and by `assistant bench --live` (outside-in latency). Needs the
Debian packages pulseaudio and pulseaudio-utils (paplay, parec, pactl).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from assistant.audio import Audio
from assistant.wav import write_wav

SPEAKER_SINK = "assistant_out"
MIC_SINK = "mic_feed"
MIC_SOURCE = "virtual_mic"
ROOM_SINK = "room"
ROOM_SOURCE = "room_mic"
RECORD_RATE_HZ = 16000
SOUND_DBFS = -50.0
"""A window louder than this counts as sound (the null sinks carry digital zeros when
nobody speaks, so any speech is far above it)."""
LAB_TOOLS = ("pulseaudio", "pactl", "paplay", "parec")


def missing_tools() -> list[str]:
    return [tool for tool in LAB_TOOLS if shutil.which(tool) is None]


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
             f"--load=module-remap-source source_name={MIC_SOURCE} master={MIC_SINK}.monitor",
             f"--load=module-null-sink sink_name={ROOM_SINK}",
             f"--load=module-remap-source source_name={ROOM_SOURCE} master={ROOM_SINK}.monitor"],
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

    def room_env(self) -> dict[str, str]:
        """The environment for a process that listens and speaks in the room."""
        return {**self.env, "PULSE_SINK": ROOM_SINK, "PULSE_SOURCE": ROOM_SOURCE}

    def play(self, audio: Audio | Path, *, timeout: float = 60.0, sink: str = MIC_SINK) -> None:
        """Say `audio` into the virtual microphone (or `sink`); returns once played."""
        path = audio if isinstance(audio, Path) else self._write_clip(audio)
        subprocess.run(["paplay", f"--device={sink}", str(path)], env=self.env, check=True,
                       capture_output=True, timeout=timeout)

    @contextlib.contextmanager
    def record(self, wav_path: Path | None = None, *,
               sink: str = SPEAKER_SINK) -> Iterator[Recording]:
        """Record the virtual speaker (or `sink`) for the duration of the block (and save
        it as a WAV)."""
        recording = Recording(self.env, sink=sink)
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
    """A sink's monitor as 16 kHz mono, growing live (parec into memory).

    Its timeline follows the wall clock: the null sink plays digital silence while
    nothing sounds, so `seconds` is also "how long we have been recording". Waits are on
    a condition the reader notifies with every chunk (about 20 ms of audio).
    """

    def __init__(self, env: dict[str, str], *, sink: str = SPEAKER_SINK) -> None:
        self._pcm = bytearray()
        self._grown = threading.Condition()
        self._proc = subprocess.Popen(
            ["parec", f"--device={sink}.monitor", "--format=s16le",
             f"--rate={RECORD_RATE_HZ}", "--channels=1", "--latency-msec=20"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._reader = threading.Thread(target=self._read, name="parec-reader", daemon=True)
        self._reader.start()
        if not self.wait_seconds(0.2, timeout=10.0):
            self.stop()
            raise RuntimeError("parec delivered no audio from the sink's monitor")

    def _read(self) -> None:
        assert self._proc.stdout is not None
        while chunk := self._proc.stdout.read1(4096):  # type: ignore[attr-defined]
            with self._grown:
                self._pcm += chunk
                self._grown.notify_all()
        with self._grown:
            self._grown.notify_all()

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
        with self._grown:
            return len(self._pcm) // 2 / RECORD_RATE_HZ

    def audio(self, start_s: float = 0.0, end_s: float | None = None) -> Audio:
        """The recording from `start_s` to `end_s` (seconds; None = what there is)."""
        with self._grown:
            pcm = bytes(self._pcm[: len(self._pcm) // 2 * 2])
        start = 2 * int(start_s * RECORD_RATE_HZ)
        end = len(pcm) if end_s is None else 2 * int(end_s * RECORD_RATE_HZ)
        return Audio(pcm[start:end], RECORD_RATE_HZ)

    def sound_spans(self, start_s: float = 0.0, *, gap_s: float = 0.8) -> list[tuple[float, float]]:
        """(start, end) seconds of sound after `start_s`; pauses shorter than `gap_s` joined."""
        return sound_spans(self.audio(start_s), offset_s=start_s, gap_s=gap_s)

    def _wait(self, done: Callable[[], bool], timeout: float) -> bool:
        """Until `done()` (checked as audio arrives); False on timeout or if parec died."""
        deadline = time.monotonic() + timeout
        with self._grown:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0 or not self._reader.is_alive():
                    return False
                self._grown.wait(timeout=left)
        return True

    def wait_seconds(self, seconds: float, *, timeout: float) -> bool:
        return self._wait(lambda: len(self._pcm) // 2 / RECORD_RATE_HZ >= seconds, timeout)

    def wait_for_sound(self, after_s: float, *, timeout: float) -> float | None:
        """When sound first came after `after_s` (recording time), None on timeout."""
        found: list[float] = []

        def heard() -> bool:
            if not found:
                spans = self.sound_spans(after_s)
                found.extend(span[0] for span in spans[:1])
            return bool(found)

        return found[0] if self._wait(heard, timeout) else None

    def wait_for_quiet(self, after_s: float, *, quiet_s: float, timeout: float) -> bool:
        """Wait until the last `quiet_s` seconds after `after_s` held no sound."""
        def quiet() -> bool:
            now = self.seconds
            return now - after_s >= quiet_s and not self.sound_spans(max(after_s, now - quiet_s))

        return self._wait(quiet, timeout)


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

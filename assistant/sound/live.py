"""The real microphone and speaker (sounddevice/PortAudio) for `assistant run`.

Both PortAudio callbacks only copy samples and take no Python lock: the microphone's
puts its block on a `SimpleQueue` (C, lock-free for the caller), the speaker's copies
from a preallocated `RingBuffer` and posts its position. A feeder thread per speaker
moves queued reply audio into the ring, and calls the "first sample played" callbacks
once the device has really played that sample, so the device can run with a small
buffer: what it holds ahead is the whole delay between a reply being ready and being
heard. The callbacks and the feeder ask for real-time scheduling where the system
grants it (`sound.priority`). Devices run at their own rate; audio is resampled with
soxr on the way in and out.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from assistant.audio import Audio, StreamResampler
from assistant.errors import AudioDeviceError
from assistant.loop.output import BufferedSink
from assistant.sound.devices import DeviceInfo, resolve_device, sounddevice
from assistant.sound.priority import raise_audio_priority
from assistant.sound.ring import RingBuffer

log = logging.getLogger(__name__)

OUTPUT_BUFFER_MS = 60
"""Audio the sound card holds ahead of the speaker (PortAudio's suggested latency): the
delay before a reply is heard and before a barge-in cuts it. The callback takes no lock,
so it is not late when both cores are busy (see README: no gaps under a CPU hog)."""
RING_MS = 500
"""Reply audio the feeder keeps ready for the callback."""
MIC_QUEUE_BLOCKS = 100
"""Microphone blocks (3 s of 30 ms blocks) waiting at most; beyond that the oldest go."""


class MicrophoneSource:
    """An input stream whose callback queues raw blocks; `blocks()` yields 16 kHz audio."""

    def __init__(self, device: str | int | None = None, *, block_ms: int = 30) -> None:
        self.info: DeviceInfo = resolve_device(device, "input")
        self._block_ms = block_ms
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._stream: Any = None
        self._stopping = False
        self.overflows = 0

    def start(self) -> None:
        """Open the device; after `stop` this opens it again (a fresh queue)."""
        sd = sounddevice()
        blocks: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._queue = blocks
        self._stopping = False

        first = [True]

        def callback(indata: Any, frames: int, time_info: Any, status: Any) -> None:
            if first[0]:
                first[0] = False
                raise_audio_priority()
            if status:
                self.overflows += 1
            blocks.put(bytes(indata))

        try:
            self._stream = sd.RawInputStream(
                device=self.info.index, samplerate=self.info.rate, channels=1, dtype="int16",
                blocksize=int(self.info.rate * self._block_ms / 1000), callback=callback,
                finished_callback=lambda: blocks.put(None))
            self._stream.start()
        except (sd.PortAudioError, ValueError) as error:
            raise AudioDeviceError(f"cannot open microphone {self.info.name!r}: {error}") from None

    def blocks(self) -> Iterator[Audio]:
        """Blocks at 16 kHz until `stop()`; raises if the device stops by itself."""
        resample = StreamResampler(self.info.rate)
        blocks = self._queue
        while (data := blocks.get()) is not None:
            if blocks.qsize() > MIC_QUEUE_BLOCKS:  # fell behind: keep the newest audio
                while blocks.qsize() > MIC_QUEUE_BLOCKS // 2 and blocks.get() is not None:
                    self.overflows += 1
            yield resample(Audio(data, self.info.rate))
        if not self._stopping:
            raise AudioDeviceError(f"microphone {self.info.name!r} stopped delivering audio "
                                   "(unplugged?)")

    def stop(self) -> None:
        """Close the device; `blocks()` ends (safe from a signal handler's thread)."""
        self._stopping = True
        self._queue.put(None)
        if self.overflows:
            log.debug("microphone %r: %d overflows", self.info.name, self.overflows)
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception as error:  # noqa: BLE001 - closing a dead device
                log.debug("closing microphone: %s", error)


class SoundDeviceSink(BufferedSink):
    """A speaker: reply audio goes through a ring buffer to the device's callback."""

    def __init__(self, device: str | int | None = None, *, block_ms: int = 10,
                 buffer_ms: int = OUTPUT_BUFFER_MS) -> None:
        self.info: DeviceInfo = resolve_device(device, "output")
        super().__init__(self.info.rate)
        self._block = max(1, int(self.rate * block_ms / 1000))
        self._buffer_s = buffer_ms / 1000.0
        self._ring = RingBuffer(int(self.rate * RING_MS / 1000))
        self._ticks: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._markers: deque[tuple[int, Callable[[], None]]] = deque()
        self._stream: Any = None
        self._feeder: threading.Thread | None = None
        self.underflows = 0

    def start(self) -> None:
        """Open the device and start the feeder; after `stop` this opens it again."""
        sd = sounddevice()
        ticks: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._ticks = ticks  # a fresh queue: nothing left over from a dead stream
        ring = self._ring
        first = [True]

        def callback(outdata: Any, frames: int, time_info: Any, status: Any) -> None:
            if first[0]:
                first[0] = False
                raise_audio_priority()
            if status.output_underflow:
                self.underflows += 1
            ring.read_into(outdata[:, 0])
            ticks.put(ring.read_position)

        self._feeder = threading.Thread(target=self._feed, name="speaker-feeder", daemon=True)
        self._feeder.start()
        try:
            self._stream = sd.OutputStream(
                device=self.info.index, samplerate=self.rate, channels=1, dtype="int16",
                blocksize=self._block, latency=self._buffer_s, callback=callback)
            self._stream.start()
        except (sd.PortAudioError, ValueError) as error:
            self._stop_feeder()
            raise AudioDeviceError(f"cannot open speaker {self.info.name!r}: {error}") from None
        self.output_latency_s = float(self._stream.latency)  # what the device buffers

    def alive(self) -> bool:
        """False once the stream stopped by itself (the device went away)."""
        return self._stream is not None and bool(self._stream.active)

    def play(self, audio: Audio, *, tag: int = 0, on_start: Callable[[], None] | None = None,
             next_up: bool = False) -> None:
        super().play(audio, tag=tag, on_start=on_start, next_up=next_up)
        self._ticks.put(-1)  # the feeder moves it to the ring now, not at the next tick

    def flush(self) -> None:
        super().flush()
        self._ticks.put(-2)

    def pending_ms(self) -> float:
        """Queued here and in the ring, not yet played."""
        return super().pending_ms() + 1000.0 * self._ring.unread() / self.rate

    def stop(self) -> None:
        self.flush()
        if self.underflows:
            log.debug("speaker %r: %d underflows", self.info.name, self.underflows)
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception as error:  # noqa: BLE001 - closing a dead device
                log.debug("closing speaker: %s", error)
        self._stop_feeder()

    def _stop_feeder(self) -> None:
        if self._feeder is not None:
            self._ticks.put(None)
            self._feeder.join()
            self._feeder = None

    def _starting(self, started: list[tuple[int, Callable[[], None]]]) -> None:
        position = self._ring.written
        for offset, callback in started:
            self._markers.append((position + offset // 2, callback))

    def _feed(self) -> None:
        """The feeder thread: on every callback tick (or new audio, or a flush), drop
        flushed markers, call the markers the device has passed, top up the ring, and
        tell the waiters when something moved."""
        raise_audio_priority()
        was_playing = False
        while (tick := self._ticks.get()) is not None:
            if tick == -2:
                self._ring.flush()
                self._markers.clear()
            played = self._ring.read_position
            moved = bool(self._markers and self._markers[0][0] < played)
            while self._markers and self._markers[0][0] < played:
                self._markers.popleft()[1]()
            free = self._ring.free()
            data = self.take(2 * free, pad=False) if free else b""
            if data:
                self._ring.write(np.frombuffer(data, dtype="<i2"))
            playing = self._ring.unread() > 0
            if moved or data or playing != was_playing:
                with self.changed:
                    self.changed.notify_all()
            was_playing = playing

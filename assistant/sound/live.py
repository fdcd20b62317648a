"""The real microphone and speaker (sounddevice/PortAudio) for `assistant run`.

The PortAudio callbacks only copy bytes: the microphone's into a queue that a worker
drains, the speaker's out of the `BufferedSink` (which also notes the moment a reply's
first sample leaves, for the latency figures). Devices run at their own rate; audio is
resampled with soxr on the way in and out.
"""

from __future__ import annotations

import logging
import queue
from typing import Any

from assistant.audio import Audio, StreamResampler
from assistant.errors import AudioDeviceError
from assistant.loop.speaker import BufferedSink
from assistant.sound.devices import DeviceInfo, resolve_device, sounddevice

log = logging.getLogger(__name__)

SPEAKER_BUFFER_S = 0.2
"""Audio the sound card holds ahead of the speaker. PortAudio's "high" latency is only
~60 ms on ALSA's `pulse` device: while the chat model and the voice keep the CPU busy,
the output callback runs late and the reply comes out chopped (holes of 100-200 ms were
measured under load, none with 200 ms). The cost: a reply starts, and a barge-in cuts
it, up to this much later."""


class MicrophoneSource:
    """An input stream whose callback queues raw blocks; `read` returns 16 kHz blocks."""

    def __init__(self, device: str | int | None = None, *, block_ms: int = 30) -> None:
        self.info: DeviceInfo = resolve_device(device, "input")
        self._block_ms = block_ms
        self._queue: queue.Queue[bytes] = queue.Queue(maxsize=2000)
        self._resample = StreamResampler(self.info.rate)
        self._stream: Any = None
        self.overflows = 0

    def start(self) -> None:
        """Open the device; after `stop` this opens it again (a fresh queue and resampler)."""
        sd = sounddevice()
        rate = self.info.rate
        self._queue = queue.Queue(maxsize=2000)
        self._resample = StreamResampler(rate)

        def callback(indata: Any, frames: int, time_info: Any, status: Any) -> None:
            if status:
                self.overflows += 1
            try:
                self._queue.put_nowait(bytes(indata))
            except queue.Full:
                self.overflows += 1

        try:
            self._stream = sd.RawInputStream(
                device=self.info.index, samplerate=rate, channels=1, dtype="int16",
                blocksize=int(rate * self._block_ms / 1000), callback=callback)
            self._stream.start()
        except (sd.PortAudioError, ValueError) as error:
            raise AudioDeviceError(f"cannot open microphone {self.info.name!r}: {error}") from None

    def read(self, timeout: float = 1.0) -> Audio | None:
        """The next block at 16 kHz, None if none came in `timeout` s; raises if the device died."""
        try:
            data = self._queue.get(timeout=timeout)
        except queue.Empty:
            if self._stream is not None and not self._stream.active:
                raise AudioDeviceError(f"microphone {self.info.name!r} stopped delivering audio "
                                       "(unplugged?)") from None
            return None
        return self._resample(Audio(data, self.info.rate))

    def stop(self) -> None:
        if self.overflows:
            log.debug("microphone %r: %d overflows", self.info.name, self.overflows)
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception as error:  # noqa: BLE001 - closing a dead device
                log.debug("closing microphone: %s", error)
            self._stream = None


class SoundDeviceSink(BufferedSink):
    """A speaker: the output callback takes queued audio (silence when there is none).

    `latency_s` is the device buffer (see `SPEAKER_BUFFER_S`).
    """

    def __init__(self, device: str | int | None = None, *, block_ms: int = 30,
                 latency_s: float = SPEAKER_BUFFER_S) -> None:
        self.info: DeviceInfo = resolve_device(device, "output")
        super().__init__(self.info.rate)
        self._block_ms = block_ms
        self._latency = latency_s
        self._stream: Any = None
        self.underflows = 0

    def start(self) -> None:
        sd = sounddevice()

        def callback(outdata: Any, frames: int, time_info: Any, status: Any) -> None:
            if status:
                self.underflows += 1
            outdata[:] = self.take(len(outdata))

        try:
            self._stream = sd.RawOutputStream(
                device=self.info.index, samplerate=self.rate, channels=1, dtype="int16",
                blocksize=int(self.rate * self._block_ms / 1000), latency=self._latency,
                callback=callback)
            self._stream.start()
        except (sd.PortAudioError, ValueError) as error:
            raise AudioDeviceError(f"cannot open speaker {self.info.name!r}: {error}") from None
        self.output_latency_s = float(self._stream.latency)  # what the device buffers

    def alive(self) -> bool:
        """False once the stream stopped by itself (the device went away)."""
        return self._stream is not None and bool(self._stream.active)

    def stop(self) -> None:
        self.flush()
        if self.underflows:
            log.debug("speaker %r: %d underflows", self.info.name, self.underflows)
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception as error:  # noqa: BLE001 - closing a dead device
                log.debug("closing speaker: %s", error)
            self._stream = None

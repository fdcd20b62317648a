"""A preallocated ring of 16-bit samples between one writer thread and a device callback.

The reader is the sound card's callback: it copies out what is there (silence for the
rest), moves its position on, and takes no lock, so it never waits for a Python
thread that holds one (the cause of choppy replies under load). The writer is one
feeder thread. Positions only grow (total samples written and read); a plain int
assignment is atomic under the GIL, which is all the two sides share. `flush` (from
the writer's side) makes the reader jump to everything written so far.
"""

from __future__ import annotations

import numpy as np


class RingBuffer:
    """Single-producer, single-consumer ring of int16 samples."""

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError(f"ring capacity must be positive, got {capacity}")
        self.capacity = capacity
        self._buf = np.zeros(capacity, dtype=np.int16)
        self._written = 0
        self._read = 0
        self._skip_to = 0

    @property
    def written(self) -> int:
        """Samples written since the start (a position)."""
        return self._written

    @property
    def read_position(self) -> int:
        """Samples the reader has passed since the start (played or skipped)."""
        return max(self._read, self._skip_to)

    def unread(self) -> int:
        return self._written - self.read_position

    def free(self) -> int:
        # `_read` alone: a flush the reader has not seen yet frees nothing until it has
        return self.capacity - (self._written - self._read)

    def write(self, samples: np.ndarray) -> int:
        """Writer: copy as many samples as fit; returns how many."""
        count = min(len(samples), self.free())
        start = self._written % self.capacity
        first = min(count, self.capacity - start)
        self._buf[start : start + first] = samples[:first]
        self._buf[: count - first] = samples[first:count]
        self._written += count
        return count

    def flush(self) -> None:
        """Writer: drop everything not read yet (the reader skips it at its next read)."""
        self._skip_to = self._written

    def read_into(self, out: np.ndarray) -> int:
        """Reader (the device callback): fill `out`, silence after the last sample
        written; returns how many real samples it got. No lock, no allocation."""
        read = max(self._read, self._skip_to)
        count = min(self._written - read, len(out))
        start = read % self.capacity
        first = min(count, self.capacity - start)
        out[:first] = self._buf[start : start + first]
        out[first:count] = self._buf[: count - first]
        out[count:] = 0
        self._read = read + count
        return count

"""The speaker's ring buffer: what the device callback reads, without a lock."""

from __future__ import annotations

import numpy as np

from assistant.sound.ring import RingBuffer


def test_reads_what_was_written_then_silence() -> None:
    ring = RingBuffer(8)
    assert ring.write(np.arange(1, 6, dtype=np.int16)) == 5
    out = np.full(4, 99, dtype=np.int16)
    assert ring.read_into(out) == 4 and out.tolist() == [1, 2, 3, 4]
    assert ring.read_into(out) == 1 and out.tolist() == [5, 0, 0, 0]
    assert ring.unread() == 0 and ring.read_position == 5


def test_wraps_around_and_never_overwrites_unread_samples() -> None:
    ring = RingBuffer(5)
    ring.write(np.array([1, 2, 3, 4], dtype=np.int16))
    out = np.zeros(3, dtype=np.int16)
    ring.read_into(out)
    assert ring.free() == 4
    assert ring.write(np.array([5, 6, 7, 8, 9, 10], dtype=np.int16)) == 4  # only what fits
    out = np.zeros(6, dtype=np.int16)
    assert ring.read_into(out) == 5 and out.tolist() == [4, 5, 6, 7, 8, 0]


def test_flush_makes_the_reader_skip_everything_written() -> None:
    ring = RingBuffer(16)
    ring.write(np.arange(1, 11, dtype=np.int16))
    ring.flush()
    assert ring.unread() == 0
    ring.write(np.array([42, 43], dtype=np.int16))
    out = np.zeros(4, dtype=np.int16)
    assert ring.read_into(out) == 2 and out.tolist() == [42, 43, 0, 0]

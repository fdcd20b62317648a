"""The `wake` service: `detect`, then audio -> `detection` (each time the wake word is
heard), `not-detected` after `audio-stop` when it never was.

One detector per request (its streaming state), over the shared wake-word model; each
block is processed in a worker thread, in order.
"""

from __future__ import annotations

import asyncio

from wyoming.event import Event
from wyoming.wake import Detection, NotDetected

from assistant.audio import Audio
from assistant.engines.wake import WakeWordDetector, WakeWordModel


class DetectRequest:
    def __init__(self, model: WakeWordModel) -> None:
        self._model = model
        self._detector: WakeWordDetector = model.detector()
        self._seconds = 0.0
        self.detections = 0

    async def process(self, block: Audio) -> Event | None:
        """A `detection` event when this block completes the wake word."""
        heard = await asyncio.to_thread(self._detector.process, block)
        self._seconds += block.seconds
        if not heard:
            return None
        self._detector.reset()
        self.detections += 1
        return Detection(name=self._model.name, timestamp=int(1000 * self._seconds)).event()

    def finish(self) -> Event | None:
        """`not-detected` if nothing was heard; releases the detector."""
        self._detector.close()
        return None if self.detections else NotDetected().event()

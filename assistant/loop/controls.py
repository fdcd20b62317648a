"""What the "assistant control" skills act on: volume, memory, the last reply."""

from __future__ import annotations

import threading

from assistant.loop.memory import ConversationMemory
from assistant.skills.origin import Origin


class AssistantControls:
    """Shared by the skills (which change it) and the speaker (which reads the volume)."""

    def __init__(self, memory: ConversationMemory | None = None, *, volume: float = 1.0) -> None:
        self._memory = memory
        self._volume = volume
        self._last_reply: str | None = None
        self._last_origin: Origin | None = None
        self._lock = threading.Lock()

    def volume(self) -> float:
        return self._volume

    def set_volume(self, level: float) -> None:
        self._volume = min(1.0, max(0.0, float(level)))

    def attach_memory(self, memory: ConversationMemory) -> None:
        self._memory = memory

    def forget(self) -> None:
        with self._lock:
            if self._memory is not None:
                self._memory.clear()
            self._last_reply = None
            self._last_origin = None

    def last_reply(self) -> str | None:
        return self._last_reply

    def last_origin(self) -> Origin | None:
        return self._last_origin

    def said(self, text: str, *, origin: Origin | None = None,
             announcement: bool = False) -> None:
        """Record what was just spoken and where it came from (for "repeat that" and
        "where did you get that?"). An `announcement` (a timer's end) is repeated, but
        the source asked about stays the last answer's."""
        if text.strip():
            self._last_reply = text
            if not announcement:
                self._last_origin = origin

"""What the "assistant control" skills act on: volume, memory, the last reply."""

from __future__ import annotations

import threading

from assistant.loop.memory import ConversationMemory


class AssistantControls:
    """Shared by the skills (which change it) and the speaker (which reads the volume)."""

    def __init__(self, memory: ConversationMemory | None = None, *, volume: float = 1.0) -> None:
        self._memory = memory
        self._volume = volume
        self._last_reply: str | None = None
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

    def last_reply(self) -> str | None:
        return self._last_reply

    def said(self, text: str) -> None:
        """Record what was just spoken (for "repeat that")."""
        if text.strip():
            self._last_reply = text

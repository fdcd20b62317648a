"""A chat server on the network, and this machine's model when it cannot answer
(`llm.fallback = "local"`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence

from assistant.engines.llm import ChatMessage, ChatModel, ChatServerError

log = logging.getLogger(__name__)


class FallbackChatModel:
    """Asks `remote`; a reply it fails before writing anything is written by `local`
    instead. A reply it fails midway is not started over (part of it was heard): the
    error goes on to the router, which says so."""

    def __init__(self, remote: ChatModel, local: ChatModel) -> None:
        self.remote = remote
        self.local = local
        self.name = remote.name
        self.context_tokens = min(remote.context_tokens, local.context_tokens)

    def count_tokens(self, text: str) -> int:
        return max(self.remote.count_tokens(text), self.local.count_tokens(text))

    def prepare(self, messages: Sequence[ChatMessage], *, max_tokens: int,
                owner: str = "") -> None:
        """The server's (nothing): the local model reads only when it must answer."""
        self.remote.prepare(messages, max_tokens=max_tokens, owner=owner)

    def use_all_cores(self, solo: bool) -> None:
        self.local.use_all_cores(solo)

    def stream_reply(self, messages: Sequence[ChatMessage], *, max_tokens: int,
                     owner: str = "", cancel: threading.Event | None = None) -> Iterator[str]:
        remote = self.remote.stream_reply(messages, max_tokens=max_tokens, owner=owner,
                                          cancel=cancel)
        wrote = False
        try:
            for piece in remote:
                wrote = True
                yield piece
            return
        except ChatServerError as error:
            if wrote:
                raise
            log.warning("chat server: %s; this machine's model answers instead", error)
        finally:
            close = getattr(remote, "close", None)
            if close is not None:
                close()
        local = self.local.stream_reply(messages, max_tokens=max_tokens, owner=owner,
                                        cancel=cancel)
        try:
            yield from local
        finally:
            close = getattr(local, "close", None)
            if close is not None:
                close()

    def complete_json(self, messages: Sequence[ChatMessage], *, grammar: str,
                      max_tokens: int = 256) -> str:
        try:
            return self.remote.complete_json(messages, grammar=grammar, max_tokens=max_tokens)
        except ChatServerError as error:
            log.warning("chat server: %s; this machine's model answers instead", error)
            return self.local.complete_json(messages, grammar=grammar, max_tokens=max_tokens)

    def close(self) -> None:
        self.remote.close()
        self.local.close()

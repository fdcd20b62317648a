"""One authenticated connection to Home Assistant's WebSocket API (`/api/websocket`).

Commands get an id and their result is awaited with a timeout; events of a subscription
go to its handler. The access token is sent once, in the `auth` message, and is never
logged: the `websockets` library logs every frame at DEBUG, so this connection's frames
go to a logger of its own that is kept at INFO whatever `--debug` sets.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from assistant.home.backend import HomeAuthError, HomeRefused, HomeUnreachable

log = logging.getLogger(__name__)
_frames = logging.getLogger(__name__ + ".frames")
_frames.setLevel(logging.INFO)  # frames hold the token: never at DEBUG

MAX_MESSAGE_BYTES = 64 * 2**20
"""`get_states` of a big home is several MB; anything past this is refused."""

EventHandler = Callable[[dict[str, Any]], None]


class HaConnection:
    """An open, authenticated connection; `run()` reads it until it closes."""

    def __init__(self, ws: ClientConnection, *, url: str, version: str,
                 timeout_s: float) -> None:
        self._ws = ws
        self.url = url
        self.version = version
        self.timeout_s = timeout_s
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._handlers: dict[int, EventHandler] = {}
        self.closed = asyncio.Event()

    @classmethod
    async def open(cls, url: str, token: str, *, timeout_s: float) -> HaConnection:
        """Connect and authenticate: HomeUnreachable when HA cannot be reached, HomeAuthError
        when it refuses the token."""
        try:
            ws = await connect(url, open_timeout=timeout_s, max_size=MAX_MESSAGE_BYTES,
                               logger=_frames, compression=None)
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as error:
            raise HomeUnreachable(f"cannot reach Home Assistant at {url} "
                                  f"({_reason(error)})") from None
        try:
            hello = await _receive(ws, timeout_s)
            if hello.get("type") != "auth_required":
                raise HomeUnreachable(f"{url} is not Home Assistant's WebSocket API")
            await ws.send(json.dumps({"type": "auth", "access_token": token}))
            answer = await _receive(ws, timeout_s)
        except (ConnectionClosed, TimeoutError, ValueError) as error:
            await ws.close()
            raise HomeUnreachable(f"Home Assistant at {url} closed the connection while "
                                  f"logging in ({_reason(error)})") from None
        if answer.get("type") != "auth_ok":
            await ws.close()
            raise HomeAuthError(
                f"Home Assistant at {url} refused the access token (wrong, expired or "
                "revoked): make a new long-lived token in your Home Assistant profile "
                "(Security tab) and put it in home.token_file")
        version = str(answer.get("ha_version") or hello.get("ha_version") or "")
        return cls(ws, url=url, version=version, timeout_s=timeout_s)

    async def call(self, message: dict[str, Any], *, timeout_s: float | None = None) -> Any:
        """Send a command and return its result; HomeRefused when HA answers with an
        error, HomeUnreachable when the connection is gone or HA does not answer."""
        if self.closed.is_set():
            raise HomeUnreachable(f"the connection to Home Assistant at {self.url} is closed")
        ident = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[ident] = future
        try:
            await self._ws.send(json.dumps({**message, "id": ident}))
            return await asyncio.wait_for(future, timeout_s or self.timeout_s)
        except ConnectionClosed:
            raise HomeUnreachable(f"the connection to Home Assistant at {self.url} was "
                                  "lost") from None
        except TimeoutError:
            raise HomeUnreachable(f"Home Assistant at {self.url} did not answer "
                                  f"{message.get('type')} within "
                                  f"{timeout_s or self.timeout_s:g} s") from None
        finally:
            self._waiting.pop(ident, None)

    async def subscribe(self, event_type: str, handler: EventHandler) -> None:
        """Call `handler` with the `event` of every `event_type` event from now on."""
        ident = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[ident] = future
        self._handlers[ident] = handler
        await self._ws.send(json.dumps({"id": ident, "type": "subscribe_events",
                                        "event_type": event_type}))
        await asyncio.wait_for(future, self.timeout_s)

    async def run(self) -> None:
        """Read messages until the connection closes; pending calls then fail."""
        try:
            async for raw in self._ws:
                try:
                    self._dispatch(json.loads(raw))
                except (ValueError, TypeError, KeyError) as error:
                    log.warning("ignored a message from Home Assistant it could not read "
                                "(%s)", error)
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionClosed(None, None))

    def _dispatch(self, message: dict[str, Any]) -> None:
        ident = message.get("id")
        kind = message.get("type")
        if kind == "event" and ident in self._handlers:
            try:
                self._handlers[ident](message["event"])
            except Exception:  # noqa: BLE001 - one bad event must not end the connection
                log.exception("a Home Assistant event could not be handled")
            return
        future = self._waiting.get(ident) if isinstance(ident, int) else None
        if kind != "result" or future is None or future.done():
            return
        if message.get("success"):
            future.set_result(message.get("result"))
        else:
            error = message.get("error") or {}
            future.set_exception(HomeRefused(
                f"Home Assistant refused it: {error.get('message') or error.get('code')}"))

    async def close(self) -> None:
        await self._ws.close()
        self.closed.set()


async def _receive(ws: ClientConnection, timeout_s: float) -> dict[str, Any]:
    raw = await asyncio.wait_for(ws.recv(), timeout_s)
    message = json.loads(raw)
    if not isinstance(message, dict):
        raise ValueError("a message that is not a JSON object")
    return message


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__

"""The link to one wyoming-satellite: connect the way Home Assistant does, reconnect with
back-off.

wyoming-satellite is a Wyoming *server* on the room device; Home Assistant connects to
it, sends `describe` and `run-satellite`, and the satellite answers with `run-pipeline`
and its microphone audio. `SatelliteLink` does the same, and the connection then runs
like any other (`connection.Connection`): `run-pipeline` starts the room's session.
When the satellite goes away the session ends; the link tries again after 1 s, then
2, 4, ... up to `serve.reconnect_max_s`. The other rooms are not affected.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from wyoming.info import Describe
from wyoming.satellite import RunSatellite

from assistant.sandbox.allowance import Endpoint
from assistant.server.connection import Connection, ServerContext

log = logging.getLogger(__name__)

FIRST_RETRY_S = 1.0


class SatelliteLink:
    """Keeps one satellite connected; `run()` until cancelled."""

    def __init__(self, endpoint: Endpoint, *, context: ServerContext,
                 reconnect_max_s: float) -> None:
        self.endpoint = endpoint
        self.name = f"satellite {endpoint}"
        self._context = context
        self._reconnect_max_s = reconnect_max_s
        # A satellite may be silent until its own wake word: no idle limit.
        self._limits = dataclasses.replace(context.limits, idle_timeout_s=None,
                                           first_event_timeout_s=None)
        self.connected = asyncio.Event()
        self.connection: Connection | None = None

    async def run(self) -> None:
        delay = FIRST_RETRY_S
        host, port = str(self.endpoint.network.network_address), self.endpoint.port
        while True:
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError as error:
                log.warning("%s: not reachable (%s); next try in %.0f s", self.name,
                            error.strerror or error, delay)
                await asyncio.sleep(delay)
                delay = min(2 * delay, self._reconnect_max_s)
                continue
            delay = FIRST_RETRY_S
            await self._serve(reader, writer)
            log.warning("%s: disconnected; reconnecting in %.0f s", self.name, delay)
            await asyncio.sleep(delay)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = Connection(reader, writer, context=self._context, name=self.name,
                                limits=self._limits)
        self.connection = connection
        try:
            await connection.write_event(Describe().event())
            await connection.write_event(RunSatellite().event())
        except ConnectionError as error:
            log.warning("%s: lost at once (%s)", self.name, error)
            writer.close()
            return
        log.info("%s: connected", self.name)
        self.connected.set()
        try:
            await connection.run()
        finally:
            self.connected.clear()
            self.connection = None

"""The Wyoming server: the `wyoming` package's AsyncTcpServer, our connections, the
satellite links, and a clean stop on SIGINT/SIGTERM.

Who may connect: loopback, the satellites' addresses, and the networks in
`serve.clients` (Home Assistant); anyone else is disconnected at once (the kernel policy
restricts our own binds and connects, not who knocks). How many: at most
`serve.max_connections`, and `serve.max_connections_per_peer` from one address; at a cap
the quietest idle connection makes room (see `flood.Admission`). Refusals, floods of
broken clients and the event loop's own accept errors (out of file descriptors) are
logged once per burst.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from wyoming.event import Event
from wyoming.server import AsyncEventHandler, AsyncTcpServer

from assistant.addresses import Endpoint, IPNetwork
from assistant.errors import AssistantError
from assistant.server.connection import Connection, ServerContext
from assistant.server.flood import Admission, FloodLog
from assistant.server.satellite import SatelliteLink

log = logging.getLogger(__name__)

STOP_WAIT_S = 10.0
"""At a stop, how long the connections get to wind down (each is told to stop first)."""


@dataclass(frozen=True)
class ServePlan:
    """Where to listen, which satellites to drive, who else may connect and how many."""

    listen: Endpoint
    satellites: tuple[Endpoint, ...] = ()
    clients: tuple[IPNetwork, ...] = ()
    reconnect_max_s: float = 30.0
    max_connections: int = 64
    max_connections_per_peer: int = 16
    stop_signals: Sequence[int] = field(default=(signal.SIGINT, signal.SIGTERM))

    def permits_client(self, host: str) -> bool:
        try:
            ip = ipaddress.ip_address(host.partition("%")[0])
        except ValueError:
            return False
        mapped = getattr(ip, "ipv4_mapped", None)
        ip = mapped or ip
        if ip.is_loopback or any(ip in s.network for s in self.satellites):
            return True
        return any(ip.version == net.version and ip in net for net in self.clients)


class _Refused(AsyncEventHandler):
    """A connection closed at once (not permitted, or no room)."""

    async def handle_event(self, event: Event) -> bool:
        return False

    async def run(self) -> None:
        self.writer.close()


class WyomingServer:
    """`run()` serves until a stop signal (or `stop()`), then closes every connection."""

    def __init__(self, context: ServerContext, plan: ServePlan) -> None:
        self.context = context
        self.plan = plan
        self._count = itertools.count(1)
        self._stop = asyncio.Event()
        self.links: list[SatelliteLink] = []
        self._flood: FloodLog | None = None
        self._admission: Admission | None = None
        self._connections: set[Connection] = set()
        """Every connection still running (admitted, or closed to make room and winding
        down)."""

    def stop(self) -> None:
        self._stop.set()

    async def run(self, *, ready: Callable[[str], None]) -> None:
        loop = asyncio.get_running_loop()
        for signum in self.plan.stop_signals:
            loop.add_signal_handler(signum, self.stop)
        self._flood = FloodLog(log, schedule=loop.call_later)
        self.context.flood = self._flood
        self._admission = Admission(max_total=self.plan.max_connections,
                                    max_per_peer=self.plan.max_connections_per_peer,
                                    flood=self._flood)
        loop.set_exception_handler(self._loop_error)
        host = str(self.plan.listen.network.network_address)
        server = AsyncTcpServer(host, self.plan.listen.port)
        try:
            await server.start(self._connection)
        except OSError as error:  # only here: a later OSError is not about the port
            raise AssistantError(f"cannot listen on {self.plan.listen}: {error.strerror} (is "
                                 "another server on that port? see serve.listen)") from None
        self.links = [SatelliteLink(s, context=self.context,
                                    reconnect_max_s=self.plan.reconnect_max_s)
                      for s in self.plan.satellites]
        tasks = [loop.create_task(link.run()) for link in self.links]
        ready(f"listening on tcp://{self.plan.listen} (Wyoming)"
              + (f"; satellites: {', '.join(str(s) for s in self.plan.satellites)}"
                 if self.plan.satellites else ""))
        try:
            await self._stop.wait()
        finally:
            await server.stop()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._close_all()

    async def _close_all(self) -> None:
        """Stop every connection's work (a reply the chat model has not started is
        skipped) and wait, a bounded time, for them to end."""
        connections = list(self._connections)
        for connection in connections:
            connection.evict()
        waits = [asyncio.ensure_future(c.closed.wait()) for c in connections]
        if waits:
            _, late = await asyncio.wait(waits, timeout=STOP_WAIT_S)
            for wait in late:
                wait.cancel()
            if late:
                log.warning("stopping with %d connections still busy", len(late))

    def _connection(self, reader: asyncio.StreamReader,
                    writer: asyncio.StreamWriter) -> AsyncEventHandler:
        assert self._admission is not None and self._flood is not None
        peer = writer.get_extra_info("peername") or ("?", 0)
        host, port = str(peer[0]), peer[1]
        name = f"client {next(self._count)} ({host}:{port})"
        if not self.plan.permits_client(host):
            self._flood.note(f"refused:{host}", "%s: refused (not loopback, a satellite or "
                             "in serve.clients)", name)
            return _Refused(reader, writer)
        connection = Connection(reader, writer, context=self.context, name=name, peer=host)
        if not self._admission.admit(connection, name=name):
            return _Refused(reader, writer)
        admission, connections = self._admission, self._connections
        connections.add(connection)

        def closed() -> None:
            admission.leave(connection)
            connections.discard(connection)

        connection.closed_callback = closed
        return connection

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """The event loop's own errors: a failing accept (out of file descriptors under a
        flood of connections) is logged once per burst, without a traceback."""
        message = str(context.get("message", ""))
        if "accept" in message and self._flood is not None:
            self._flood.note("accept", "cannot accept connections (%s): %s", message,
                             context.get("exception"))
            return
        loop.default_exception_handler(context)

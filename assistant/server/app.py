"""The Wyoming server: the `wyoming` package's AsyncTcpServer, our connections, the
satellite links, and a clean stop on SIGINT/SIGTERM.

Who may connect: loopback, the satellites' addresses, and the networks in
`serve.clients` (Home Assistant); anyone else is disconnected at once with a log line
(the kernel policy restricts our own binds and connects, not who knocks).
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from wyoming.server import AsyncTcpServer

from assistant.addresses import Endpoint, IPNetwork
from assistant.errors import AssistantError
from assistant.server.connection import Connection, ServerContext
from assistant.server.satellite import SatelliteLink

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServePlan:
    """Where to listen, which satellites to drive, who else may connect."""

    listen: Endpoint
    satellites: tuple[Endpoint, ...] = ()
    clients: tuple[IPNetwork, ...] = ()
    reconnect_max_s: float = 30.0
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


class WyomingServer:
    """`run()` serves until a stop signal (or `stop()`), then closes every connection."""

    def __init__(self, context: ServerContext, plan: ServePlan) -> None:
        self.context = context
        self.plan = plan
        self._count = itertools.count(1)
        self._connections: set[Connection] = set()
        self._stop = asyncio.Event()
        self.links: list[SatelliteLink] = []

    def stop(self) -> None:
        self._stop.set()

    async def run(self, *, ready: Callable[[str], None]) -> None:
        loop = asyncio.get_running_loop()
        for signum in self.plan.stop_signals:
            loop.add_signal_handler(signum, self.stop)
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
            await asyncio.gather(*(c.closed.wait() for c in list(self._connections)))

    def _connection(self, reader: asyncio.StreamReader,
                    writer: asyncio.StreamWriter) -> Connection:
        peer = writer.get_extra_info("peername") or ("?", 0)
        host, port = str(peer[0]), peer[1]
        name = f"client {next(self._count)} ({host}:{port})"
        connection = Connection(reader, writer, context=self.context, name=name,
                                permitted=self.plan.permits_client(host), peer=host)
        self._connections.add(connection)
        connection.closed_callback = lambda: self._connections.discard(connection)
        return connection

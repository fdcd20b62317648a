"""What a command whose feature is the network (the Wyoming server) may reach: nothing else.

A `NetworkAllowance` names the TCP addresses to listen on and the peers (one address or a
whole local network, each with its port) to connect to. Everything in it must be on the
local network: loopback, a private or link-local address, or "every interface" for
listening. The kernel layer turns the ports into Landlock rules (see
`assistant.sandbox.policy`), the Python guard checks the exact addresses, and the systemd
unit in docs/assistant-serve.service adds `IPAddressAllow=` for the networks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.addresses import LOCAL_NETWORKS, Endpoint

__all__ = ["LOCAL_NETWORKS", "Endpoint", "NetworkAllowance"]


@dataclass(frozen=True)
class NetworkAllowance:
    """The TCP endpoints a network-facing command may listen on and connect to."""

    listen: tuple[Endpoint, ...] = ()
    peers: tuple[Endpoint, ...] = ()

    @classmethod
    def parse(cls, *, listen: Iterable[str] = (), peers: Iterable[str] = ()) -> NetworkAllowance:
        """Build from "ADDRESS:PORT" strings; ValueError names the bad one."""
        return cls(tuple(Endpoint.parse(text, role="listen address") for text in listen),
                   tuple(Endpoint.parse(text, role="peer") for text in peers))

    def adding(self, peers: Iterable[Endpoint]) -> NetworkAllowance:
        """This allowance and `peers`, already checked by whoever names them (a chat server
        beyond the local network that the user allowed knowingly)."""
        return dataclasses.replace(self, peers=(*self.peers, *peers))

    @property
    def listen_ports(self) -> tuple[int, ...]:
        return tuple(sorted({e.port for e in self.listen}))

    @property
    def peer_ports(self) -> tuple[int, ...]:
        return tuple(sorted({e.port for e in self.peers}))

    def permits_listen(self, host: object, port: object) -> bool:
        return any(e.matches(host, port) for e in self.listen)

    def permits_connect(self, host: object, port: object) -> bool:
        return any(e.matches(host, port) for e in self.peers)

    def permits_peer_address(self, host: str) -> bool:
        """True when an incoming connection from `host` comes from an allowed peer network
        (for a server to check `accept()`ed peers; the kernel layers do not see them)."""
        return any(e.matches(host, e.port) for e in self.peers)

    def describe(self) -> str:
        listen = ", ".join(map(str, self.listen)) or "nothing"
        peers = ", ".join(map(str, self.peers)) or "nobody"
        return f"listen on {listen}; connect to {peers}"

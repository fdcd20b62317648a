"""Addresses on the local network: what the assistant may ever listen on or connect to
(a satellite, Home Assistant, an MQTT broker), checked where a configuration names one."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Loopback, private (RFC 1918, RFC 4193) and link-local networks: the only ones allowed.
LOCAL_NETWORKS = tuple(ipaddress.ip_network(net) for net in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
    "::1/128", "fc00::/7", "fe80::/10"))


@dataclass(frozen=True)
class Endpoint:
    """One local address or network and a TCP port, e.g. 192.168.1.0/24 port 10700."""

    network: IPNetwork
    port: int

    @classmethod
    def parse(cls, text: str, *, role: str) -> Endpoint:
        """"192.168.1.20:10700", "192.168.1.0/24:10700", "[fe80::1]:10700", "0.0.0.0:10700".
        Raises ValueError naming `role` and the text when it is malformed or not local."""
        host, sep, port_text = text.strip().rpartition(":")
        host = host.removeprefix("[").removesuffix("]")
        try:
            if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise ValueError("it needs a port from 1 to 65535 after the last ':'")
            network = ipaddress.ip_network(host, strict=False)
        except ValueError as error:
            raise ValueError(f"{role} {text!r} is not ADDRESS:PORT or NETWORK/BITS:PORT "
                             f"({error})") from None
        endpoint = cls(network, int(port_text))
        if not endpoint.is_local(listening=role.startswith("listen")):
            raise ValueError(f"{role} {text!r} is not on the local network: only loopback, "
                             "private (10/8, 172.16/12, 192.168/16, fc00::/7) and link-local "
                             "(169.254/16, fe80::/10) addresses are allowed")
        return endpoint

    def is_local(self, *, listening: bool) -> bool:
        """True for loopback, private and link-local networks; "every interface" (0.0.0.0,
        ::) only for listening."""
        net = self.network
        if net.num_addresses == 1 and net.network_address.is_unspecified:
            return listening
        return any(net.version == local.version and net.subnet_of(local)  # type: ignore[arg-type]
                   for local in LOCAL_NETWORKS)

    def matches(self, host: object, port: object) -> bool:
        """True when (host, port) is this endpoint; host must be an IP literal."""
        if port != self.port or not isinstance(host, str):
            return False
        try:
            ip = ipaddress.ip_address(host.partition("%")[0])
        except ValueError:
            return False
        mapped = getattr(ip, "ipv4_mapped", None)
        if mapped is not None and self.network.version == 4:
            ip = mapped
        return ip.version == self.network.version and ip in self.network

    def __str__(self) -> str:
        net = self.network
        host = str(net.network_address) if net.num_addresses == 1 else str(net)
        return f"[{host}]:{self.port}" if net.version == 6 and "/" not in host \
            else f"{host}:{self.port}"



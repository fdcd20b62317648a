"""What `assistant serve` may reach: its listen address, its satellites, the home's
backend (Home Assistant or the broker) and the chat server of `llm.url`, nothing else.

Light on purpose (no `wyoming` import): the command line builds it before any engine
loads, to install the network policy, and `assistant doctor` shows it."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from assistant.addresses import LOCAL_NETWORKS, IPNetwork
from assistant.config import Config, ServeConfig
from assistant.home.allowance import with_chat_server
from assistant.sandbox.allowance import NetworkAllowance


def satellite_peers(config: ServeConfig, satellites: Sequence[str] = ()) -> list[str]:
    """Every satellite's ADDRESS:PORT: those of `serve.satellites`, then `satellites`."""
    return [s.strip().removeprefix("tcp://") for s in [*config.satellites, *satellites]]


def serve_allowance(config: Config, *, listen: str | None = None,
                    satellites: Sequence[str] = ()) -> NetworkAllowance:
    """The listen address (`listen`, else `serve.listen`), every satellite, the home's
    backend and the chat server; ValueError naming a malformed or non-local one."""
    home = config.home.peer()
    return with_chat_server(NetworkAllowance.parse(
        listen=[listen or config.serve.listen],
        peers=[*satellite_peers(config.serve, satellites), *([home] if home else [])]),
        config)


def client_networks(config: Config, more: Sequence[str] = ()) -> tuple[IPNetwork, ...]:
    """The networks of `serve.clients` and `more` (`--client`); ValueError naming one that
    is not a network, or one beyond the local network without
    `serve.allow_public_clients`."""
    networks = []
    for text in [*config.serve.clients, *more]:
        try:
            network = ipaddress.ip_network(str(text).strip(), strict=False)
        except ValueError:
            raise ValueError(f"serve.clients: {text!r} is not a network such as "
                             "192.168.1.10/32") from None
        if beyond_local(network) and not config.serve.allow_public_clients:
            raise ValueError(
                f"serve.clients: {text!r} reaches beyond the local network: anyone who can "
                "reach the port could give commands and hear the answers. Name Home "
                "Assistant's address (e.g. 192.168.1.10/32), or set "
                "serve.allow_public_clients = true to accept it knowingly")
        networks.append(network)
    return tuple(networks)


def beyond_local(network: IPNetwork) -> bool:
    """True for a network that is not inside loopback, private or link-local addresses."""
    return not any(network.version == local.version
                   and network.subnet_of(local)  # type: ignore[arg-type]
                   for local in LOCAL_NETWORKS)

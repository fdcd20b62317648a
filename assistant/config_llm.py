"""Where the chat model runs: `llm.backend = "openai"` names a chat server on another
machine of the house by its `llm.url`, checked here (an IP address on the local network,
unless `llm.allow_public_url` says otherwise knowingly)."""

from __future__ import annotations

import ipaddress
import urllib.parse
from dataclasses import dataclass

from assistant.addresses import Endpoint
from assistant.config_check import ConfigError

#: `llm.backend`: this machine's model, or an OpenAI-compatible server on the network.
BACKENDS = ("local", "openai")
#: `llm.fallback`: what answers when the server cannot ("none": one sentence says so).
FALLBACKS = ("none", "local")


@dataclass(frozen=True)
class ChatServer:
    """An OpenAI-compatible chat server: http(s)://ADDRESS:PORT[/prefix]."""

    host: str
    """An IP literal (the network policy allows addresses, not names)."""
    port: int
    tls: bool
    path: str
    """The chat completions path, e.g. /v1/chat/completions."""
    local: bool
    """On the local network (loopback, private, link-local)."""

    @property
    def peer(self) -> str:
        """"ADDRESS:PORT", as the network policy names a peer."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(ipaddress.ip_network(self.host), self.port)

    def describe(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.peer}{self.path}"


def chat_server(url: str, *, allow_public: bool = False) -> ChatServer:
    """The server of `llm.url`; ConfigError naming the key when it is not
    http(s)://ADDRESS:PORT, names a host (DNS is refused by the network policy), or lies
    beyond the local network without `llm.allow_public_url`."""
    example = "http://192.168.1.30:8080"
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"llm.url must look like {example}, got {url!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ConfigError(f"llm.url has a bad port: {url!r}") from None
    host = "127.0.0.1" if parts.hostname.lower() in ("localhost", "localhost.") \
        else parts.hostname
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ConfigError(f"llm.url must name the chat server by its IP address (a name "
                          f"would need DNS, which the network policy refuses), got {url!r}"
                          ) from None
    local = Endpoint(ipaddress.ip_network(host), port).is_local(listening=False)
    if not local and not allow_public:
        raise ConfigError(
            f"llm.url {url!r} is not on the local network: every question would leave the "
            f"house. Name a machine of the house (e.g. {example}), or set "
            "llm.allow_public_url = true to send them there knowingly")
    prefix = parts.path.rstrip("/")
    prefix = prefix if prefix.endswith("/v1") else f"{prefix}/v1"
    return ChatServer(host, port, parts.scheme == "https", f"{prefix}/chat/completions", local)

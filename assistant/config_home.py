"""The `[home]` section: which backend runs the home, and how to reach it.

Home Assistant and the MQTT broker must be named by an IP address (or `localhost`) on the
local network: the kernel network policy allows exactly that address and port, and a
host name would need a DNS lookup, which the policy refuses.
"""

from __future__ import annotations

import enum
import ipaddress
import urllib.parse
from dataclasses import dataclass

from assistant.addresses import Endpoint
from assistant.config_check import ConfigError, option


class HomeBackend(enum.Enum):
    """Where the devices are."""

    SIMULATED = "simulated"
    """The simulated home of `skills.home_file` (or the language's)."""
    HOMEASSISTANT = "homeassistant"
    MQTT = "mqtt"


@dataclass(frozen=True)
class HomeBackendConfig:
    """Where the devices are: the simulated home (skills.home_file), Home Assistant, or an
    MQTT broker with devices announced by Home Assistant's discovery convention."""

    backend: HomeBackend = HomeBackend.SIMULATED
    url: str = ""
    """Home Assistant: "http://192.168.1.10:8123" (or https://, ws://, wss://)."""
    token: str = ""
    """A long-lived access token; prefer `token_file`."""
    token_file: str = ""
    """A file holding the token, readable by its owner only (chmod 600)."""
    broker: str = ""
    """MQTT: "192.168.1.10:1883" (the port defaults to 1883, 8883 with `tls`)."""
    tls: bool = False
    ca_file: str = ""
    """A CA certificate for the broker's TLS ("" = the system's)."""
    username: str = ""
    password_file: str = ""
    """A file holding the broker password, readable by its owner only."""
    discovery_prefix: str = "homeassistant"
    timeout_ms: int = option(5000, low=100, high=120_000)
    """How long a command or a connection attempt may take."""
    reconnect_max_s: float = option(30.0, low=0.1, high=3600.0)
    """The longest wait between two attempts to reconnect (the back-off doubles)."""
    max_devices: int = option(1000, low=1, high=100_000)
    """MQTT: devices announced beyond this many are ignored (logged once)."""
    max_payload_bytes: int = option(65536, low=1024, high=16_777_216)
    """MQTT: bigger messages are ignored (logged once per topic)."""

    def __post_init__(self) -> None:
        if self.backend is HomeBackend.HOMEASSISTANT:
            if not self.url:
                raise ConfigError('home.url is required with home.backend = "homeassistant" '
                                  '(e.g. "http://192.168.1.10:8123")')
            if bool(self.token) == bool(self.token_file):
                raise ConfigError("set one of home.token and home.token_file (a long-lived "
                                  "access token from your Home Assistant profile)")
            ha_endpoint(self.url)
        if self.backend is HomeBackend.MQTT:
            if not self.broker:
                raise ConfigError('home.broker is required with home.backend = "mqtt" '
                                  '(e.g. "192.168.1.10:1883")')
            broker_endpoint(self.broker, tls=self.tls)
            if self.password_file and not self.username:
                raise ConfigError("home.password_file needs home.username")
        if not self.discovery_prefix.strip("/") or "+" in self.discovery_prefix \
                or "#" in self.discovery_prefix:
            raise ConfigError("home.discovery_prefix must be a topic like \"homeassistant\"")

    @property
    def timeout_s(self) -> float:
        return self.timeout_ms / 1000

    def peer(self) -> str | None:
        """The one "ADDRESS:PORT" this backend connects to (None: the simulated home)."""
        if self.backend is HomeBackend.HOMEASSISTANT:
            return ha_endpoint(self.url)[0]
        if self.backend is HomeBackend.MQTT:
            return broker_endpoint(self.broker, tls=self.tls)
        return None


def ha_endpoint(url: str) -> tuple[str, str]:
    """("ADDRESS:PORT", the WebSocket API URL) of a Home Assistant URL (ConfigError naming
    home.url when it cannot be used)."""
    parts = urllib.parse.urlsplit(url.strip())
    secure = {"http": False, "ws": False, "https": True, "wss": True}.get(parts.scheme)
    if secure is None or not parts.hostname:
        raise ConfigError(f"home.url must look like http://192.168.1.10:8123, got {url!r}")
    try:
        port = parts.port or (443 if secure else 8123)
    except ValueError:
        raise ConfigError(f"home.url has a bad port: {url!r}") from None
    address = _address(parts.hostname, "home.url", url)
    path = parts.path.rstrip("/")
    path = path if path.endswith("/api/websocket") else f"{path}/api/websocket"
    websocket = f"{'wss' if secure else 'ws'}://{address}:{port}{path}"
    return _local(f"{address}:{port}", "home.url", url), websocket


def broker_endpoint(broker: str, *, tls: bool) -> str:
    """"ADDRESS:PORT" of home.broker (ConfigError naming it when it cannot be used)."""
    text = broker.strip().removeprefix("mqtt://").removeprefix("mqtts://")
    host, sep, port = text.rpartition(":") if not text.endswith("]") else (text, "", "")
    if not sep:
        host, port = text, str(8883 if tls else 1883)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"home.broker must be ADDRESS:PORT, got {broker!r}")
    address = _address(host.strip("[]"), "home.broker", broker)
    return _local(f"{address}:{port}", "home.broker", broker)


def _address(host: str, key: str, given: str) -> str:
    if host.lower() in ("localhost", "localhost."):
        return "127.0.0.1"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ConfigError(f"{key} must name Home Assistant or the broker by its IP address "
                          f"on the local network (a name would need DNS, which the network "
                          f"policy refuses), got {given!r}") from None
    return f"[{host}]" if ":" in host else host


def _local(endpoint: str, key: str, given: str) -> str:
    try:
        Endpoint.parse(endpoint, role=key)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    return endpoint

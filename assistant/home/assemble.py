"""The backend the configuration asks for, and what the network policy must allow for it.

`build_backend` reads the credential files (refusing one that others can read) and builds,
without starting, the backend of `home.backend`; the simulated home is used only when it
is the one configured, never as a fallback (`assistant.home.allowance` is what the
network policy lets the commands reach for it).
"""

from __future__ import annotations

from assistant.config_home import HomeBackend, HomeBackendConfig, ha_endpoint
from assistant.home.backend import DeviceBackend
from assistant.home.homeassistant import HaSettings, HomeAssistantBackend
from assistant.home.mqtt import MqttBackend, MqttSettings
from assistant.home.secrets import read_secret_file
from assistant.home.simulated import SimulatedBackend
from assistant.home.state_file import HomeState


def build_backend(config: HomeBackendConfig, *,
                  simulated: HomeState | None = None) -> DeviceBackend:
    """The configured backend, not started (`start()` connects); `simulated` is the state
    of the simulated home, needed only when that is the one configured. Raises
    SecretFileError for an unusable token or password file."""
    if config.backend is HomeBackend.HOMEASSISTANT:
        token = config.token or read_secret_file(config.token_file, key="home.token_file")
        return HomeAssistantBackend(HaSettings(
            url=ha_endpoint(config.url)[1], token=token, timeout_s=config.timeout_s,
            reconnect_max_s=config.reconnect_max_s))
    if config.backend is HomeBackend.MQTT:
        host, _, port = (config.peer() or "").rpartition(":")
        password = read_secret_file(config.password_file, key="home.password_file") \
            if config.password_file else ""
        return MqttBackend(MqttSettings(
            host=host.strip("[]"), port=int(port), tls=config.tls, ca_file=config.ca_file,
            username=config.username, password=password,
            discovery_prefix=config.discovery_prefix.strip("/"), timeout_s=config.timeout_s,
            reconnect_max_s=config.reconnect_max_s, max_devices=config.max_devices,
            max_payload_bytes=config.max_payload_bytes))
    if simulated is None:
        raise ValueError("the simulated home needs its HomeState")
    return SimulatedBackend(simulated)


def describe(config: HomeBackendConfig) -> str:
    """"Home Assistant at 192.168.1.10:8123" and the like, for messages."""
    if config.backend is HomeBackend.HOMEASSISTANT:
        return f"Home Assistant at {config.peer()}"
    if config.backend is HomeBackend.MQTT:
        return f"the MQTT broker at {config.peer()}{' (TLS)' if config.tls else ''}"
    return "the simulated home"

"""A real Mosquitto broker for the MQTT tests and the benchmark (Debian's `mosquitto`), on a
loopback port with its config in a tmp dir, and devices published the way Zigbee2MQTT
publishes them.

`Broker.publish`/`Broker.read` use Mosquitto's own clients (`mosquitto_pub`,
`mosquitto_sub`), so what the tests read is what the broker holds, not what our backend
thinks it sent.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

READY_TIMEOUT_S = 10.0
Z2M = "zigbee2mqtt"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Broker:
    """A running broker: `port`, its `tmp` dir, and the password of user `assistant` when
    it requires one."""

    port: int
    tmp: Path
    password: str = ""
    tls: bool = False
    """Listen with TLS only, with a certificate for 127.0.0.1 signed by `ca` (made here)."""
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.tmp / "mosquitto.log"

    @property
    def ca(self) -> Path:
        return self.tmp / "ca.crt"

    def _auth(self) -> list[str]:
        tls = ["--cafile", str(self.ca)] if self.tls else []
        return tls + (["-u", "assistant", "-P", self.password] if self.password else [])

    def publish(self, topic: str, payload: str | bytes | dict[str, Any], *,
                retain: bool = False) -> None:
        data = json.dumps(payload) if isinstance(payload, dict) else payload
        command = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.port), "-t", topic,
                   "-q", "1", *self._auth(), *(["-r"] if retain else [])]
        if isinstance(data, bytes) and len(data) > 65536:
            file = self.tmp / "payload.bin"
            file.write_bytes(data)
            command += ["-f", str(file)]
        else:
            command += ["-m", data.decode() if isinstance(data, bytes) else data]
        subprocess.run(command, check=True, timeout=30)

    def read(self, topic: str, *, count: int = 1, timeout_s: float = 10.0) -> list[str]:
        """The next `count` payloads on `topic` (retained ones first)."""
        result = subprocess.run(
            ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.port), "-t", topic,
             "-C", str(count), "-W", str(int(timeout_s)), *self._auth()],
            capture_output=True, text=True, timeout=timeout_s + 5)
        return result.stdout.splitlines()

    @contextmanager
    def listening(self, topic: str, *, count: int = 1,
                  timeout_s: float = 10.0) -> Iterator[list[str]]:
        """Subscribe before the block runs; the payloads seen are in the list after it."""
        process = subprocess.Popen(  # line-buffered, so SUBACK is seen when it happens
            ["stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.port), "-t", topic,
             "-C", str(count), "-W", str(int(timeout_s)), "-d", *self._auth()],
            stdout=subprocess.PIPE, text=True)
        seen: list[str] = []
        assert process.stdout is not None
        for line in process.stdout:  # wait for the SUBACK before the block runs
            if "SUBACK" in line:
                break
        try:
            yield seen
        finally:
            out, _ = process.communicate(timeout=timeout_s + 5)
            seen += [line for line in out.splitlines()
                     if not line.startswith(("Client ", "Subscribed (mid"))]

    def start(self) -> None:
        config = self.tmp / "mosquitto.conf"
        lines = [f"listener {self.port} 127.0.0.1", f"log_dest file {self.log}",
                 "user root",  # as root it would switch to `mosquitto`, who cannot read tmp
                 "log_type all", "persistence false"]
        if self.password:
            passwords = self.tmp / "passwords"
            passwords.write_text("")
            subprocess.run(["mosquitto_passwd", "-b", str(passwords), "assistant",
                            self.password], check=True)
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        else:
            lines.append("allow_anonymous true")
        if self.tls:
            make_certificates(self.tmp)
            lines += [f"cafile {self.ca}", f"certfile {self.tmp / 'server.crt'}",
                      f"keyfile {self.tmp / 'server.key'}"]
        config.write_text("\n".join(lines) + "\n")
        self.process = subprocess.Popen(["mosquitto", "-c", str(config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not start: {self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def make_certificates(tmp: Path) -> None:
    """A CA and a server certificate for 127.0.0.1 it signed (openssl; one day)."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tmp)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
            "/CN=assistant test CA", "-keyout", "ca.key", "-out", "ca.crt")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", "server.key", "-out", "server.csr")
    (tmp / "san.ext").write_text("subjectAltName = IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "1", "-extfile", "san.ext", "-out", "server.crt")


def missing_mosquitto() -> str | None:
    """What is missing to run a broker (None: nothing), as a line to print."""
    for program in ("mosquitto", "mosquitto_pub", "mosquitto_sub"):
        if shutil.which(program) is None:
            return (f"{program} is not installed (Debian: apt-get install mosquitto "
                    "mosquitto-clients)")
    return None


def require_mosquitto() -> None:
    missing = missing_mosquitto()
    if missing:
        raise RuntimeError(missing)


@contextmanager
def running_broker(tmp: Path, *, password: str = "", port: int | None = None,
                   tls: bool = False) -> Iterator[Broker]:
    require_mosquitto()
    broker = Broker(port=port or free_port(), tmp=tmp, password=password, tls=tls)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


# -- devices the way Zigbee2MQTT announces them ------------------------------------------

def z2m_device(name: str, model: str = "TS0505B") -> dict[str, Any]:
    return {"identifiers": [f"zigbee2mqtt_0x{abs(hash(name)) % 16**8:08x}"],
            "manufacturer": "_TZ3210", "model": model, "name": name,
            "via_device": "zigbee2mqtt_bridge_0x00124b0022813f3b"}


def z2m_light(name: str, *, area: str | None = None) -> tuple[str, dict[str, Any]]:
    device = z2m_device(name)
    if area:
        device["suggested_area"] = area
    base = f"{Z2M}/{name}"
    return f"homeassistant/light/{name.replace(' ', '_')}/light/config", {
        "availability": [{"topic": f"{Z2M}/bridge/state",
                          "value_template": "{{ value_json.state }}"}],
        "brightness": True, "brightness_scale": 254, "command_topic": f"{base}/set",
        "device": device, "json_attributes_topic": base, "name": None,
        "object_id": name.replace(" ", "_"), "schema": "json", "state_topic": base,
        "supported_color_modes": ["xy", "color_temp"], "unique_id": f"{name}_light_z2m",
        "origin": {"name": "Zigbee2MQTT", "sw": "1.40.2"}}


def z2m_switch(name: str) -> tuple[str, dict[str, Any]]:
    base = f"{Z2M}/{name}"
    return f"homeassistant/switch/{name.replace(' ', '_')}/switch/config", {
        "command_topic": f"{base}/set", "device": z2m_device(name, "TS011F"), "name": None,
        "payload_off": "OFF", "payload_on": "ON", "state_topic": base,
        "unique_id": f"{name}_switch_z2m", "value_template": "{{ value_json.state }}"}


def z2m_lock(name: str) -> tuple[str, dict[str, Any]]:
    base = f"{Z2M}/{name}"
    return f"homeassistant/lock/{name.replace(' ', '_')}/lock/config", {
        "command_topic": f"{base}/set", "device": z2m_device(name, "YRD256"), "name": None,
        "payload_lock": "LOCK", "payload_unlock": "UNLOCK", "state_locked": "LOCK",
        "state_unlocked": "UNLOCK", "state_topic": base, "unique_id": f"{name}_lock_z2m",
        "value_template": "{{ value_json.state }}"}


def z2m_cover(name: str) -> tuple[str, dict[str, Any]]:
    base = f"{Z2M}/{name}"
    return f"homeassistant/cover/{name.replace(' ', '_')}/cover/config", {
        "command_topic": f"{base}/set", "device": z2m_device(name, "TS130F"), "name": None,
        "position_template": "{{ value_json.position }}", "position_topic": base,
        "set_position_template": '{ "position": {{ position }} }',
        "set_position_topic": f"{base}/set", "state_topic": base,
        "value_template": "{{ value_json.state }}", "state_open": "OPEN",
        "state_closed": "CLOSE", "payload_open": "OPEN", "payload_close": "CLOSE",
        "unique_id": f"{name}_cover_z2m"}


def z2m_climate(name: str) -> tuple[str, dict[str, Any]]:
    base = f"{Z2M}/{name}"
    return f"homeassistant/climate/{name.replace(' ', '_')}/climate/config", {
        "current_temperature_template": "{{ value_json.local_temperature }}",
        "current_temperature_topic": base, "device": z2m_device(name, "TV02-Zigbee"),
        "max_temp": "30", "min_temp": "5", "modes": ["off", "heat"], "name": None,
        "temperature_command_topic": f"{base}/set/current_heating_setpoint",
        "temperature_state_template": "{{ value_json.current_heating_setpoint }}",
        "temperature_state_topic": base, "temperature_unit": "C",
        "unique_id": f"{name}_climate_z2m"}


def z2m_sensor(name: str) -> tuple[str, dict[str, Any]]:
    base = f"{Z2M}/{name}"
    return f"homeassistant/sensor/{name.replace(' ', '_')}/temperature/config", {
        "device": z2m_device(name, "WSDCGQ11LM"), "device_class": "temperature",
        "name": "Temperature", "state_class": "measurement", "state_topic": base,
        "unique_id": f"{name}_temperature_z2m", "unit_of_measurement": "°C",
        "value_template": "{{ value_json.temperature }}"}

"""A real Home Assistant core for the tests: its venv (scripts/home_assistant.sh, cached),
a config directory with entities the tests can check, onboarding done through HA's own
onboarding API, a long-lived access token, and `hass` on a free loopback port.

The entities (template, input_*, generic_thermostat, scene, script, local_todo) are
deterministic; areas, floors, aliases and voice-assistant exposure are set through HA's
WebSocket API after start, as a user does in HA's settings. The set-up talks to HA with
its own small client (`HaAdmin`, over `websockets`' sync client), never with the backend
under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S = 180.0
USER, PASSWORD = "owner", "a password only the tests know"

CONFIGURATION = """\
homeassistant:
  name: Test home
  latitude: 52.37
  longitude: 4.89
  elevation: 0
  unit_system: metric
  time_zone: UTC
  country: NL
  currency: EUR
http:
  server_host: 127.0.0.1
  server_port: @PORT@
api:
config:
onboarding:
conversation:
assist_pipeline:
input_boolean:
  kitchen_light: {name: Kitchen light power}
  living_room_lamp: {name: Living room lamp power}
  bedroom_lamp: {name: Bedroom lamp power}
  hall_lamp: {name: Hall lamp power}
  coffee_machine: {name: Coffee machine power}
  garage_heater: {name: Garage heater power}
  front_door_locked: {name: Front door bolt, initial: true}
  heater: {name: Heater relay}
input_number:
  kitchen_light_level: {name: Kitchen light level, min: 0, max: 255, initial: 255}
  bedroom_blinds_position: {name: Blinds position, min: 0, max: 100, initial: 0}
  bedroom_temperature: {name: Bedroom temperature value, min: 0, max: 40, step: 0.5,
                        initial: 19.5}
template:
  - light:
@LIGHTS@
  - switch:
      - name: Coffee machine
        unique_id: coffee_machine
        state: "{{ is_state('input_boolean.coffee_machine', 'on') }}"
        turn_on: {action: input_boolean.turn_on, data: {entity_id: input_boolean.coffee_machine}}
        turn_off: {action: input_boolean.turn_off, data: {entity_id: input_boolean.coffee_machine}}
      - name: Garage heater
        unique_id: garage_heater
        state: "{{ is_state('input_boolean.garage_heater', 'on') }}"
        turn_on: {action: input_boolean.turn_on, data: {entity_id: input_boolean.garage_heater}}
        turn_off: {action: input_boolean.turn_off, data: {entity_id: input_boolean.garage_heater}}
    sensor:
      - name: Bedroom temperature
        unique_id: bedroom_temperature
        device_class: temperature
        unit_of_measurement: "°C"
        state: "{{ states('input_number.bedroom_temperature') }}"
    weather:
      - name: Home
        unique_id: weather_home
        condition_template: "rainy"
        temperature_template: "{{ 12.5 }}"
        humidity_template: "{{ 81 }}"
        temperature_unit: "°C"
        forecast_daily_template: >-
          {{ [{'datetime': today_at('00:00').isoformat(), 'condition': 'sunny',
                'temperature': 15.0, 'templow': 7.0, 'precipitation_probability': 10},
               {'datetime': (today_at('00:00') + timedelta(days=1)).isoformat(),
                'condition': 'rainy', 'temperature': 11.0, 'templow': 6.0,
                'precipitation_probability': 80}] }}
lock:
  - platform: template
    name: Front door
    unique_id: front_door
    value_template: "{{ is_state('input_boolean.front_door_locked', 'on') }}"
    lock: {action: input_boolean.turn_on, target: {entity_id: input_boolean.front_door_locked}}
    unlock: {action: input_boolean.turn_off, target: {entity_id: input_boolean.front_door_locked}}
  - platform: template
    name: Shed door
    unique_id: shed_door
    value_template: "{{ true }}"
    lock: {action: input_boolean.turn_on, target: {entity_id: input_boolean.heater}}
    unlock: {action: shed.unlatch}
cover:
  - platform: template
    covers:
      bedroom_blinds:
        friendly_name: Bedroom blinds
        unique_id: bedroom_blinds
        position_template: "{{ states('input_number.bedroom_blinds_position') | int }}"
        open_cover:
          action: input_number.set_value
          data: {entity_id: input_number.bedroom_blinds_position, value: 100}
        close_cover:
          action: input_number.set_value
          data: {entity_id: input_number.bedroom_blinds_position, value: 0}
        set_cover_position:
          action: input_number.set_value
          data: {entity_id: input_number.bedroom_blinds_position, value: "{{ position }}"}
climate:
  - platform: generic_thermostat
    name: Bedroom thermostat
    unique_id: bedroom_thermostat
    heater: input_boolean.heater
    target_sensor: sensor.bedroom_temperature
    min_temp: 10
    max_temp: 28
    target_temp: 20
    initial_hvac_mode: heat
scene:
  - name: Good night
    id: good_night
    entities:
      input_boolean.kitchen_light: "off"
      input_boolean.front_door_locked: "on"
script:
  good_morning:
    alias: Good morning
    sequence:
      - action: input_boolean.turn_on
        target: {entity_id: input_boolean.coffee_machine}
"""

LIGHT = """\
      - name: @NAME@
        unique_id: @KEY@
        state: "{{ is_state('input_boolean.@KEY@', 'on') }}"
        turn_on: {action: input_boolean.turn_on, target: {entity_id: input_boolean.@KEY@}}
        turn_off: {action: input_boolean.turn_off, target: {entity_id: input_boolean.@KEY@}}
"""
DIMMABLE = """\
        level: "{{ states('input_number.@KEY@_level') | int }}"
        set_level:
          - action: input_number.set_value
            target: {entity_id: input_number.@KEY@_level}
            data: {value: "{{ brightness }}"}
          - action: input_boolean.turn_on
            target: {entity_id: input_boolean.@KEY@}
"""

LIGHTS = {"kitchen_light": "Kitchen light", "living_room_lamp": "Living room lamp",
          "bedroom_lamp": "Bedroom lamp", "hall_lamp": "Hall lamp"}

#: Entity -> (area, aliases, exposed to voice assistants).
LAYOUT: dict[str, tuple[str | None, list[str], bool]] = {
    "light.kitchen_light": ("kitchen", ["kitchen lamp"], True),
    "light.living_room_lamp": ("living_room", ["lamp"], True),
    "light.bedroom_lamp": ("bedroom", ["lamp"], True),
    "light.hall_lamp": ("hallway", ["lamp"], True),
    "switch.coffee_machine": ("kitchen", ["coffee maker"], True),
    "switch.garage_heater": (None, [], False),
    "lock.front_door": ("hallway", [], True),
    "cover.bedroom_blinds": ("bedroom", ["blinds"], True),
    "climate.bedroom_thermostat": ("bedroom", ["thermostat"], True),
    "sensor.bedroom_temperature": ("bedroom", [], True),
    "weather.home": (None, [], True),
    "scene.good_night": (None, ["bedtime"], True),
    "script.good_morning": (None, [], True),
    "lock.shed_door": (None, [], True),
    "todo.groceries": (None, [], True),
}
AREAS = {"kitchen": ("Kitchen", [], "downstairs"), "living_room": ("Living room", ["lounge"],
         "downstairs"), "hallway": ("Hallway", ["hall"], "downstairs"),
         "bedroom": ("Bedroom", [], "upstairs")}
FLOORS = {"downstairs": ("Downstairs", 0), "upstairs": ("Upstairs", 1)}


def ha_venv() -> Path:
    """The cached Home Assistant venv (made by scripts/home_assistant.sh when missing)."""
    result = subprocess.run([str(ROOT / "scripts" / "home_assistant.sh")], check=True,
                            stdout=subprocess.PIPE, text=True, timeout=1800)
    return Path(result.stdout.strip().splitlines()[-1])


def write_config(config_dir: Path, port: int) -> None:
    lights = ""
    for key, name in LIGHTS.items():
        lights += LIGHT.replace("@KEY@", key).replace("@NAME@", name)
        if key == "kitchen_light":
            lights += DIMMABLE.replace("@KEY@", key)
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "configuration.yaml").write_text(
        CONFIGURATION.replace("@PORT@", str(port)).replace("@LIGHTS@", lights.rstrip("\n")),
        encoding="utf-8")


@dataclass
class HomeAssistant:
    """A running `hass`: its port, config dir, the owner's long-lived token."""

    venv: Path
    config_dir: Path
    port: int
    token: str = ""
    process: subprocess.Popen[bytes] | None = None
    version: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.config_dir / "home-assistant.log"

    def start(self) -> None:
        """Start hass and wait until its HTTP server answers."""
        started = time.monotonic()
        self.process = subprocess.Popen(
            [str(self.venv / "bin" / "hass"), "--config", str(self.config_dir), "--skip-pip",
             "--log-file", str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        deadline = started + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hass exited with {self.process.returncode}: "
                                   f"{self.log_tail()}")
            try:
                urllib.request.urlopen(f"{self.url}/api/onboarding", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        else:
            raise RuntimeError(f"hass did not answer within {READY_TIMEOUT_S} s: "
                               f"{self.log_tail()}")
        self.timings["http_up_s"] = time.monotonic() - started

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()
        with self.admin() as admin:
            admin.wait_running()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def rss_mb(self) -> float:
        import psutil

        assert self.process is not None
        return float(psutil.Process(self.process.pid).memory_info().rss) / 2**20

    # -- onboarding and the token ------------------------------------------------------

    def onboard(self) -> None:
        """Create the owner through the onboarding API and a long-lived token for it."""
        client_id = f"{self.url}/"
        code = self._post_json("/api/onboarding/users", {
            "client_id": client_id, "name": "Owner", "username": USER, "password": PASSWORD,
            "language": "en"})["auth_code"]
        tokens = self._post_form("/auth/token", {"grant_type": "authorization_code",
                                                 "code": code, "client_id": client_id})
        with HaAdmin(self.port, tokens["access_token"]) as admin:
            self.token = admin.call({"type": "auth/long_lived_access_token",
                                     "client_name": "assistant tests", "lifespan": 3650})
            for step in ("core_config", "analytics"):
                self._post_json(f"/api/onboarding/{step}", {}, token=tokens["access_token"])

    def admin(self) -> HaAdmin:
        return HaAdmin(self.port, self.token)

    def _post_json(self, path: str, body: dict[str, Any], *, token: str = "") -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(f"{self.url}{path}", data=json.dumps(body).encode(),
                                         headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def _post_form(self, path: str, body: dict[str, str]) -> Any:
        request = urllib.request.Request(f"{self.url}{path}",
                                         data=urllib.parse.urlencode(body).encode(),
                                         method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def config_flow(self, handler: str, data: dict[str, Any]) -> dict[str, Any]:
        """Add an integration through its config flow (one form step)."""
        flow = self._post_json("/api/config/config_entries/flow",
                               {"handler": handler, "show_advanced_options": False},
                               token=self.token)
        if flow.get("type") == "form":
            flow = self._post_json(f"/api/config/config_entries/flow/{flow['flow_id']}",
                                   data, token=self.token)
        return dict(flow)


class HaAdmin:
    """A minimal WebSocket API client for the set-up (not the backend under test)."""

    def __init__(self, port: int, token: str) -> None:
        self._port, self._token = port, token
        self._next = 0
        self._ws: ClientConnection | None = None

    def __enter__(self) -> HaAdmin:
        self._ws = connect(f"ws://127.0.0.1:{self._port}/api/websocket", open_timeout=30,
                           max_size=None).__enter__()
        assert json.loads(self._ws.recv(timeout=30))["type"] == "auth_required"
        self._ws.send(json.dumps({"type": "auth", "access_token": self._token}))
        answer = json.loads(self._ws.recv(timeout=30))
        assert answer["type"] == "auth_ok", answer
        return self

    def __exit__(self, *exc: object) -> None:
        if self._ws is not None:
            self._ws.close()

    def call(self, message: dict[str, Any]) -> Any:
        assert self._ws is not None
        self._next += 1
        self._ws.send(json.dumps({**message, "id": self._next}))
        while True:
            answer = json.loads(self._ws.recv(timeout=60))
            if answer.get("id") == self._next and answer["type"] == "result":
                if not answer["success"]:
                    raise RuntimeError(f"{message['type']}: {answer['error']}")
                return answer.get("result")

    def wait_running(self) -> str:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            config = self.call({"type": "get_config"})
            if config["state"] == "RUNNING":
                return str(config["version"])
            time.sleep(0.25)
        raise RuntimeError("Home Assistant did not reach RUNNING")

    def lay_out_the_home(self) -> None:
        """Floors, areas, aliases and exposure, as a user sets them in HA's settings."""
        floors = {key: self.call({"type": "config/floor_registry/create", "name": name,
                                  "level": level})["floor_id"]
                  for key, (name, level) in FLOORS.items()}
        def same(name: str) -> str:
            return name.casefold().replace(" ", "")

        existing = {same(a["name"]): a["area_id"]  # onboarding made some (Kitchen...)
                    for a in self.call({"type": "config/area_registry/list"})}
        areas = {}
        for key, (name, aliases, floor) in AREAS.items():
            fields = {"name": name, "aliases": aliases, "floor_id": floors[floor]}
            if same(name) in existing:
                areas[key] = self.call({"type": "config/area_registry/update",
                                        "area_id": existing[same(name)], **fields})["area_id"]
            else:
                areas[key] = self.call({"type": "config/area_registry/create",
                                        **fields})["area_id"]
        for entity_id, (area, aliases, exposed) in LAYOUT.items():
            self.call({"type": "config/entity_registry/update", "entity_id": entity_id,
                       "area_id": areas[area] if area else None, "aliases": aliases})
            self.expose(entity_id, exposed)

    def expose(self, entity_id: str, exposed: bool) -> None:
        self.call({"type": "homeassistant/expose_entity", "assistants": ["conversation"],
                   "entity_ids": [entity_id], "should_expose": exposed})

    def state(self, entity_id: str) -> dict[str, Any]:
        states = self.call({"type": "get_states"})
        return next(s for s in states if s["entity_id"] == entity_id)


def start_home_assistant(tmp: Path, port: int) -> HomeAssistant:
    """A running, onboarded HA with the test home laid out; `timings` says how long."""
    started = time.monotonic()
    venv = ha_venv()
    venv_s = time.monotonic() - started
    config_dir = tmp / "config"
    write_config(config_dir, port)
    ha = HomeAssistant(venv=venv, config_dir=config_dir, port=port)
    ha.start()
    ha.onboard()
    ha.config_flow("local_todo", {"todo_list_name": "Groceries"})
    with ha.admin() as admin:
        ha.version = admin.wait_running()
        admin.lay_out_the_home()
    ha.timings.update(venv_s=venv_s, total_s=time.monotonic() - started)
    return ha

"""Home Assistant's MQTT discovery as Tasmota and ESPHome publish it (abbreviated keys,
`~` base topics, JSON lights), and the small template subset that is read, never run."""

from __future__ import annotations

import pytest

from assistant.home import model
from assistant.home.backend import SetBrightness, SetPosition, TurnOn
from assistant.home.model import DeviceState
from assistant.home.mqtt_devices import apply_message, command_messages
from assistant.home.mqtt_discovery import (
    UnsupportedTemplate,
    discovered,
    parse_topic,
    render_command,
    render_value,
)

TASMOTA_RELAY = {  # tasmota/discovery as HA's MQTT integration documents it, abbreviated
    "name": "Lamp", "stat_t": "tele/tasmota_ABC/STATE", "avty_t": "tele/tasmota_ABC/LWT",
    "pl_avail": "Online", "pl_not_avail": "Offline", "cmd_t": "cmnd/tasmota_ABC/POWER",
    "val_tpl": "{{value_json.POWER}}", "pl_off": "OFF", "pl_on": "ON",
    "uniq_id": "ABC_RL_1", "dev": {"ids": ["ABC"], "name": "Desk", "sa": "Study"}}
ESPHOME_LIGHT = {
    "~": "esphome/porch/light/porch_light", "name": "Porch light", "stat_t": "~/state",
    "cmd_t": "~/command", "schema": "json", "brightness": True,
    "supported_color_modes": ["brightness"], "uniq_id": "esp-porch-light",
    "dev": {"ids": "porch", "name": "porch"}}


def test_topics_under_the_prefix() -> None:
    assert parse_topic("homeassistant/switch/tasmota_ABC/RL_1/config", "homeassistant") \
        == ("switch", "tasmota_ABC/RL_1")
    assert parse_topic("homeassistant/light/kitchen/config", "homeassistant") == (
        "light", "kitchen")
    assert parse_topic("zigbee2mqtt/kitchen", "homeassistant") is None
    assert parse_topic("homeassistant/light/a/b/c/config", "homeassistant") is None


def test_a_tasmota_relay_with_abbreviated_keys() -> None:
    found = discovered("switch", "tasmota_ABC/RL_1", TASMOTA_RELAY)
    device = found.device
    assert (device.id, device.name, device.area, device.kind) == (
        "ABC_RL_1", "desk lamp", "study", model.SWITCH)
    messages, _ = command_messages(found, TurnOn())
    assert messages == [("cmnd/tasmota_ABC/POWER", "ON")]
    state = apply_message(found, "tele/tasmota_ABC/STATE", '{"POWER": "ON", "Uptime": 5}',
                          DeviceState(device.id))
    assert state.on is True
    gone = apply_message(found, "tele/tasmota_ABC/LWT", "Offline", state)
    assert gone.available is False


def test_an_esphome_json_light_with_a_base_topic() -> None:
    found = discovered("light", "porch/light", ESPHOME_LIGHT)
    assert found.get("command_topic") == "esphome/porch/light/porch_light/command"
    assert found.device.can(model.BRIGHTNESS) and not found.device.can(model.COLOR)
    assert found.device.name == "porch light"  # not "porch porch light"
    messages, asked = command_messages(found, SetBrightness(40))
    assert messages == [("esphome/porch/light/porch_light/command",
                         '{"state": "ON", "brightness": 102}')]
    assert asked.brightness == 40


def test_templates_are_read_not_run() -> None:
    assert render_value("{{ value_json.a.b }}", '{"a": {"b": 3}}') == 3
    assert render_value("{{ value_json['temp'] | float }}", '{"temp": 21.5}') == 21.5
    assert render_value("{{ value }}", "ON") == "ON"
    assert render_value(None, "17") == "17"
    with pytest.raises(UnsupportedTemplate):
        render_value("{{ value_json.x if value_json.y else 'z' }}", "{}")
    with pytest.raises(UnsupportedTemplate):
        render_value("{{ ''.__class__ }}", "{}")
    assert render_command('{ "position": {{ position }} }', 40, name="position") == \
        '{ "position": 40 }'
    with pytest.raises(UnsupportedTemplate):
        render_command("{% for x in y %}{{ value }}{% endfor %}", 1)


def test_a_cover_with_a_plain_position_topic() -> None:
    found = discovered("cover", "garage", {
        "name": "Garage door", "cmd_t": "garage/set", "set_pos_t": "garage/position/set",
        "pos_t": "garage/position", "uniq_id": "garage-1", "dev_cla": "garage"})
    messages, asked = command_messages(found, SetPosition(30))
    assert messages == [("garage/position/set", "30")] and asked.position == 30
    state = apply_message(found, "garage/position", "0", DeviceState("garage-1"))
    assert (state.position, state.open) == (0, False)


@pytest.mark.parametrize(("component", "config", "problem"), [
    ("vacuum", {"name": "Robot", "cmd_t": "r/set"}, "not one the assistant controls"),
    ("switch", {"cmd_t": "x/set"}, "no name"),
    ("switch", {"name": "Plug"}, "neither a command topic nor a state topic"),
])
def test_configs_that_cannot_be_used_say_why(component: str, config: dict,
                                             problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        discovered(component, "x", config)

"""The home skill's questions: "is the front door locked?", "what's the temperature in the
bedroom?", "what is the thermostat set to?", and which thermostat a command means.

Readings come from the backend's last known states (Home Assistant and MQTT push them),
so a question never waits on the network. A measured temperature comes from a
temperature sensor in the place asked about (a unit of °C or °F), else from a
thermostat's own reading; without a place, from the one reading the home has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.home import model
from assistant.home.model import Device, DeviceState
from assistant.skills.base import Outcome
from assistant.skills.home_access import HomeAccess
from assistant.skills.home_outcomes import (
    AskWhich,
    DeviceCannot,
    DeviceStatus,
    DeviceUnavailable,
    NoTemperatureReading,
    NoThermostat,
    Place,
    SensorReading,
    TemperatureIs,
    TemperatureReading,
    UnknownArea,
    UnknownDevice,
    WhichOne,
)

TEMPERATURE_UNITS = ("°C", "°F")
STATUS_KEYS = {model.LOCK: "locked", model.COVER: "open"}


def unavailable(home: HomeAccess, device: Device) -> Outcome:
    """A device with no state to give: the home is unreachable, or the device is."""
    return home.unreachable(device) if not home.reachable() else DeviceUnavailable(device)


def thermostat(home: HomeAccess, slots: Mapping[str, Any]) -> Device | Outcome:
    """The thermostat a temperature command means: the one named, the one in the place
    named, the home's only one, or a question (which one? there is none)."""
    now = home.home()
    climates = tuple(d for d in now.devices if d.can(model.TARGET_TEMPERATURE))
    if slots.get("name"):
        name = str(slots["name"])
        named = tuple(d for d in now.named(name) if d in climates)
        if len(named) > 1:
            return WhichOne(action="set_temperature", name=name, choices=named)
        if named:
            return named[0]
    if slots.get("area"):
        place = now.place_named(str(slots["area"]))
        if place is None:
            return UnknownArea(str(slots["area"]))
        inside = tuple(d for d in now.in_place(place) if d in climates)
        if len(inside) == 1:
            return inside[0]
        climates = inside or climates
    if len(climates) == 1:
        return climates[0]
    if not climates:
        return NoThermostat() if home.reachable() else home.unreachable()
    return AskWhich(action="set_temperature", kind=model.CLIMATE, choices=climates)


def read_temperature(home: HomeAccess, slots: Mapping[str, Any]) -> Outcome:
    """What a thermostat is set to (`what: target`), or the temperature measured."""
    if slots.get("what") == "target":
        device = thermostat(home, slots)
        if isinstance(device, Outcome):
            return device
        target = getattr(home.current(device), "target_temperature", None)
        return TemperatureIs(device, target=target) if target is not None else \
            unavailable(home, device)
    return _measured(home, slots)


def _measured(home: HomeAccess, slots: Mapping[str, Any]) -> Outcome:
    now = home.home()
    place: Place | None = None
    if slots.get("area"):
        place = now.place_named(str(slots["area"]))
        if place is None:
            return UnknownArea(str(slots["area"]))
    pool = now.in_place(place) if place is not None else now.devices
    readings = [(d, c) for d in _thermometers(pool) if (c := _celsius(home, d)) is not None]
    if len(readings) > 1 and place is None:
        climates = [(d, c) for d, c in readings if d.kind == model.CLIMATE]
        if len(climates) != 1:
            return AskWhich(action="read_temperature", kind=None,
                            choices=tuple(d for d, _ in readings))
        readings = climates
    if not readings:
        return NoTemperatureReading(area=place) if home.reachable() else home.unreachable()
    device, celsius = readings[0]
    return TemperatureReading(device, area=place or now.area(device.area), celsius=celsius)


def _thermometers(devices: tuple[Device, ...]) -> list[Device]:
    """Temperature sensors first, then thermostats (which measure too)."""
    sensors = [d for d in devices if d.kind == model.SENSOR and d.unit in TEMPERATURE_UNITS]
    return sensors + [d for d in devices if d.kind == model.CLIMATE]


def _celsius(home: HomeAccess, device: Device) -> float | None:
    state = home.current(device)
    if state is None or not state.available:
        return None
    if device.kind == model.CLIMATE:
        return state.current_temperature
    if not isinstance(state.value, (int, float)):
        return None
    value = float(state.value)
    return round((value - 32) * 5 / 9, 1) if device.unit == "°F" else value


def read_state(home: HomeAccess, slots: Mapping[str, Any]) -> Outcome:
    """"Is the kitchen light on?", "is the front door locked?", "what's the humidity
    sensor at?": the device's last known state."""
    name = str(slots.get("name", ""))
    now = home.home()
    named = now.named(name)
    place = now.place_named(str(slots["area"])) if slots.get("area") else None
    if place is not None:
        inside = {d.id for d in now.in_place(place)}
        named = tuple(d for d in named if d.id in inside) or named
    if not named:
        return UnknownDevice(name) if home.reachable() else home.unreachable()
    if len(named) > 1:
        return WhichOne(action="check", name=name, choices=named)
    device = named[0]
    if device.kind in (model.SCENE, model.SCRIPT):
        return DeviceCannot(device, action=None)
    current = home.current(device)
    if current is None or not current.available:
        return unavailable(home, device)
    return _said(device, current, asked=str(slots["state"]) if slots.get("state") else None,
                 area=now.area(device.area))


def _said(device: Device, current: DeviceState, *, asked: str | None,
          area: Place | None) -> Outcome:
    if device.kind in (model.SENSOR, model.WEATHER):
        if current.value is None:
            return DeviceUnavailable(device)
        if device.unit in TEMPERATURE_UNITS and isinstance(current.value, (int, float)):
            value = float(current.value)
            celsius = round((value - 32) * 5 / 9, 1) if device.unit == "°F" else value
            return TemperatureReading(device, area=area, celsius=celsius)
        return SensorReading(device, value=current.value, unit=device.unit)
    if device.kind == model.CLIMATE:
        if current.target_temperature is None:
            return DeviceUnavailable(device)
        return DeviceStatus(device, status="set", asked=asked, brightness=None,
                            target=current.target_temperature)
    key = STATUS_KEYS.get(device.kind, "on")
    flag = getattr(current, key)
    if flag is None:
        return DeviceUnavailable(device)
    words = {"locked": ("locked", "unlocked"), "open": ("open", "closed"),
             "on": ("on", "off")}[key]
    position = current.position if device.kind == model.COVER and current.position not in (
        None, 0, 100) else None
    return DeviceStatus(device, status=words[0] if flag else words[1], asked=asked,
                        brightness=current.brightness, target=None, position=position)


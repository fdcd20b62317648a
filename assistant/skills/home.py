"""Smart-home skill: lights, plugs, thermostat, blinds and locks.

Targets come from the slots: `name` (one device), `area` (a room or group, optionally
narrowed by `domain`), or `scope: all`. With none of them the skill asks which device
and changes nothing. Unlocking a sensitive device asks for a spoken confirmation first.
Every result is an outcome (assistant/skills/home_outcomes.py); the language says it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from assistant.home.home_file import SWITCHABLE, Device
from assistant.home.state_file import HomeState, HomeStateError
from assistant.intents import IntentMatch
from assistant.skills.base import Confirmations, Outcome, SkillResult, result
from assistant.skills.home_outcomes import (
    AlreadyInState,
    AskWhich,
    BrightnessOutOfRange,
    BrightnessSet,
    DeviceCannot,
    DeviceStatus,
    FlagSet,
    Group,
    NoSuchDevice,
    NoThermostat,
    NothingToControl,
    NotSaved,
    StaysLocked,
    Switched,
    TemperatureAtLimit,
    TemperatureIs,
    TemperatureOutOfRange,
    TemperatureSet,
    TemperatureStepped,
    UnknownArea,
    UnknownDevice,
    Unlocked,
    UnlockQuestion,
)

log = logging.getLogger(__name__)

#: What `_targets` finds: the devices, or why there are none.
Targets = list[Device] | Outcome


class HomeSkill:
    """Controls the devices of a `HomeState`; every change is persisted at once."""

    intents = frozenset({
        "HomeTurnOn", "HomeTurnOff", "HomeSetBrightness", "HomeSetTemperature",
        "HomeTemperatureStep", "HomeGetTemperature", "HomeGetState", "HomeOpen",
        "HomeClose", "HomeLock", "HomeUnlock",
    })

    def __init__(self, state: HomeState, *, confirmations: Confirmations) -> None:
        self.state = state
        self.config = state.config
        self._confirmations = confirmations

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        if match.intent == "HomeUnlock":
            return self._unlock(match, now=now)
        slots = match.slots
        handlers: dict[str, Callable[[], list[Outcome]]] = {
            "HomeTurnOn": lambda: self._switch(slots, on=True),
            "HomeTurnOff": lambda: self._switch(slots, on=False),
            "HomeSetBrightness": lambda: self._set_brightness(slots),
            "HomeSetTemperature": lambda: self._set_temperature(slots),
            "HomeTemperatureStep": lambda: self._step_temperature(slots),
            "HomeGetTemperature": lambda: self._get_temperature(slots),
            "HomeGetState": lambda: [self._get_state(slots)],
            "HomeOpen": lambda: self._set_flag(slots, "blinds", "open", True, "open"),
            "HomeClose": lambda: self._set_flag(slots, "blinds", "open", False, "closed"),
            "HomeLock": lambda: self._set_flag(slots, "lock", "locked", True, "locked"),
        }
        outcome, *notes = handlers[match.intent]()
        return result(match, outcome, notes=tuple(notes))

    # ------------------------------------------------------------------ on and off
    def _switch(self, slots: dict[str, Any], *, on: bool) -> list[Outcome]:
        action = "turn_on" if on else "turn_off"
        if "unknown" in slots:
            return [self._unknown(str(slots["unknown"]), action)]
        targets = self._targets(slots, SWITCHABLE)
        if not isinstance(targets, list):
            return [targets]
        if not targets:
            return [self._ask_which(slots, action)]
        state = "on" if on else "off"
        changes = {d.id: {"on": on} for d in targets if self.state.get(d.id)["on"] != on}
        if len(targets) == 1 and not changes:
            return [AlreadyInState(targets[0], state)]
        return [Switched(tuple(targets), on=on, group=_group(self, slots)),
                *self._apply(changes)]

    def _set_brightness(self, slots: dict[str, Any]) -> list[Outcome]:
        level = slots.get("brightness")
        if not isinstance(level, (int, float)) or not 0 <= level <= 100:
            return [BrightnessOutOfRange()]
        lights = {**slots, "domain": slots.get("domain", "light")}
        targets = self._targets(lights, ("light",))
        if not isinstance(targets, list):
            return [targets]
        if not targets:
            return [self._ask_which({**slots, "domain": "light"}, "dim")]
        level = int(round(level))
        notes = self._apply({d.id: {"on": level > 0, "brightness": max(level, 1)}
                             for d in targets})
        return [BrightnessSet(tuple(targets), group=_group(self, lights), level=level), *notes]

    # ------------------------------------------------------------------ thermostat
    def _thermostat(self, slots: dict[str, Any]) -> Device | None:
        if "name" in slots:
            device = self.config.device_named(str(slots["name"]))
            if device is not None and device.kind == "thermostat":
                return device
        return next((d for d in self.config.devices if d.kind == "thermostat"), None)

    def _set_temperature(self, slots: dict[str, Any]) -> list[Outcome]:
        device = self._thermostat(slots)
        if device is None:
            return [NoThermostat()]
        target = float(slots.get("temperature", 0))
        if not device.min_temperature <= target <= device.max_temperature:
            return [TemperatureOutOfRange(device, low=device.min_temperature,
                                          high=device.max_temperature)]
        notes = self._apply({device.id: {"target": target}})
        return [TemperatureSet(device, target=target), *notes]

    def _step_temperature(self, slots: dict[str, Any]) -> list[Outcome]:
        device = self._thermostat(slots)
        if device is None:
            return [NoThermostat()]
        up = slots.get("direction", "up") == "up"
        amount = float(slots.get("amount", 1))
        current = float(self.state.get(device.id)["target"])
        limit = device.max_temperature if up else device.min_temperature
        if current == limit:
            return [TemperatureAtLimit(device, highest=up, limit=limit)]
        target = min(current + amount, limit) if up else max(current - amount, limit)
        notes = self._apply({device.id: {"target": target}})
        return [TemperatureStepped(device, up=up, target=target), *notes]

    def _get_temperature(self, slots: dict[str, Any]) -> list[Outcome]:
        device = self._thermostat(slots)
        if device is None:
            return [NoThermostat()]
        return [TemperatureIs(device, target=float(self.state.get(device.id)["target"]))]

    # -------------------------------------------------------------- questions
    def _get_state(self, slots: dict[str, Any]) -> Outcome:
        name = str(slots.get("name", ""))
        device = self.config.device_named(name)
        if device is None:
            return UnknownDevice(name)
        state = self.state.get(device.id)
        status = _status(device, state)
        asked = str(slots["state"]) if slots.get("state") else None
        return DeviceStatus(device, status=status, asked=asked,
                            brightness=int(state["brightness"]) if "brightness" in state
                            else None,
                            target=float(state["target"]) if "target" in state else None)

    # -------------------------------------------------------- blinds and locks
    def _unlock(self, match: IntentMatch, *, now: float) -> SkillResult:
        targets = self._targets(match.slots, ("lock",))
        if not isinstance(targets, list):
            return result(match, targets)
        if len(targets) != 1:
            return result(match, self._ask_which({**match.slots, "domain": "lock"}, "unlock"))
        device = targets[0]
        if not self.state.get(device.id)["locked"]:
            return result(match, AlreadyInState(device, "unlocked"))

        def unlock() -> list[Outcome]:
            return [Unlocked(device), *self._apply({device.id: {"locked": False}})]

        if not device.sensitive:
            outcome, *notes = unlock()
            return result(match, outcome, notes=tuple(notes))
        return self._confirmations.ask(match, UnlockQuestion(device), accept=unlock,
                                       refusal=StaysLocked(device), now=now)

    def _set_flag(self, slots: dict[str, Any], kind: str, key: str, value: bool,
                  state: str) -> list[Outcome]:
        targets = self._targets(slots, (kind,))
        if not isinstance(targets, list):
            return [targets]
        action = {"open": "open", "closed": "close", "locked": "lock"}[state]
        if not targets:
            return [self._ask_which({**slots, "domain": kind}, action)]
        changes = {d.id: {key: value} for d in targets if self.state.get(d.id)[key] != value}
        if len(targets) == 1 and not changes:
            return [AlreadyInState(targets[0], state)]
        return [FlagSet(tuple(targets), state=state), *self._apply(changes)]

    # ------------------------------------------------------------------ helpers
    def _targets(self, slots: dict[str, Any], kinds: tuple[str, ...]) -> Targets:
        """Devices the slots point at ([] when they name none: ask which), or the
        outcome that says why they cannot be used."""
        if "name" in slots:
            device = self.config.device_named(str(slots["name"]))
            if device is None:
                return UnknownDevice(str(slots["name"]))
            if device.kind not in kinds:
                return DeviceCannot(device, action=None)
            return [device]
        domain = slots.get("domain")
        wanted = (domain,) if domain in kinds else kinds
        if "area" in slots:
            area = self.config.area_named(str(slots["area"]))
            if area is None:
                return UnknownArea(str(slots["area"]))
            found = [d for d in self.config.devices if d.kind in wanted and d.room in area.rooms]
            return found or NoSuchDevice(kind=domain, area=area)
        if slots.get("scope") == "all":
            found = [d for d in self.config.devices if d.kind in wanted]
            return found or NoSuchDevice(kind=domain, area=None)
        return []

    def _ask_which(self, slots: dict[str, Any], action: str) -> Outcome:
        domain = slots.get("domain")
        kinds = (domain,) if domain else SWITCHABLE
        choices = tuple(d for d in self.config.devices if d.kind in kinds)
        if not choices:
            return NothingToControl(action)
        return AskWhich(action=action, kind=domain, choices=choices)

    def _unknown(self, spoken: str, action: str) -> Outcome:
        """A switch command for a name that is no switchable device: a device that cannot
        be switched, or one the home does not have."""
        words = spoken.lower().split()
        wanted = {" ".join(words), " ".join(words[1:])} - {""}
        for device in self.config.devices:
            forms = {f.lower() for f in (device.name, *device.aliases)}
            if wanted & forms:
                return DeviceCannot(device, action=action)
        return UnknownDevice(" ".join(words))

    def _apply(self, changes: dict[str, dict[str, Any]]) -> list[Outcome]:
        """Change and persist; on a save error, a note to say after the reply."""
        if not changes:
            return []
        try:
            self.state.update(changes)
        except HomeStateError as error:
            log.error("%s", error)
            return [NotSaved()]
        return []


def _group(skill: HomeSkill, slots: dict[str, Any]) -> Group:
    """How a command named its devices: a room or group, all of a kind, or everything."""
    area = skill.config.area_named(str(slots["area"])) if "area" in slots else None
    domain = slots.get("domain")
    return Group(kind=str(domain) if domain else None, area=area)


def _status(device: Device, state: dict[str, Any]) -> str:
    if device.kind == "lock":
        return "locked" if state["locked"] else "unlocked"
    if device.kind == "blinds":
        return "open" if state["open"] else "closed"
    if device.kind == "thermostat":
        return "set"
    return "on" if state["on"] else "off"

"""Smart-home skill: lights, plugs, thermostat, blinds and locks of the simulated home.

Targets come from the slots: `name` (one device), `area` (a room or group, optionally
narrowed by `domain`), or `scope: all`. With none of them the skill asks which device
and changes nothing. Unlocking a sensitive device asks for a spoken confirmation first.
"""

from __future__ import annotations

import logging
from typing import Any

from assistant.home.home_file import SWITCHABLE, Device
from assistant.home.state_file import HomeState, HomeStateError
from assistant.intents import IntentMatch, normalize
from assistant.skills.base import Confirmations, SkillReply, reply
from assistant.speech_format import join_words, number_words, quantity_words

log = logging.getLogger(__name__)

_HOW_TO = {
    "thermostat": "say, for example, set the temperature to twenty-one degrees",
    "blinds": "say open or close the {name}",
    "lock": "say lock or unlock the {name}",
    "light": "say turn on or turn off the {name}",
    "plug": "say turn on or turn off the {name}",
}


def _the(device: Device) -> str:
    return f"the {device.name}"


def _is(device: Device) -> str:
    return "are" if device.name.endswith("s") else "is"


def _degrees(value: float) -> str:
    return quantity_words(value, "degree", decimals=1)


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

    def handle(self, match: IntentMatch, *, now: float) -> SkillReply:
        if match.intent == "HomeUnlock":
            return self._unlock(match, now=now)
        slots = match.slots
        handlers = {
            "HomeTurnOn": lambda: self._switch(slots, on=True),
            "HomeTurnOff": lambda: self._switch(slots, on=False),
            "HomeSetBrightness": lambda: self._set_brightness(slots),
            "HomeSetTemperature": lambda: self._set_temperature(slots),
            "HomeTemperatureStep": lambda: self._step_temperature(slots),
            "HomeGetTemperature": lambda: self._get_temperature(slots),
            "HomeGetState": lambda: self._get_state(slots),
            "HomeOpen": lambda: self._set_flag(slots, "blinds", "open", True, "open", "open"),
            "HomeClose": lambda: self._set_flag(slots, "blinds", "open", False, "closed",
                                                "close"),
            "HomeLock": lambda: self._set_flag(slots, "lock", "locked", True, "locked", "lock"),
        }
        return reply(match, handlers[match.intent]())

    # ------------------------------------------------------------------ on and off
    def _switch(self, slots: dict[str, Any], *, on: bool) -> str:
        word = "on" if on else "off"
        if "unknown" in slots:
            return self._unknown(str(slots["unknown"]), f"switched {word}")
        targets = self._targets(slots, SWITCHABLE)
        if isinstance(targets, str):
            return targets
        if targets is None:
            return self._ask_which(slots, f"turn {word}")
        changes = {d.id: {"on": on} for d in targets if self.state.get(d.id)["on"] != on}
        if len(targets) == 1 and not changes:
            device = targets[0]
            return f"The {device.name} {_is(device)} already {word}."
        warning = self._apply(changes)
        if len(targets) == 1:
            return f"Okay, {_the(targets[0])} {_is(targets[0])} {word}.{warning}"
        return f"Okay, {self._group_phrase(slots)} {word}.{warning}"

    def _set_brightness(self, slots: dict[str, Any]) -> str:
        level = slots.get("brightness")
        if not isinstance(level, (int, float)) or not 0 <= level <= 100:
            return "Brightness goes from zero to one hundred percent."
        targets = self._targets({**slots, "domain": slots.get("domain", "light")}, ("light",))
        if isinstance(targets, str):
            return targets
        if targets is None:
            return self._ask_which({**slots, "domain": "light"}, "dim")
        level = int(round(level))
        warning = self._apply({d.id: {"on": level > 0, "brightness": max(level, 1)}
                               for d in targets})
        what = f"{_the(targets[0])} {_is(targets[0])}" if len(targets) == 1 else (
            self._group_phrase({**slots, "domain": "light"}))
        if level == 0:
            return f"Okay, {what} off.{warning}"
        return f"Okay, {what} at {number_words(level)} percent.{warning}"

    # ------------------------------------------------------------------ thermostat
    def _thermostat(self, slots: dict[str, Any]) -> Device | str:
        if "name" in slots:
            device = self.config.device_named(str(slots["name"]))
            if device is not None and device.kind == "thermostat":
                return device
        thermostats = [d for d in self.config.devices if d.kind == "thermostat"]
        return thermostats[0] if thermostats else "There is no thermostat in this home."

    def _set_temperature(self, slots: dict[str, Any]) -> str:
        device = self._thermostat(slots)
        if isinstance(device, str):
            return device
        target = float(slots.get("temperature", 0))
        if not device.min_temperature <= target <= device.max_temperature:
            return (f"I can set the {device.name} between {_degrees(device.min_temperature)}"
                    f" and {_degrees(device.max_temperature)}.")
        warning = self._apply({device.id: {"target": target}})
        return f"Okay, the {device.name} is set to {_degrees(target)}.{warning}"

    def _step_temperature(self, slots: dict[str, Any]) -> str:
        device = self._thermostat(slots)
        if isinstance(device, str):
            return device
        up = slots.get("direction", "up") == "up"
        amount = float(slots.get("amount", 1))
        current = float(self.state.get(device.id)["target"])
        limit = device.max_temperature if up else device.min_temperature
        if current == limit:
            edge = "maximum" if up else "minimum"
            return f"The {device.name} is already at its {edge} of {_degrees(limit)}."
        target = min(current + amount, limit) if up else max(current - amount, limit)
        warning = self._apply({device.id: {"target": target}})
        verb = "raised" if up else "lowered"
        return f"Okay, I {verb} the {device.name} to {_degrees(target)}.{warning}"

    def _get_temperature(self, slots: dict[str, Any]) -> str:
        device = self._thermostat(slots)
        if isinstance(device, str):
            return device
        target = float(self.state.get(device.id)["target"])
        return f"The {device.name} is set to {_degrees(target)}."

    # -------------------------------------------------------------- questions
    def _get_state(self, slots: dict[str, Any]) -> str:
        device = self.config.device_named(str(slots.get("name", "")))
        if device is None:
            return "I don't know that device."
        asked = str(slots.get("state", ""))
        actual = self._describe(device)
        if asked in ("locked", "unlocked", "open", "closed", "on", "off"):
            answer = "Yes" if actual.split()[0] == asked else "No"
            return f"{answer}, {_the(device)} {_is(device)} {actual}."
        return f"The {device.name} {_is(device)} {actual}."

    def _describe(self, device: Device) -> str:
        state = self.state.get(device.id)
        if device.kind == "lock":
            return "locked" if state["locked"] else "unlocked"
        if device.kind == "blinds":
            return "open" if state["open"] else "closed"
        if device.kind == "thermostat":
            return f"set to {_degrees(state['target'])}"
        if device.kind == "light" and state["on"] and state["brightness"] < 100:
            return f"on at {number_words(state['brightness'])} percent"
        return "on" if state["on"] else "off"

    # -------------------------------------------------------- blinds and locks
    def _unlock(self, match: IntentMatch, *, now: float) -> SkillReply:
        targets = self._targets(match.slots, ("lock",))
        if isinstance(targets, str):
            return reply(match, targets)
        if targets is None or len(targets) != 1:
            return reply(match, self._ask_which({**match.slots, "domain": "lock"}, "unlock"))
        device = targets[0]
        if not self.state.get(device.id)["locked"]:
            return reply(match, f"The {device.name} {_is(device)} already unlocked.")

        def unlock() -> str:
            warning = self._apply({device.id: {"locked": False}})
            return f"Okay, {_the(device)} {_is(device)} unlocked.{warning}"

        if not device.sensitive:
            return reply(match, unlock())
        return self._confirmations.ask(
            match, f"Are you sure you want to unlock {_the(device)}?", accept=unlock,
            refusal=f"Okay, {_the(device)} stays locked.", now=now)

    def _set_flag(self, slots: dict[str, Any], kind: str, key: str, value: bool,
                  word: str, verb: str) -> str:
        targets = self._targets(slots, (kind,))
        if isinstance(targets, str):
            return targets
        if targets is None:
            return self._ask_which({**slots, "domain": kind}, verb)
        changes = {d.id: {key: value} for d in targets if self.state.get(d.id)[key] != value}
        if len(targets) == 1 and not changes:
            return f"The {targets[0].name} {_is(targets[0])} already {word}."
        warning = self._apply(changes)
        if len(targets) == 1:
            return f"Okay, {_the(targets[0])} {_is(targets[0])} {word}.{warning}"
        names = join_words([_the(d) for d in targets])
        return f"Okay, {names} are {word}.{warning}"

    # ------------------------------------------------------------------ helpers
    def _targets(self, slots: dict[str, Any], kinds: tuple[str, ...]) -> list[Device] | str | None:
        """Devices the slots point at; a reply when they cannot be used; None to ask."""
        if "name" in slots:
            device = self.config.device_named(str(slots["name"]))
            if device is None:
                return f"I don't know a device called {slots['name']}."
            if device.kind not in kinds:
                return f"The {device.name} can't do that; {self._how_to(device)}."
            return [device]
        domain = slots.get("domain")
        wanted = (domain,) if domain in kinds else kinds
        if "area" in slots:
            area = self.config.area_named(str(slots["area"]))
            if area is None:
                return f"I don't know a room called {slots['area']}."
            found = [d for d in self.config.devices if d.kind in wanted and d.room in area.rooms]
            if not found:
                what = domain or "device I can do that with"
                return f"There is no {what} {self._where(area.name)}."
            return found
        if slots.get("scope") == "all":
            found = [d for d in self.config.devices if d.kind in wanted]
            return found or f"There is no {domain or 'such device'} in this home."
        return None

    def _ask_which(self, slots: dict[str, Any], verb: str) -> str:
        domain = slots.get("domain")
        kinds = (domain,) if domain else SWITCHABLE
        names = [_the(d) for d in self.config.devices if d.kind in kinds]
        if not names:
            return f"There is nothing here I can {verb}."
        what = domain or "device"
        return f"Which {what} should I {verb}? You have {join_words(names, conjunction='or')}."

    def _group_phrase(self, slots: dict[str, Any]) -> str:
        domain = slots.get("domain")
        things = {"light": "the lights", "plug": "the plugs", "blinds": "the blinds",
                  "lock": "the locks"}.get(str(domain), "everything")
        if "area" in slots:
            verb = "is" if things == "everything" else "are"
            return f"{things} {self._where(str(slots['area']))} {verb}"
        if things == "everything":
            return "everything is"
        return f"all {things} are"

    def _where(self, area_name: str) -> str:
        area = self.config.area_named(area_name)
        if area is not None and area.rooms == (area.id,):
            return f"in the {area.name}"
        return area_name

    def _unknown(self, spoken: str, done: str) -> str:
        wanted = normalize(spoken)
        for device in self.config.devices:
            forms = {normalize(f) for f in (device.name, *device.aliases)}
            if wanted in forms or wanted.removeprefix("the ") in forms:
                return f"The {device.name} can't be {done}; {self._how_to(device)}."
        return f"I don't know a device called {wanted.removeprefix('the ')}."

    def _how_to(self, device: Device) -> str:
        return _HOW_TO[device.kind].format(name=device.name)

    def _apply(self, changes: dict[str, dict[str, Any]]) -> str:
        """Change and persist; on a save error, a sentence to append to the reply."""
        if not changes:
            return ""
        try:
            self.state.update(changes)
        except HomeStateError as error:
            log.error("%s", error)
            return " But I could not save it, so it will be forgotten when I restart."
        return ""

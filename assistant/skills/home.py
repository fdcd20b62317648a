"""Smart-home skill: lights, switches, thermostats, covers, locks, scenes and sensors of
whatever home the assembly hands it (a `DeviceBackend`: the simulated home, Home
Assistant or an MQTT broker).

Targets come from the slots (see `home_targets.find`): a name, a room or floor, a kind,
or everything. A command that names no device asks which, and a name several devices
share asks which one; nothing changes until it is clear. Unlocking a sensitive lock or
opening a sensitive cover (a garage door) asks for a spoken confirmation first. Every
result is an outcome (home_outcomes.py), failures of the home too (unreachable, refused,
not shared, gone); the language says it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.home import model
from assistant.home.backend import (
    Activate,
    CloseCover,
    Command,
    Lock,
    OpenCover,
    SetBrightness,
    SetColor,
    SetPosition,
    SetTemperature,
    TurnOff,
    TurnOn,
    Unlock,
)
from assistant.home.model import Device
from assistant.intents import IntentMatch
from assistant.skills.base import Confirmations, Outcome, SkillResult, result
from assistant.skills.home_access import HomeAccess
from assistant.skills.home_outcomes import (
    Activated,
    AlreadyInState,
    AskWhich,
    BrightnessOutOfRange,
    BrightnessSet,
    ColorSet,
    FlagSet,
    OpenQuestion,
    PositionOutOfRange,
    PositionSet,
    StaysClosed,
    StaysLocked,
    Switched,
    TemperatureAtLimit,
    TemperatureOutOfRange,
    TemperatureSet,
    TemperatureStepped,
    Unlocked,
    UnlockQuestion,
)
from assistant.skills.home_reads import read_state, read_temperature, thermostat, unavailable
from assistant.skills.home_targets import Found, ask_which, find, unknown

Said = list[Outcome]
"""An outcome, then the notes said after it."""


class HomeSkill:
    """Controls and reads the devices of one home backend (shared by every session)."""

    intents = frozenset({
        "HomeTurnOn", "HomeTurnOff", "HomeSetBrightness", "HomeSetColor", "HomeSetPosition",
        "HomeSetTemperature", "HomeTemperatureStep", "HomeGetTemperature", "HomeGetState",
        "HomeOpen", "HomeClose", "HomeLock", "HomeUnlock", "HomeActivate",
    })

    def __init__(self, home: HomeAccess, *, confirmations: Confirmations) -> None:
        self.home = home
        self._confirmations = confirmations

    def handle(self, match: IntentMatch, *, now: float) -> SkillResult:
        if match.intent in ("HomeUnlock", "HomeOpen"):
            return self._guarded(match, now=now)
        slots = match.slots
        handlers: dict[str, Callable[[], Said]] = {
            "HomeTurnOn": lambda: self._switch(slots, on=True),
            "HomeTurnOff": lambda: self._switch(slots, on=False),
            "HomeSetBrightness": lambda: self._set_brightness(slots),
            "HomeSetColor": lambda: self._set_color(slots),
            "HomeSetPosition": lambda: self._set_position(slots),
            "HomeSetTemperature": lambda: self._set_temperature(slots),
            "HomeTemperatureStep": lambda: self._step_temperature(slots),
            "HomeGetTemperature": lambda: [read_temperature(self.home, slots)],
            "HomeGetState": lambda: [read_state(self.home, slots)],
            "HomeClose": lambda: self._set_flag(slots, "close"),
            "HomeLock": lambda: self._set_flag(slots, "lock"),
            "HomeActivate": lambda: self._activate(slots),
        }
        outcome, *notes = handlers[match.intent]()
        return result(match, outcome, notes=tuple(notes))

    # ------------------------------------------------------------------ targets
    def _find(self, slots: dict[str, Any], action: str) -> Found | Outcome:
        """The devices to act on, or what to say instead: which one? an unknown name? (or,
        while the home cannot be reached and so its names are not known, that)."""
        home = self.home.home()
        if "unknown" in slots:
            found: Found | Outcome = unknown(home, str(slots["unknown"]), action)
        else:
            found = find(home, slots, action)
            if isinstance(found, Found) and not found.devices:
                found = ask_which(home, slots, action)
        if isinstance(found, Found) or self.home.reachable():
            return found
        return self.home.unreachable()

    def _changed(self, found: Found, key: str, value: object, state: str,
                 command: Command, success: Callable[[tuple[Device, ...]], Outcome]) -> Said:
        """Send `command` to the devices whose `key` is not `value` yet; one device
        already there is "already `state`"."""
        pending = [d for d in found.devices
                   if getattr(self.home.current(d), key, None) is not value]
        if len(found.devices) == 1 and not pending:
            return [AlreadyInState(found.devices[0], state)]
        sent = self.home.send(pending, command)
        return sent.outcomes(lambda done: success(
            tuple(d for d in found.devices if d not in sent.failed)))

    # ------------------------------------------------------------------ switching
    def _switch(self, slots: dict[str, Any], *, on: bool) -> Said:
        found = self._find(slots, "turn_on" if on else "turn_off")
        if not isinstance(found, Found):
            return [found]
        return self._changed(found, "on", on, "on" if on else "off",
                             TurnOn() if on else TurnOff(),
                             lambda done: Switched(done, on=on, group=found.group))

    def _set_brightness(self, slots: dict[str, Any]) -> Said:
        level = slots.get("brightness")
        if not isinstance(level, (int, float)) or not 0 <= level <= 100:
            return [BrightnessOutOfRange()]
        percent = int(round(level))
        slots = {**slots, "domain": slots.get("domain", model.LIGHT)}
        return self._set(slots, "dim", SetBrightness(percent),
                         lambda done, found: BrightnessSet(done, group=found.group,
                                                           level=percent))

    def _set_color(self, slots: dict[str, Any]) -> Said:
        color = str(slots.get("color", ""))
        return self._set(slots, "color", SetColor(model.COLORS[color]),
                         lambda done, found: ColorSet(done, group=found.group, color=color))

    def _set_position(self, slots: dict[str, Any]) -> Said:
        position = slots.get("position")
        if not isinstance(position, (int, float)) or not 0 <= position <= 100:
            return [PositionOutOfRange()]
        percent = int(round(position))
        return self._set(slots, "position", SetPosition(percent),
                         lambda done, found: PositionSet(done, group=found.group,
                                                         position=percent))

    def _set(self, slots: dict[str, Any], action: str, command: Command,
             success: Callable[[tuple[Device, ...], Found], Outcome]) -> Said:
        found = self._find(slots, action)
        if not isinstance(found, Found):
            return [found]
        return self.home.send(found.devices, command).outcomes(
            lambda done: success(done, found))

    def _activate(self, slots: dict[str, Any]) -> Said:
        found = self._find(slots, "activate")
        if not isinstance(found, Found):
            return [found]
        return self.home.send(found.devices[:1], Activate()).outcomes(
            lambda done: Activated(done[0]))

    # ------------------------------------------------------------------ thermostats
    def _set_temperature(self, slots: dict[str, Any]) -> Said:
        device = thermostat(self.home, slots)
        if isinstance(device, Outcome):
            return [device]
        target = float(slots.get("temperature", 0))
        low, high = device.min_temperature, device.max_temperature
        if low is not None and high is not None and not low <= target <= high:
            return [TemperatureOutOfRange(device, low=low, high=high)]
        return self.home.send([device], SetTemperature(target)).outcomes(
            lambda done: TemperatureSet(device, target=target))

    def _step_temperature(self, slots: dict[str, Any]) -> Said:
        device = thermostat(self.home, slots)
        if isinstance(device, Outcome):
            return [device]
        now = getattr(self.home.current(device), "target_temperature", None)
        if now is None:
            return [unavailable(self.home, device)]
        up = slots.get("direction", "up") == "up"
        amount = float(slots.get("amount", 1))
        limit = device.max_temperature if up else device.min_temperature
        if limit is not None and now == limit:
            return [TemperatureAtLimit(device, highest=up, limit=limit)]
        target = now + amount if up else now - amount
        if limit is not None:
            target = min(target, limit) if up else max(target, limit)
        return self.home.send([device], SetTemperature(target)).outcomes(
            lambda done: TemperatureStepped(device, up=up, target=target))

    # -------------------------------------------------------- covers and locks
    def _set_flag(self, slots: dict[str, Any], action: str) -> Said:
        found = self._find(slots, action)
        if not isinstance(found, Found):
            return [found]
        if action == "lock":
            return self._changed(found, "locked", True, "locked", Lock(),
                                 lambda done: FlagSet(done, state="locked"))
        return self._changed(found, "open", False, "closed", CloseCover(),
                             lambda done: FlagSet(done, state="closed"))

    def _guarded(self, match: IntentMatch, *, now: float) -> SkillResult:
        """Unlocking and opening: a sensitive device (a lock, a garage door) only after a
        spoken yes, and only one at a time; several covers at once open all but those."""
        action = "unlock" if match.intent == "HomeUnlock" else "open"
        found = self._find(match.slots, action)
        if not isinstance(found, Found):
            return result(match, found)
        devices = found.devices
        if action == "open" and (len(devices) > 1 or not devices[0].sensitive):
            safe = Found(tuple(d for d in devices if not d.sensitive), found.group)
            outcome, *notes = self._changed(
                safe, "open", True, "open", OpenCover(),
                lambda done: FlagSet(done, state="open")) if safe.devices else [
                AskWhich(action=action, kind=model.COVER, choices=devices)]
            return result(match, outcome, notes=tuple(notes))
        if len(devices) > 1:
            return result(match, AskWhich(action=action, kind=model.LOCK, choices=devices))
        device = devices[0]
        unlock = action == "unlock"
        state = getattr(self.home.current(device), "locked" if unlock else "open", None)
        if state is (not unlock):
            return result(match, AlreadyInState(device, "unlocked" if unlock else "open"))

        def carry_out() -> Said:
            return self.home.send([device], Unlock() if unlock else OpenCover()).outcomes(
                lambda done: Unlocked(device) if unlock else FlagSet(done, state="open"))

        if not device.sensitive:
            outcome, *notes = carry_out()
            return result(match, outcome, notes=tuple(notes))
        return self._confirmations.ask(
            match, UnlockQuestion(device) if unlock else OpenQuestion(device),
            accept=carry_out, refusal=StaysLocked(device) if unlock else StaysClosed(device),
            now=now)

"""When Home Assistant calls us (our Wyoming conversation agent), its devices are its own.

A device command heard by the agent is not carried out here: the skills run over a
`HandOver`, a view of the home that records each command instead of sending it, and the
reply goes back to Home Assistant as one of its own intents (`HassTurnOn`, `HassLightSet`
...) with our sentence as the speech; HA then switches its light with its own rules
(exposure, the satellite's area). Home Assistant 2024.9 and later carry such an `intent`
answer out (HA PR #124373; one intent per request in 2025.4.4). The questions, "which
one?" and the spoken confirmation before unlocking stay ours: only the final command is
handed over. A command that no single HA intent can say ("turn off everything") and a
question about states we would only invent (the simulated home: never) are `not-handled`,
so Home Assistant's own agent ("prefer handling commands locally") answers instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wyoming.intent import Entity, Intent

from assistant.home import model
from assistant.home.backend import (
    Activate,
    CloseCover,
    Command,
    DeviceBackend,
    Listener,
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
from assistant.home.model import Device, DeviceState, Home
from assistant.skills.base import Outcome
from assistant.skills.home_outcomes import Group, Switched, UnknownDevice
from assistant.skills.home_targets import unknown

#: Our command -> Home Assistant's intent (helpers/intent.py and the integrations' intent.py).
HA_INTENTS: dict[type, str] = {
    TurnOn: "HassTurnOn", TurnOff: "HassTurnOff", OpenCover: "HassTurnOn",
    CloseCover: "HassTurnOff", Lock: "HassTurnOn", Unlock: "HassTurnOff",
    Activate: "HassTurnOn", SetBrightness: "HassLightSet", SetColor: "HassLightSet",
    SetPosition: "HassSetPosition", SetTemperature: "HassClimateSetTemperature"}
READS = frozenset({"HomeGetState", "HomeGetTemperature"})
SWITCHES = {"HomeTurnOn": True, "HomeTurnOff": False}


@dataclass(frozen=True)
class LeftToHomeAssistant(Outcome):
    """A request Home Assistant's own agent should answer (`not-handled`)."""


class HandOver:
    """A `DeviceBackend` over the engines' one: the same home (names, areas) and, unless it
    is the simulated home, the same states; commands are recorded, not sent."""

    def __init__(self, backend: DeviceBackend) -> None:
        self.name = backend.name
        self._backend = backend
        self.commands: list[tuple[str, Command]] = []

    @property
    def invents_states(self) -> bool:
        """The simulated home's states are not Home Assistant's."""
        return self._backend.name == "simulated"

    def start(self) -> None:
        """The engines start the backend itself."""

    def stop(self) -> None:
        """The engines stop it."""

    def home(self) -> Home:
        return self._backend.home()

    def state(self, device_id: str) -> DeviceState:
        if self.invents_states:
            return DeviceState(device_id=device_id)  # unknown: never "already on"
        return self._backend.state(device_id)

    def send(self, device_id: str, command: Command) -> DeviceState:
        self.commands.append((device_id, command))
        return DeviceState(device_id=device_id)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self._backend.subscribe(listener)

    def take(self) -> list[tuple[str, Command]]:
        """The commands recorded since the last `take`."""
        taken, self.commands = self.commands, []
        return taken


def leave_to_home_assistant(handover: HandOver, intent: str | None) -> bool:
    """A question about a state the simulated home would make up."""
    return intent in READS and handover.invents_states


def unknown_switch(home: Home, intent: str | None, slots: dict[str, Any]) -> Outcome | None:
    """"Turn on the porch light" for a name our home does not have: HA may have it. What
    to say when HA switches it (None: the name is ours, or not a switch command)."""
    spoken = str(slots.get("unknown") or "")
    if intent not in SWITCHES or not spoken:
        return None
    action = "turn_on" if SWITCHES[intent] else "turn_off"
    if not isinstance(unknown(home, spoken, action), UnknownDevice):
        return None  # one of ours that cannot be switched: the skill said so
    return Switched((device_named(spoken),), on=SWITCHES[intent], group=Group(None, None))


def ha_intent(commands: list[tuple[str, Command]], *, home: Home, intent: str | None,
              slots: dict[str, Any], text: str) -> Intent | None:
    """The one Home Assistant intent that carries out `commands` (recorded for the match
    `intent` with `slots`), with `text` as its speech; None when there is none."""
    if not commands:
        if intent in SWITCHES and slots.get("unknown"):  # a name only HA may know
            return _intent("HassTurnOn" if SWITCHES[intent] else "HassTurnOff",
                           {"name": str(slots["unknown"])}, text)
        return None
    kinds = {type(command) for _, command in commands}
    if len(kinds) != 1:
        return None
    command = commands[0][1]
    values = _values(command)
    devices = [home.device(device_id) for device_id, _ in commands]
    if len(commands) == 1 and devices[0] is not None:
        device = devices[0]
        return _intent(HA_INTENTS[type(command)], {
            "name": device.name, **_domain(device.id, device.kind), **values}, text)
    target = _group(home, slots)
    if target is None:
        return None
    return _intent(HA_INTENTS[type(command)], {**target, **values}, text)


def _values(command: Command) -> dict[str, Any]:
    if isinstance(command, SetBrightness):
        return {"brightness": command.percent}
    if isinstance(command, SetColor):
        names = [name for name, rgb in model.COLORS.items() if rgb == command.rgb]
        return {"color": names[0] if names else list(command.rgb)}
    if isinstance(command, SetPosition):
        return {"position": command.percent}
    if isinstance(command, SetTemperature):
        return {"temperature": command.celsius}
    return {}


def _domain(device_id: str, kind: str) -> dict[str, Any]:
    """HA's domain of a device: its entity id's (HA) or its kind (others)."""
    domain = device_id.partition(".")[0] if "." in device_id else kind
    return {"domain": domain} if domain in model.KINDS else {}


def _group(home: Home, slots: dict[str, Any]) -> dict[str, Any] | None:
    """A command on several devices as HA's slots: a floor or area, and a kind."""
    target: dict[str, Any] = {}
    if slots.get("domain"):
        target["domain"] = str(slots["domain"])
    if slots.get("area"):
        area = str(slots["area"])
        target["floor" if home.floor_named(area) and not home.area_named(area) else "area"] \
            = area
    if not target or ("domain" not in target and slots.get("scope") == "all"):
        return None  # "turn off everything": no one intent says it
    return target


def _intent(name: str, slots: dict[str, Any], text: str) -> Intent:
    return Intent(name=name, entities=[Entity(name=k, value=v) for k, v in slots.items()],
                  text=text)


def device_named(name: str) -> Device:
    """A device known only by the name said, for the reply that HA will switch it."""
    return Device(id="", kind=model.SWITCH, name=name)

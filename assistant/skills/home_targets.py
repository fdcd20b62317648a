"""Which devices a home command means, and what to say when the home fails.

The slots name a device (`name`: a name or an alias, which may belong to several
devices), a place (`area`: a room or a floor), a kind (`domain`: light, switch, cover,
lock) or everything (`scope: all`); `find` resolves them over the home as it is now and
keeps only the devices that can do the action. `failure` turns a backend's typed error
into the outcome the user hears (and logs it).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assistant.home import model
from assistant.home.backend import (
    HomeAuthError,
    HomeError,
    HomeUnreachable,
    NotExposed,
)
from assistant.home.backend import UnknownDevice as DeviceVanished
from assistant.home.model import Device, Home
from assistant.skills.base import Outcome
from assistant.skills.home_outcomes import (
    AccessRefused,
    AskWhich,
    CannotReach,
    DeviceCannot,
    DeviceGone,
    Group,
    HomeDeclined,
    NoSuchDevice,
    NothingToControl,
    NotShared,
    UnknownArea,
    UnknownDevice,
    WhichOne,
)

log = logging.getLogger(__name__)

#: What a device must be able to do for each action of the skill.
NEEDS = {"turn_on": model.ON_OFF, "turn_off": model.ON_OFF, "dim": model.BRIGHTNESS,
         "color": model.COLOR, "open": model.OPEN_CLOSE, "close": model.OPEN_CLOSE,
         "position": model.POSITION, "lock": model.LOCKING, "unlock": model.LOCKING,
         "activate": model.ACTIVATE, "set_temperature": model.TARGET_TEMPERATURE}
SWITCH_ACTIONS = ("turn_on", "turn_off")


@dataclass(frozen=True)
class Found:
    """The devices a command means (none: it named none, so ask which) and how it named
    them."""

    devices: tuple[Device, ...]
    group: Group


def find(home: Home, slots: Mapping[str, Any], action: str) -> Found | Outcome:
    """The devices `slots` point at that can do `action`, or the outcome saying why
    there are none (an unknown name or place, a device that cannot, "which one?")."""
    need = NEEDS[action]
    kind = str(slots["domain"]) if slots.get("domain") else None
    place = None
    if slots.get("area"):
        place = home.place_named(str(slots["area"]))
        if place is None:
            return UnknownArea(str(slots["area"]))
    group = Group(kind=kind, area=place)
    if slots.get("name"):
        return _named(home, str(slots["name"]), action, place, group)
    if place is not None:
        pool: tuple[Device, ...] = home.in_place(place)
    elif slots.get("scope") == "all":
        pool = home.devices
    else:
        return Found((), group)
    found = tuple(d for d in pool if d.can(need) and (kind is None or d.kind == kind))
    return Found(found, group) if found else NoSuchDevice(kind=kind, area=place)


def _named(home: Home, name: str, action: str, place: model.Area | model.Floor | None,
           group: Group) -> Found | Outcome:
    named = home.named(name)
    if place is not None:
        inside = {d.id for d in home.in_place(place)}
        named = tuple(d for d in named if d.id in inside) or named
    if not named:
        return UnknownDevice(name)
    able = tuple(d for d in named if d.can(NEEDS[action]))
    if not able:
        return DeviceCannot(named[0], action=action if action in SWITCH_ACTIONS else None)
    if len(able) > 1:
        return WhichOne(action=action, name=name, choices=able)
    return Found(able, group)


def ask_which(home: Home, slots: Mapping[str, Any], action: str) -> Outcome:
    """The command named no device: which one of those that can do it?"""
    kind = str(slots["domain"]) if slots.get("domain") else None
    choices = tuple(d for d in home.devices if d.can(NEEDS[action])
                    and (kind is None or d.kind == kind))
    if not choices:
        return NothingToControl(action)
    return AskWhich(action=action, kind=kind, choices=choices)


def unknown(home: Home, spoken: str, action: str) -> Outcome:
    """A switch command for a name that is no switchable device: a device that cannot be
    switched, or one the home does not have ("the tv")."""
    words = spoken.lower().split()
    wanted = {" ".join(words), " ".join(words[1:])} - {""}
    for device in home.devices:
        if wanted & set(device.names):
            return DeviceCannot(device, action=action)
    return UnknownDevice(" ".join(words))


def failure(error: HomeError, *, home: str, device: Device | None) -> Outcome:
    """What the user hears when the home failed a command or a reading; logged here with
    the backend's own line (which never holds a credential)."""
    log.warning("home (%s): %s", home, error)
    if isinstance(error, HomeUnreachable):
        return CannotReach(home=home, device=device)
    if isinstance(error, HomeAuthError):
        return AccessRefused(home=home)
    if isinstance(error, NotExposed) and device is not None:
        return NotShared(home=home, device=device)
    if isinstance(error, DeviceVanished) and device is not None:
        return DeviceGone(home=home, device=device)
    return HomeDeclined(home=home, device=device)

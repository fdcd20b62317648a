"""The home as the skill uses it: a `DeviceBackend`, whether it answers now, and commands
sent to several devices at once with their failures gathered into what is said.

A command on several devices carries on past one that refuses (the others still switch)
and stops at the first sign that the home is unreachable (each further try would only
wait out the same timeout). The simulated home raises `HomeStateError` after a change it
could not save: the change stands, and a note says it will be forgotten.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.home.backend import Command, DeviceBackend, HomeError, HomeUnreachable
from assistant.home.model import Device, DeviceState, Home
from assistant.home.state_file import HomeStateError
from assistant.skills.base import Outcome
from assistant.skills.home_outcomes import CannotReach, NotSaved, PartlyDone
from assistant.skills.home_targets import failure

log = logging.getLogger(__name__)


def always() -> bool:
    return True


@dataclass
class Sent:
    """What became of one command sent to several devices."""

    done: list[Device] = field(default_factory=list)
    failed: list[Device] = field(default_factory=list)
    failure: Outcome | None = None
    """What is said about the first device that failed."""
    unsaved: bool = False

    def outcomes(self, success: Callable[[tuple[Device, ...]], Outcome]) -> list[Outcome]:
        """The reply: `success` for the devices done (then what failed, and a note when
        not saved), or the failure alone when none was done."""
        if not self.done and self.failure is not None:
            return [self.failure]
        said = [success(tuple(self.done))]
        if self.failure is not None:
            said.append(PartlyDone(failed=tuple(self.failed), failure=self.failure))
        if self.unsaved:
            said.append(NotSaved())
        return said


class HomeAccess:
    """One backend for the skill: names from `home()`, states, commands, failures said."""

    def __init__(self, backend: DeviceBackend, *,
                 reachable: Callable[[], bool] = always) -> None:
        """`reachable`: False while the backend has not (re)connected, so an unknown name
        is "I can't reach the home", not "I don't know that device"."""
        self.backend = backend
        self.name = backend.name
        self._reachable = reachable

    def home(self) -> Home:
        return self.backend.home()

    def reachable(self) -> bool:
        return self._reachable()

    def unreachable(self, device: Device | None = None) -> Outcome:
        return CannotReach(home=self.name, device=device)

    def current(self, device: Device) -> DeviceState | None:
        """The device's last known state; None when the home has none to give."""
        try:
            return self.backend.state(device.id)
        except HomeError as error:
            log.info("no state for %s: %s", device.id, error)
            return None

    def send(self, devices: tuple[Device, ...] | list[Device], command: Command) -> Sent:
        """Send `command` to each device in turn (see the module docstring)."""
        sent = Sent()
        for index, device in enumerate(devices):
            try:
                self.backend.send(device.id, command)
            except HomeStateError as error:
                log.error("%s", error)
                sent.done.append(device)
                sent.unsaved = True
            except HomeError as error:
                sent.failed.append(device)
                if sent.failure is None:
                    sent.failure = failure(error, home=self.name, device=device)
                if isinstance(error, HomeUnreachable):
                    sent.failed.extend(devices[index + 1:])
                    break
            else:
                sent.done.append(device)
        return sent

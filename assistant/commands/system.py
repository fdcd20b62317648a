"""`devices` and `doctor`: what this machine has, and what is missing with the fix (the
work is in `system_run.py`, imported when one of them runs)."""

from __future__ import annotations

from typing import Any

from assistant.commands import lazy


def register(subparsers: Any) -> None:
    devices = subparsers.add_parser(
        "devices", help="list audio input and output devices",
        description="List the audio devices PortAudio sees; use the index or a part of the "
        "name with --input-device / --output-device.")
    devices.set_defaults(handler=lazy("assistant.commands.system_run:devices"))
    doctor = subparsers.add_parser(
        "doctor", help="check Python, audio, engines and models; say what is missing",
        description="Check everything the assistant needs and print the command that fixes "
        "each problem. Exit status 1 when something required is missing or damaged.")
    doctor.add_argument("--quick", action="store_true",
                        help="check model sizes only, not their SHA-256 (faster)")
    doctor.add_argument("--network-probe", action="store_true",
                        help="only try the ways out under the same network policy as `run`: "
                        "to 192.0.2.1:9 (a reserved address) from Python, libc and child "
                        "processes, and through a helper process it starts outside the "
                        "policy (its memory, its unix sockets, sockets it hands over), the "
                        "local daemons, listen() without bind(), netlink; exit 0 only when "
                        "every way out was refused")
    doctor.set_defaults(handler=lazy("assistant.commands.system_run:doctor"),
                        before_policy=lazy("assistant.privacy.probe_local:before_policy"))

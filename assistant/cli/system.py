"""`devices` and `doctor`: what this machine has, and what is missing with the fix (the
checks are `assistant.doctor`, imported when `doctor` runs)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assistant.config import Config
from assistant.errors import AssistantError
from assistant.home.allowance import home_allowance

if TYPE_CHECKING:
    from assistant.sandbox.probe import Attempt
    from assistant.sandbox.probe_local import Helper


def register(subparsers: Any) -> None:
    devices_parser = subparsers.add_parser(
        "devices", help="list audio input and output devices",
        description="List the audio devices PortAudio sees; use the index or a part of the "
        "name with --input-device / --output-device.")
    devices_parser.set_defaults(handler=devices)
    doctor_parser = subparsers.add_parser(
        "doctor", help="check Python, audio, engines and models; say what is missing",
        description="Check everything the assistant needs and print the command that fixes "
        "each problem. Exit status 1 when something required is missing or damaged.")
    doctor_parser.add_argument("--quick", action="store_true",
                               help="check model sizes only, not their SHA-256 (faster)")
    doctor_parser.add_argument("--network-probe", action="store_true",
                               help="only try the ways out under the same network policy as "
                               "`run`: to 192.0.2.1:9 (a reserved address) from Python, libc "
                               "and child processes, and through a helper process it starts "
                               "outside the policy (its memory, its unix sockets, sockets it "
                               "hands over), the local daemons, listen() without bind(), "
                               "netlink; exit 0 only when every way out was refused")
    doctor_parser.set_defaults(handler=doctor, network_allowance=home_allowance,
                               before_policy=_before_policy)


def devices(args: argparse.Namespace, config: Config) -> int:
    from assistant.sound.devices import list_devices

    rows = list_devices()
    if not rows:
        raise AssistantError("no audio devices found")
    print(f"{'#':>3}  {'in':>3} {'out':>3} {'rate':>6}  {'host api':<10} name")
    for d in rows:
        mark = ("<in " if d.default_input else "") + ("<out" if d.default_output else "")
        print(f"{d.index:>3}  {d.inputs:>3} {d.outputs:>3} {d.rate:>6}  {d.host_api:<10} "
              f"{d.name} {mark}".rstrip())
    return 0


def doctor(args: argparse.Namespace, config: Config) -> int:
    from assistant.doctor import run_checks

    if args.network_probe:
        return _network_probe(getattr(args, "probe_helper", None))
    checks = run_checks(config, full_hash=not args.quick)
    for check in checks:
        line = f"{check.status:<5} {check.what}"
        if check.fix:
            line += f"\n      fix: {check.fix}"
        print(line)
    failed = [c for c in checks if c.status == "FAIL"]
    print(f"\n{len(failed)} problem(s)" if failed else "\nall required checks passed")
    return 1 if failed else 0


def _network_probe(helper: Helper | None) -> int:
    """Print the policy and each escape attempt; 0 only when every attempt was refused
    (one that takes a willing process outside, where the kernel cannot refuse it, is
    reported but does not count)."""
    from assistant.sandbox.kernel import namespace_isolated
    from assistant.sandbox.policy import policy_status
    from assistant.sandbox.probe import PROBE_ADDRESS, escape_attempts
    from assistant.sandbox.probe_local import local_attempts

    status = policy_status()
    print(f"network policy: {status.describe()}")
    print(f"trying to reach {PROBE_ADDRESS[0]} port {PROBE_ADDRESS[1]} (TEST-NET-1, reserved "
          "for documentation: nothing real is contacted)")
    attempts = escape_attempts(isolated=namespace_isolated())
    _print_attempts(attempts)
    if helper is not None:
        try:
            print(f"\ntrying the local ways out, with a helper process outside the policy "
                  f"(pid {helper.pid}; everything it forwards stays on 127.0.0.1)")
            local = local_attempts(helper, ways=status.ways, hidden=status.hidden)
        finally:
            helper.close()
        _print_attempts(local)
        attempts += local
    escaped = [a.way for a in attempts if not a.refused and not a.cooperative]
    willing = [a.way for a in attempts if not a.refused and a.cooperative]
    if willing:
        print(f"\npossible with a willing process outside, which this kernel cannot refuse: "
              f"{'; '.join(willing)}")
    if escaped:
        print(f"\n{len(escaped)} of {len(attempts)} attempts were not refused: "
              f"{', '.join(escaped)}")
        return 1
    print(f"\nall {len(attempts) - len(willing)} ways out were refused")
    return 0


def _print_attempts(attempts: Sequence[Attempt]) -> None:
    for attempt in attempts:
        verdict = (f"refused by {attempt.by}" if attempt.refused and attempt.by else
                   "nothing to try" if attempt.refused else
                   "possible with a willing process outside" if attempt.cooperative else
                   "NOT REFUSED")
        print(f"{attempt.way}: {verdict}\n    {attempt.detail}")


def _before_policy(args: argparse.Namespace, config: Config) -> None:
    """`doctor --network-probe` starts its helper before the policy closes the process."""
    from assistant.sandbox.probe_local import before_policy

    before_policy(args, config)

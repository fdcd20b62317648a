"""`assistant doctor`'s look at the home: which backend, and whether it answers.

A Home Assistant that refuses the token (wrong, expired, revoked) or a broker that refuses
the password is a FAIL with the fix, never a silent switch to the simulated home.
"""

from __future__ import annotations

from assistant.config import Config
from assistant.config_home import HomeBackend
from assistant.errors import AssistantError
from assistant.home.assemble import build_backend, describe
from assistant.home.backend import HomeAuthError, HomeError
from assistant.home.homeassistant import HomeAssistantBackend

TOKEN_FIX = ("make a new long-lived access token (your Home Assistant profile, Security tab), "
             "write it to the file named by home.token_file and chmod 600 it")


def home_check(config: Config) -> tuple[str, str, str]:
    """(status "ok" | "warn" | "FAIL", what, fix) for the configured home."""
    home = config.home
    where = describe(home)
    if home.backend is HomeBackend.SIMULATED:
        source = config.skills.home_file or "the built-in default home"
        return ("ok", f"home: the simulated home ({source}); [home] backend = "
                "\"homeassistant\" or \"mqtt\" controls real devices", "")
    try:
        backend = build_backend(home)
        backend.start()
    except HomeAuthError as error:
        fix = TOKEN_FIX if home.backend is HomeBackend.HOMEASSISTANT else \
            "check home.username and the password in home.password_file"
        return "FAIL", f"home: {error}", fix
    except HomeError as error:
        return ("FAIL", f"home: {error}", f"check that {where} is running and reachable from "
                "this machine, and the [home] keys of the config")
    except AssistantError as error:  # an unusable token or password file
        return "FAIL", f"home: {error}", "fix the file named in the message"
    try:
        found = backend.home()
        version = f" {backend.version}" if isinstance(backend, HomeAssistantBackend) else ""
        return ("ok", f"home: {where}{version} answers: {len(found.devices)} devices in "
                f"{len(found.areas)} areas; the network policy allows {home.peer()} and "
                "nothing else", "")
    finally:
        backend.stop()

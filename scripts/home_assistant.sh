#!/usr/bin/env bash
# A Home Assistant core for the tests: its own virtual environment, made once and cached.
#
#   scripts/home_assistant.sh            # make (or check) the venv; prints its path last
#
# Home Assistant needs a newer Python than the assistant: HA_PYTHON (default: the newest
# pyenv 3.13, else python3.13) must satisfy the pinned release's `requires-python`.
# The venv goes to $HA_VENV, default $XDG_CACHE_HOME/assistant-ci/ha-venv-<version>
# (as .ci/run caches the main venv); it is rebuilt when missing or half-made, and re-used
# when its stamp matches this script and scripts/home_assistant-constraints.txt.
# Besides the core it installs the requirements of the integrations the tests configure
# (read from HA's own manifests, pinned by HA's package_constraints.txt), so `hass` starts
# with --skip-pip and never reaches for the network at run time.
set -euo pipefail

HA_VERSION="2025.4.4"
# What tests/home_assistant.py configures (their dependencies come along), beside HA's
# default integrations (bootstrap.DEFAULT_INTEGRATIONS: frontend, backup, person...).
HA_INTEGRATIONS="homeassistant http api auth config onboarding websocket_api conversation
assist_pipeline wyoming template generic_thermostat local_todo todo weather input_boolean
input_number scene script sensor binary_sensor light switch lock cover climate"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONSTRAINTS="$ROOT/scripts/home_assistant-constraints.txt"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/assistant-ci"
HA_VENV="${HA_VENV:-$CACHE/ha-venv-$HA_VERSION}"

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

find_python() {
  if [ -n "${HA_PYTHON:-}" ]; then echo "$HA_PYTHON"; return; fi
  local found
  found="$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13.*/bin/python3 2>/dev/null \
    | sort -V | tail -1)"
  if [ -n "$found" ]; then echo "$found"; return; fi
  command -v python3.13 || { say "Home Assistant $HA_VERSION needs Python 3.13: set HA_PYTHON"; exit 1; }
}

stamp="$HA_VERSION $(cat "${BASH_SOURCE[0]}" "$CONSTRAINTS" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$HA_VENV/.ha-stamp" 2>/dev/null)" = "$stamp" ] && [ -x "$HA_VENV/bin/hass" ]; then
  echo "$HA_VENV"
  exit 0
fi

python="$(find_python)"
say "installing Home Assistant $HA_VERSION into $HA_VENV ($("$python" --version))"
started=$(date +%s)
rm -rf "$HA_VENV"
"$python" -m venv "$HA_VENV"
"$HA_VENV/bin/python" -m pip install -q --disable-pip-version-check \
  -c "$CONSTRAINTS" "homeassistant==$HA_VERSION" >&2
# The integrations' own requirements, as HA would install them on first start.
requirements="$("$HA_VENV/bin/python" - $HA_INTEGRATIONS <<'EOF'
import json, sys
from pathlib import Path
import homeassistant.components as components
from homeassistant.bootstrap import DEFAULT_INTEGRATIONS
root, seen, wanted = Path(components.__file__).parent, set(), set()
todo = [*sys.argv[1:], *DEFAULT_INTEGRATIONS]
while todo:
    name = todo.pop()
    if name not in seen:
        seen.add(name)
        manifest = json.loads((root / name / "manifest.json").read_text())
        wanted.update(manifest.get("requirements", []))
        todo += manifest.get("dependencies", []) + manifest.get("after_dependencies", [])
print(" ".join(sorted(wanted)))
EOF
)"
ha_constraints="$("$HA_VENV/bin/python" -c \
  'import homeassistant, pathlib; print(pathlib.Path(homeassistant.__file__).parent / "package_constraints.txt")')"
# shellcheck disable=SC2086 # one word per requirement
"$HA_VENV/bin/python" -m pip install -q --disable-pip-version-check \
  -c "$CONSTRAINTS" -c "$ha_constraints" $requirements >&2
echo "$stamp" > "$HA_VENV/.ha-stamp"
say "Home Assistant $HA_VERSION installed in $(( $(date +%s) - started )) s"
echo "$HA_VENV"

# Shared set-up for scripts/run.sh and scripts/test.sh (sourced, not run).
# Idempotent: system packages (when root; otherwise it prints the apt line), a virtual
# environment, the package in editable mode, and the default models. Re-running it on
# a set-up machine only checks and returns.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ASSISTANT_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

# system_packages REQUIRED... : install missing Debian packages, or explain how.
system_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    say "missing system packages (install them with your package manager): ${missing[*]}"
    return 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    say "missing system packages; run this, then run me again:"
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  say "installing system packages: ${missing[*]}"
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# python_env: the venv with the package and its dev extras (rebuilt only when needed).
python_env() {
  local python="${ASSISTANT_PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    say "Python 3.10 or newer is needed (found: $("$python" --version 2>&1))"
    return 1
  fi
  if ! "$PY" -m pip --version >/dev/null 2>&1; then
    # missing, or half-made (python3-venv was not installed the first time): start over
    say "creating the virtual environment $VENV"
    rm -rf "$VENV"
    "$python" -m venv "$VENV"
    "$PY" -m pip install -q --upgrade pip wheel setuptools >&2
  fi
  # Reinstall only when pyproject.toml or the checkout changed (a stamp file records both).
  local stamp="$VENV/.assistant-stamp"
  local want
  want="$ROOT $(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing the assistant and its dependencies (llama-cpp-python compiles: a few minutes the first time)"
    "$PY" -m pip install -q -e "$ROOT[dev]" >&2
    echo "$want" > "$stamp"
  fi
}

# models IDS...: fetch (and verify) models; no IDs = the default set.
models() {
  say "checking the models ${*:-(default set)}"
  "$VENV/bin/assistant" models fetch "$@" >&2
}

#!/usr/bin/env bash
# From a fresh clone to a spoken demo: system packages, Python environment, models,
# then `assistant demo` (a scripted conversation, reply WAVs in out/demo/).
#   scripts/run.sh          the demo
#   scripts/run.sh live     talk to it: microphone and speaker (assistant run)
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"

# libportaudio2: microphone and speaker; espeak-ng: the test mode's second voice.
# python3-venv/-dev and build-essential/cmake build llama-cpp-python on a fresh system.
system_packages libportaudio2 espeak-ng python3-venv python3-dev build-essential cmake \
  || say "continuing without them: the demo works, live audio may not"
python_env
models

cd "$ROOT"
if [ "${1:-}" = "live" ]; then
  shift
  exec "$VENV/bin/assistant" run "$@"
fi
exec "$VENV/bin/assistant" demo "$@"

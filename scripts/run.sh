#!/usr/bin/env bash
# From a fresh clone to a spoken demo: system packages, Python environment, models,
# then `assistant demo` (a scripted conversation, reply WAVs in out/demo/).
#   scripts/run.sh          the demo
#   scripts/run.sh live     talk to it: microphone and speaker (assistant run)
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"

# python3-venv/-dev and build-essential/cmake build llama-cpp-python on a fresh system.
system_packages python3-venv python3-dev build-essential cmake
# libportaudio2: microphone and speaker (`live`); espeak-ng: the test mode's second voice.
system_packages libportaudio2 espeak-ng \
  || say "continuing without them: the demo works; live audio needs libportaudio2"
# libseccomp2: the kernel network filter every command but `models fetch` runs under.
system_packages libseccomp2 \
  || say "continuing without it: only the Python network guard will run (see assistant doctor)"
# wordnet-base: the dictionary the knowledge layer reads definitions and synonyms from.
system_packages wordnet-base \
  || say "continuing without it: word definitions and synonyms go to the chat model"
python_env
models
knowledge_db
llama_check   # the chat model runs on this CPU (rebuilds llama-cpp-python once if not)

cd "$ROOT"
if [ "${1:-}" = "live" ]; then
  shift
  exec "$VENV/bin/assistant" run "$@"
fi
exec "$VENV/bin/assistant" demo "$@"

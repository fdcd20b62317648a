#!/usr/bin/env bash
# From a fresh clone to the full test suite: everything run.sh sets up, plus what the
# tests need (PulseAudio for the live-audio tests, espeak-ng, LibriVox test clips,
# the Korean Vosk model, binutils' objdump for the build check), then lint, type check and
# the whole pytest suite, `slow` tests included (plain `pytest` skips them). Extra
# arguments go to pytest.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"

system_packages libportaudio2 espeak-ng python3-venv python3-dev build-essential cmake \
  pulseaudio pulseaudio-utils libasound2-plugins alsa-utils sox pocketsphinx-testdata \
  util-linux libseccomp2 binutils wordnet-base
python_env
models
knowledge_db
models vosk-ko
llama_check

cd "$ROOT"
say "ruff"
"$VENV/bin/ruff" check .
say "mypy"
"$VENV/bin/mypy" assistant
say "pytest"
export ASSISTANT_REQUIRE_MODELS=1   # a missing model fails the tests instead of skipping them
exec "$PY" -m pytest -m "" "$@"   # -m "": every test, slow ones too

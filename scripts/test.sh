#!/usr/bin/env bash
# From a fresh clone to the full test suite: everything run.sh sets up, plus what the
# tests need (PulseAudio for the live-audio tests, espeak-ng, LibriVox test clips,
# the Korean Vosk model, binutils' objdump for the build check, Mosquitto for the MQTT
# backend, a Home Assistant core in its own cached venv, strace and iproute2 for the sandbox
# tests), then lint, type check, the strict build of the documentation site (a broken link
# or anchor fails it) and the whole pytest suite, `slow` tests included (plain `pytest`
# skips them). Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"

system_packages libportaudio2 espeak-ng python3-venv python3-dev build-essential cmake \
  pulseaudio pulseaudio-utils libasound2-plugins alsa-utils sox pocketsphinx-testdata \
  util-linux libseccomp2 binutils mosquitto mosquitto-clients strace iproute2 wordnet-base
python_env
models
knowledge_db
models vosk-ko
llama_check
say "Home Assistant for the tests (scripts/home_assistant.sh; cached)"
"$ROOT/scripts/home_assistant.sh" >/dev/null

cd "$ROOT"
say "ruff"
"$VENV/bin/ruff" check .
say "mypy"
"$VENV/bin/mypy"   # the packages of pyproject.toml: assistant, assistant_bench
say "docs: mkdocs build --strict (into site/)"
# not --quiet: it hides the warnings that --strict counts, and a broken link would pass
"$VENV/bin/mkdocs" build --strict --config-file "$ROOT/mkdocs.yml" --site-dir "$ROOT/site"
say "pytest"
export ASSISTANT_REQUIRE_MODELS=1   # a missing model fails the tests instead of skipping them
exec "$PY" -m pytest -m "" "$@"   # -m "": every test, slow ones too

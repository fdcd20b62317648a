# Shared set-up for scripts/run.sh and scripts/test.sh (sourced, not run).
# Idempotent: system packages (when root; otherwise it prints the apt line), a virtual
# environment, llama-cpp-python compiled for this CPU, the package in editable mode with
# the pinned versions of constraints.txt, the default models, and a chat smoke test.
# Re-running it on a set-up machine only checks and returns.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ASSISTANT_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
CONSTRAINTS="$ROOT/constraints.txt"

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

# python_env: the venv with llama-cpp-python built for this CPU, then the package with its
# dev and docs extras at the versions of constraints.txt (each reinstalled only when needed).
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
  llama_env
  # Reinstall only when pyproject.toml, constraints.txt or the checkout changed.
  local stamp="$VENV/.assistant-stamp"
  local want
  want="$ROOT $(cat "$ROOT/pyproject.toml" "$CONSTRAINTS" | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing the assistant and its dependencies (versions from constraints.txt)"
    "$PY" -m pip install -q -c "$CONSTRAINTS" -e "$ROOT[dev,docs]" >&2
    echo "$want" > "$stamp"
  fi
}

# models IDS...: fetch (and verify) models; no IDs = the default set.
models() {
  say "checking the models ${*:-(default set)}"
  "$VENV/bin/assistant" models fetch "$@" >&2
}

# knowledge_db: build the knowledge database from the fetched data (once; later runs only
# open it), so the assistant's first start does not spend the time on it.
knowledge_db() {
  say "checking the knowledge database"
  (cd "$ROOT" && "$PY" -m assistant.knowledge >&2)
}

# -- llama-cpp-python, compiled for this CPU ------------------------------------------------
#
# It comes as source and is compiled here. A plain `pip install` compiles llama.cpp with
# -march=native, and on an Intel Xeon with AMX (Sapphire Rapids and later: most cloud VMs)
# that turns on llama.cpp's AMX kernels, which die of SIGILL on the first prompt longer
# than one token (upstream: XTILEDATA permission asked for on the main thread only). So
# the native build here keeps every other instruction of this CPU (AVX2, AVX-512) and
# leaves AMX out through the compiler (-mno-amx-*: GCC lets them win over -march=native,
# and ggml's AMX code compiles only where __AMX_INT8__ is defined). LLAVA_BUILD=OFF skips
# the multimodal library, which nothing here uses: 140 compile steps instead of 193, 23 %
# less CPU time (684 against 886 CPU-seconds, measured here under the same load).
#
# ggml can instead build one CPU back end per x86 level and pick one at run time
# (GGML_CPU_ALL_VARIANTS with GGML_BACKEND_DL). Not used: measured on the development VM
# (AMD EPYC Zen 3, 2 cores; docs/building.md, "Why this build") it was the same
# speed (84-token prompt 556 against 529 ms, 67 against 65 tokens/s, medians of 7
# alternating runs), takes 387 compile steps instead of 140 (about 2.3 times the CPU time),
# ships a `sapphirerapids` variant with the very AMX kernels to delete, and
# llama-cpp-python 0.3.36 does not find the variants on its own (llama.cpp searches the
# Python executable's folder and the working directory, not llama_cpp/lib: "no backends
# are loaded"). Its portability buys nothing here: the build is checked by the smoke test
# below and redone when the venv meets another CPU (the stamp holds a CPU fingerprint).

# cpu_fingerprint: architecture, CPU model and feature flags, hashed.
cpu_fingerprint() {
  { uname -m
    grep -m1 -iE '^(model name|cpu model|hardware|cpu part)[[:space:]]*:' /proc/cpuinfo || true
    grep -m1 -iE '^(flags|features)[[:space:]]*:' /proc/cpuinfo || true
  } 2>/dev/null | sha256sum | cut -c1-16
}

# no_amx_flags: -mno-amx-* for every AMX extension the C and C++ compilers know.
no_amx_flags() {
  local flags="" ext
  for ext in amx-tile amx-int8 amx-bf16 amx-fp16 amx-complex amx-avx512 amx-fp8 amx-movrs \
             amx-tf32 amx-transpose; do
    "${CC:-cc}" "-mno-$ext" -E -x c /dev/null -o /dev/null 2>/dev/null \
      && "${CXX:-c++}" "-mno-$ext" -E -x c++ /dev/null -o /dev/null 2>/dev/null \
      && flags+="${flags:+ }-mno-$ext"
  done
  echo "$flags"
}

# llama_build_flags KIND [ARCH]: set LLAMA_CMAKE_ARGS and LLAMA_CFLAGS for a `native` or
# `portable` build on ARCH (default: this machine's). Portable is the fallback when the
# native build crashes: no instruction beyond the architecture's baseline.
llama_build_flags() {
  local kind=$1 arch=${2:-$(uname -m)}
  LLAMA_CMAKE_ARGS="-DLLAVA_BUILD=OFF"
  LLAMA_CFLAGS=""
  case "$kind:$arch" in
    native:x86_64)
      LLAMA_CMAKE_ARGS+=" -DGGML_NATIVE=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF"
      LLAMA_CMAKE_ARGS+=" -DGGML_AMX_BF16=OFF"
      LLAMA_CFLAGS=$(no_amx_flags) ;;
    portable:x86_64)
      LLAMA_CMAKE_ARGS+=" -DGGML_NATIVE=OFF -DGGML_SSE42=OFF -DGGML_AVX=OFF -DGGML_AVX2=OFF"
      LLAMA_CMAKE_ARGS+=" -DGGML_BMI2=OFF -DGGML_AVX_VNNI=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF"
      LLAMA_CMAKE_ARGS+=" -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF"
      LLAMA_CMAKE_ARGS+=" -DGGML_AVX512_BF16=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF"
      LLAMA_CMAKE_ARGS+=" -DGGML_AMX_BF16=OFF" ;;
    native:*)  # a Raspberry Pi builds for its own core (Cortex-A72: armv8-a; A76: dotprod, fp16)
      LLAMA_CMAKE_ARGS+=" -DGGML_NATIVE=ON" ;;
    portable:aarch64|portable:arm64)
      LLAMA_CMAKE_ARGS+=" -DGGML_NATIVE=OFF -DGGML_CPU_ARM_ARCH=armv8-a" ;;
    portable:*)
      LLAMA_CMAKE_ARGS+=" -DGGML_NATIVE=OFF" ;;
    *) say "unknown llama-cpp-python build '$kind' (ASSISTANT_LLAMA_BUILD: native or portable)"
       return 1 ;;
  esac
}

# llama_kind: ASSISTANT_LLAMA_BUILD if set, else portable on a CPU where the native build
# crashed before (recorded by llama_check), else native.
llama_kind() {
  if [ -n "${ASSISTANT_LLAMA_BUILD:-}" ]; then
    echo "$ASSISTANT_LLAMA_BUILD"
  elif [ "$(cat "$VENV/.assistant-llama-fallback" 2>/dev/null)" = "$(cpu_fingerprint)" ]; then
    echo portable
  else
    echo native
  fi
}

llama_version() { sed -n 's/^llama[-_]cpp[-_]python==//p' "$CONSTRAINTS"; }

# llama_install KIND: compile and install llama-cpp-python (the pinned version). pip caches
# built wheels by version, not by flags: --no-cache-dir and --no-binary make it compile.
llama_install() {
  llama_build_flags "$1" || return 1
  say "compiling llama-cpp-python $(llama_version) ($1 build; a few minutes): CMAKE_ARGS=\"$LLAMA_CMAKE_ARGS\"${LLAMA_CFLAGS:+ CFLAGS=\"$LLAMA_CFLAGS\"}"
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CFLAGS="${CFLAGS:-} $LLAMA_CFLAGS" \
    CXXFLAGS="${CXXFLAGS:-} $LLAMA_CFLAGS" \
    "$PY" -m pip install -q --no-cache-dir --force-reinstall --no-deps \
    --no-binary llama-cpp-python -c "$CONSTRAINTS" llama-cpp-python >&2
}

# llama_rebuild KIND: $ASSISTANT_LLAMA_INSTALL KIND if set (a packager's own build; the
# tests' stand-in), else llama_install; then the stamp records what was built for which CPU.
llama_rebuild() {
  if [ -n "${ASSISTANT_LLAMA_INSTALL:-}" ]; then
    $ASSISTANT_LLAMA_INSTALL "$1" || return 1
  else
    llama_install "$1" || return 1
  fi
  llama_stamp "$1" > "$VENV/.assistant-llama"
}

llama_stamp() {
  llama_build_flags "$1" || return 1
  echo "llama-cpp-python $(llama_version) $1 cpu=$(cpu_fingerprint) $LLAMA_CMAKE_ARGS $LLAMA_CFLAGS"
}

# llama_env: llama-cpp-python built for this CPU; rebuilt when the version, the flags or
# the CPU changed (a cached venv moved to another machine).
llama_env() {
  local kind want
  kind=$(llama_kind)
  want=$(llama_stamp "$kind") || return 1
  [ "$(cat "$VENV/.assistant-llama" 2>/dev/null)" = "$want" ] && return 0
  llama_rebuild "$kind"
}

# smoke: the chat smoke test, $ASSISTANT_SMOKE_COMMAND if set (the tests' stand-in).
smoke() {
  if [ -n "${ASSISTANT_SMOKE_COMMAND:-}" ]; then
    $ASSISTANT_SMOKE_COMMAND
  else
    (cd "$ROOT" && "$PY" -m assistant.engines.llm.smoke)
  fi
}

# death STATUS: "died of SIGILL: <likely cause>" for a shell exit status above 128.
death() {
  "$PY" -c 'import sys; from assistant.engines.llm.smoke import describe_death
print(describe_death(int(sys.argv[1])))' "$1" 2>/dev/null \
    || echo "died of SIG$(kill -l $(($1 - 128)) 2>/dev/null || echo "NAL $(($1 - 128))")"
}

# give_up_fix STATUS: what to do when even the portable build's smoke test fails.
give_up_fix() {
  case "$(kill -l $(($1 - 128)) 2>/dev/null)" in
    KILL) echo "free memory (the 1.5B chat model needs about 1.3 GB, SmolLM2 300 MB; see free -m and dmesg), then run scripts/run.sh again" ;;
    SEGV|BUS) echo "fetch the chat model again ($VENV/bin/assistant models fetch --force qwen2.5-coder-1.5b-instruct-q4_k_m, or the one your config names), then run scripts/run.sh again" ;;
    *) echo "report it with the output of $VENV/bin/assistant doctor and of: $PY -m assistant.engines.llm.smoke" ;;
  esac
}

# llama_check: after the models are fetched, load the chat model, read a 64+ token prompt,
# write a few tokens, in a child process. Killed by a signal: rebuild once with the
# portable baseline (remembered for this CPU) and test again, then give up with the fix.
llama_check() {
  say "chat smoke test: llama-cpp-python on this CPU"
  local status=0
  smoke || status=$?
  [ "$status" -eq 0 ] && return 0
  if [ "$status" -le 128 ]; then
    say "the chat smoke test failed (exit status $status; the error is above)"
    return 1
  fi
  say "the chat smoke test $(death "$status")"
  if [ "$(llama_kind)" != portable ]; then
    say "rebuilding llama-cpp-python once with a portable baseline (no -march=native, AVX, AVX2, AVX-512, FMA, F16C or AMX; slower)"
    llama_rebuild portable || return 1
    cpu_fingerprint > "$VENV/.assistant-llama-fallback"
    status=0
    smoke || status=$?
    if [ "$status" -eq 0 ]; then
      say "the portable build works on this CPU; it stays until the CPU changes"
      return 0
    fi
    [ "$status" -gt 128 ] && say "the portable build's smoke test $(death "$status")"
  fi
  say "giving up: the chat model cannot run here. Fix: $(give_up_fix "$status")"
  return 1
}

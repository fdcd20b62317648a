"""The installed llama.cpp holds no AMX instruction.

A `-march=native` build on an Intel Xeon with AMX (Sapphire Rapids and later) compiles
llama.cpp's AMX kernels, which die of SIGILL on the first batched prompt under some
hypervisors. scripts/bootstrap.sh leaves them out; this test disassembles every CPU back
end of the installed llama_cpp (binutils' objdump) and fails on any AMX instruction, so it
catches a wrong build on any machine, also one without AMX. The second test proves the
scan finds AMX code when there is some (a small library compiled with -mamx-*).
"""

from __future__ import annotations

import platform
import re
import shutil
import subprocess
from pathlib import Path

import pytest

#: Every AMX mnemonic: tile configuration, loads and stores, and the dot products
#: (AMX-INT8 tdpbssd/tdpbsud/tdpbusd/tdpbuud, AMX-BF16 tdpbf16ps, AMX-FP16 tdpfp16ps,
#: AMX-COMPLEX tcmmimfp16ps/tcmmrlfp16ps).
AMX = re.compile(r"^(ldtilecfg|sttilecfg|tilezero|tileloadd|tileloaddt1|tilestored|"
                 r"tilerelease|tdpb\w*|tdpfp16ps|tcmm\w+)$")

pytestmark = pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"),
                                reason="AMX is an x86-64 extension")


def objdump() -> str:
    tool = shutil.which("objdump")
    if tool is None:
        pytest.fail("objdump is missing: sudo apt-get install binutils (scripts/test.sh does)")
    return tool


def amx_instructions(library: Path) -> tuple[int, list[str]]:
    """(instructions disassembled, AMX ones as 'function+address: instruction')."""
    listing = subprocess.run([objdump(), "-d", "--no-show-raw-insn", str(library)],
                             capture_output=True, text=True, check=True).stdout
    count, found, function = 0, [], "?"
    for line in listing.splitlines():
        header = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if header:
            function = header.group(1)
            continue
        parts = line.split("\t")
        if len(parts) < 2 or not re.match(r"^\s*[0-9a-f]+:$", parts[0]):
            continue
        count += 1
        mnemonic = parts[1].split()[0] if parts[1].split() else ""
        if AMX.match(mnemonic):
            found.append(f"{function} {parts[0].strip()} {parts[1].strip()}")
    return count, found


def cpu_backends() -> dict[Path, list[str]]:
    """Each distinct libggml-cpu*.so* of the installed llama_cpp (a wheel holds copies, not
    symlinks, of libggml-cpu.so, .so.0 and .so.0.x.y) with the names it goes by."""
    import hashlib

    import llama_cpp

    lib = Path(llama_cpp.__file__).parent / "lib"
    by_content: dict[str, list[Path]] = {}
    for path in sorted(lib.glob("libggml-cpu*.so*")):
        digest = hashlib.sha256(path.resolve().read_bytes()).hexdigest()
        by_content.setdefault(digest, []).append(path)
    return {paths[0]: [p.name for p in paths] for paths in by_content.values()}


def test_the_installed_llama_cpp_has_no_amx_instruction() -> None:
    libraries = cpu_backends()
    assert libraries, "no libggml-cpu*.so in llama_cpp/lib: is llama-cpp-python built?"
    report, offenders = [], []
    for library, names in libraries.items():
        count, found = amx_instructions(library)
        assert count > 10000, f"{library}: only {count} instructions disassembled"
        report.append(f"{' = '.join(names)}: {count} instructions, {len(found)} AMX")
        offenders += [f"{library.name}: {line}" for line in found]
    print("\n".join(report))
    assert not offenders, (
        f"{len(offenders)} AMX instruction(s) in llama.cpp's CPU back end (a -march=native "
        "build on an AMX CPU; rebuild with scripts/run.sh, which leaves AMX out):\n"
        + "\n".join(offenders[:40]))


AMX_KERNEL = r"""
#include <immintrin.h>
#include <stdint.h>
struct config { uint8_t palette, start; uint8_t reserved[14]; uint16_t colsb[16];
                uint8_t rows[16]; };
void kernel(const int8_t *a, const int8_t *b, int32_t *c) {
    struct config cfg = {0};
    cfg.palette = 1;
    for (int i = 0; i < 3; i++) { cfg.colsb[i] = 64; cfg.rows[i] = 16; }
    _tile_loadconfig(&cfg);
    _tile_zero(0);
    _tile_loadd(1, a, 64);
    _tile_loadd(2, b, 64);
    _tile_dpbssd(0, 1, 2);
    _tile_stored(0, c, 64);
    _tile_release();
}
"""


def test_the_scan_finds_amx_code_where_there_is_some(tmp_path: Path) -> None:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.fail("no C compiler: sudo apt-get install build-essential (scripts/test.sh does)")
    source = tmp_path / "amx.c"
    source.write_text(AMX_KERNEL, encoding="utf-8")
    library = tmp_path / "libamx.so"
    built = subprocess.run([compiler, "-O2", "-mamx-tile", "-mamx-int8", "-shared", "-fPIC",
                            str(source), "-o", str(library)], capture_output=True, text=True)
    if built.returncode != 0:
        pytest.skip(f"this compiler cannot emit AMX: {built.stderr.strip()[:200]}")
    _, found = amx_instructions(library)
    mnemonics = {line.split()[2] for line in found}
    assert {"ldtilecfg", "tilezero", "tileloadd", "tdpbssd", "tilestored",
            "tilerelease"} <= mnemonics, found
    assert all(line.startswith("kernel ") for line in found), found

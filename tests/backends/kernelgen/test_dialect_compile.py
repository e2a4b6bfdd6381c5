"""Every kernel form the generator emits compiles in each C++-based dialect: MSL through the shim header
(``g++ -fsyntax-only``), CUDA C through ``nvcc -ptx``. OpenCL C is compiled for real by the kit on PoCL."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from nr_core.kernelgen import CUDA, METAL, OPENCL, catalog, exprs
from nr_core.kernelgen.elementwise import elementwise

F32 = "<f4"


def _cxx():
    return shutil.which("g++") or shutil.which("clang++")


def _shim_dir():
    pytest.importorskip("nr_backend_metal")
    from nr_backend_metal.runtime_shim import SHIM_DIR
    return SHIM_DIR


def _msl_check(source: str) -> subprocess.CompletedProcess:
    return subprocess.run([_cxx(), "-x", "c++", "-", "-std=c++17", "-fsyntax-only", "-w", "-I", str(_shim_dir())],
                          input=source, capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(_cxx() is None, reason="no C++ compiler (g++ or clang++) for the MSL shim")
def test_every_msl_kernel_compiles_under_the_shim(record_property):
    kerns = catalog.kernels(METAL)
    assert len(kerns) > 600
    res = _msl_check(catalog.translation_unit(METAL, kerns))
    assert res.returncode == 0, res.stderr[-6000:]
    record_property("msl_kernels_compiled", len(kerns))
    print(f"\nMSL: {len(kerns)} kernels compiled through the shim")


@pytest.mark.skipif(_cxx() is None, reason="no C++ compiler (g++ or clang++) for the MSL shim")
def test_the_shim_rejects_a_function_metal_lacks():
    """Fidelity: a bare ``log1p`` (absent from Metal's library) fails, the generated kernel (with the helper
    the dialect substitutes) passes."""
    kern = elementwise(METAL, ((F32, True),), (), (("log1p", F32, F32, ("i0",)),), (F32, True), 1)
    assert "nr_log1p(" in kern.source and re.search(r"[^_]log1p\(", kern.source) is None
    assert _msl_check(kern.source).returncode == 0
    bare = kern.source.replace("nr_log1p(i0)", "log1p(i0)")
    assert _msl_check(bare).returncode != 0


def test_no_64_bit_floats_in_msl():
    with pytest.raises(TypeError, match="metal: no float64"):
        METAL.ctype("<f8")
    assert all("double" not in k.source for k in catalog.kernels(METAL))


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc (CUDA toolkit) not found: CUDA C compile check skipped")
def test_every_cuda_kernel_compiles_with_nvcc(tmp_path, record_property):
    kerns = catalog.kernels(CUDA)
    src = tmp_path / "kernels.cu"
    src.write_text(catalog.translation_unit(CUDA, kerns))
    # -Xcicc -O0: the front end and NVVM check everything; optimising 800 kernels would only cost time
    res = subprocess.run(["nvcc", "-ptx", "-w", "-Xcicc", "-O0", str(src), "-o", str(tmp_path / "k.ptx")],
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-6000:]
    ptx = (tmp_path / "k.ptx").read_text()
    assert ptx.count(".entry") == len(kerns)
    record_property("cuda_kernels_compiled", len(kerns))
    print(f"\nCUDA: {len(kerns)} kernels compiled with nvcc -ptx")


def test_one_expression_table_serves_all_dialects():
    """A fused chain differs between dialects only in the dialect's strings, not in the expression."""
    code = (("multiply", F32, F32, ("i0", "i1")), ("relu", F32, F32, ("t0",)))
    bodies = {}
    for d in (OPENCL, METAL, CUDA):
        src = elementwise(d, ((F32, True), (F32, True)), (), code, (F32, True), 1).source
        bodies[d.name] = src[src.index("{"):]
        assert exprs.template("relu", 1, __import__("numpy").dtype(F32)).format(a="t0", T="float") in src
    assert "get_global_id(0)" in bodies["opencl"] and "nr_gid.x" in bodies["metal"] and "blockIdx.x" in bodies["cuda"]


def test_the_largest_fused_metal_kernel_fits_metals_31_buffer_slots():
    from nr_core.kernelgen.device.lazy import MAX_LEAVES
    ins = tuple((F32, False) for _ in range(MAX_LEAVES))
    code, prev = [], "i0"
    for i in range(1, MAX_LEAVES):
        code.append(("add", F32, F32, (prev, f"i{i}")))
        prev = f"t{i - 1}"
    kern = elementwise(METAL, ins, (F32, F32), tuple(code), (F32, False), 3)
    slots = re.findall(r"\[\[buffer\((\d+)\)\]\]", kern.source)
    assert len(slots) == MAX_LEAVES + 2 and max(map(int, slots)) < 31  # inputs, output, one scalar struct
    assert kern.packed and kern.scalar_block().names[:2] == ("o_off", "o_s0")
    if _cxx():
        assert _msl_check(kern.source).returncode == 0

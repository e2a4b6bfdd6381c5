"""float16 and bfloat16: promotion, finfo and can_cast against PyTorch, creation and casts, DLPack, refusals, and
nr_core without ml_dtypes."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import nr_core as nr
from nr_core import dtypes as _d

torch = pytest.importorskip("torch")

_T = {d: getattr(torch, d.name) for d in _d.ALL_DTYPES if d.kind != "uint" or d is _d.uint8}
_T[_d.bool] = torch.bool


@pytest.mark.parametrize("low", [nr.float16, nr.bfloat16], ids=["float16", "bfloat16"])
def test_promotion_with_every_dtype_equals_torch(low):
    for other, tdt in _T.items():
        want = torch.promote_types(_T[low], tdt)
        assert nr.result_type(low, other).name == str(want).removeprefix("torch."), (low, other)
        assert nr.result_type(other, low) is nr.result_type(low, other)


def test_scalars_keep_the_16_bit_dtype_like_torch():
    for low in (nr.float16, nr.bfloat16):
        x = nr.ones(2, dtype=low)
        assert (x * 2.5).dtype is low and (1 + x).dtype is low and (x > 0.5).dtype is nr.bool
        assert str((torch.ones(2, dtype=_T[low]) * 2.5).dtype).endswith(low.name)


@pytest.mark.parametrize("low", [nr.float16, nr.bfloat16], ids=["float16", "bfloat16"])
def test_finfo_equals_torch(low):
    fi, ti = nr.finfo(low), torch.finfo(_T[low])
    assert (fi.bits, fi.eps, fi.max, fi.min, fi.smallest_normal) == (ti.bits, ti.eps, ti.max, ti.min, ti.tiny)
    assert fi.dtype is low
    assert nr.isdtype(low, "real floating")
    # an extension: the inspection table lists the standard's dtypes only (array-API consumers iterate over it)
    assert low not in nr.__array_namespace_info__().dtypes(kind="real floating").values()


def test_can_cast_is_safe_casting():
    assert nr.can_cast(nr.float16, nr.float32) and nr.can_cast(nr.bfloat16, nr.float32)
    assert not nr.can_cast(nr.float16, nr.bfloat16) and not nr.can_cast(nr.bfloat16, nr.float16)
    assert not nr.can_cast(nr.float32, nr.bfloat16) and nr.can_cast(nr.int8, nr.float16)


@pytest.mark.parametrize("low", [nr.float16, nr.bfloat16], ids=["float16", "bfloat16"])
def test_creation_and_casts_round_like_torch(low):
    vals = [0.1, 1.0 / 3.0, 1000.7, -2.5e-3, 65504.0]
    x = nr.asarray(vals, dtype=low)
    t = torch.tensor(vals, dtype=_T[low])
    np.testing.assert_array_equal(x.astype(nr.float32).numpy(), t.float().numpy())
    np.testing.assert_array_equal(nr.astype(nr.asarray(vals), low).astype(nr.float64).numpy(), t.double().numpy())
    for made, ref in ((nr.zeros((2, 3), dtype=low), torch.zeros(2, 3)), (nr.ones(3, dtype=low), torch.ones(3)),
                      (nr.full((2,), 0.3, dtype=low), torch.full((2,), 0.3, dtype=_T[low])),
                      (nr.linspace(0, 1, 5, dtype=low), torch.linspace(0, 1, 5)),
                      (nr.arange(0, 2, 0.5, dtype=low), torch.arange(0, 2, 0.5)),
                      (nr.eye(2, dtype=low), torch.eye(2))):
        assert made.dtype is low
        np.testing.assert_array_equal(made.astype(nr.float32).numpy(), ref.to(_T[low]).float().numpy())
    assert nr.random.normal((4,), dtype=low).dtype is low
    assert x.half().dtype is nr.float16 and x.bfloat16().dtype is nr.bfloat16


def test_float16_through_dlpack_both_ways_and_bfloat16_refused_clearly():
    x = nr.asarray([1.5, -2.0], dtype=nr.float16)
    t = torch.from_dlpack(x)
    assert t.dtype == torch.float16 and t.tolist() == [1.5, -2.0]
    back = nr.from_dlpack(torch.tensor([0.25], dtype=torch.float16))
    assert back.dtype is nr.float16 and back.tolist() == [0.25]
    with pytest.raises(BufferError, match="bfloat16.*astype"):
        x.astype(nr.bfloat16).__dlpack__()
    with pytest.raises(BufferError, match="from_dlpack.*bfloat16"):
        nr.from_dlpack(torch.ones(2, dtype=torch.bfloat16))


def test_a_backend_without_16_bit_floats_refuses_them_before_any_kernel():
    from nr_core.backend import Capabilities
    from nr_core.plugins import REGISTRY
    be = REGISTRY.backend_for(nr.Device("example", 0))
    saved = be.capabilities
    be.capabilities = Capabilities(dtypes=frozenset(d for d in saved.dtypes if d not in _d.LOW_PRECISION))
    try:
        x = nr.ones(3, device="example")
        with pytest.raises(TypeError, match="astype: dtype float16 is not supported on device example:0"):
            x.astype(nr.float16)
        with pytest.raises(TypeError, match="ones: dtype bfloat16 is not supported on device example:0"):
            nr.ones(3, dtype=nr.bfloat16, device="example")
        with pytest.raises(TypeError, match="autocast: dtype bfloat16 is not supported on device type 'example'"):
            with nr.autocast("example"):
                pass
    finally:
        be.capabilities = saved


def test_nr_core_imports_without_ml_dtypes():
    code = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "ml_dtypes":
            raise ImportError("blocked for the test")
sys.meta_path.insert(0, Block())
import nr_core as nr
assert nr.bfloat16.numpy is None and nr.float16.numpy is not None
assert nr.result_type(nr.float16, nr.bfloat16) is nr.float32
assert "bfloat16" not in nr.__array_namespace_info__().dtypes()
try:
    nr.ones(2, dtype=nr.bfloat16)
except TypeError as exc:
    assert "bfloat16" in str(exc), exc
else:
    raise AssertionError("bfloat16 without ml_dtypes was not refused")
print((nr.ones(2, dtype=nr.float16) + 1).dtype)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "nr.float16"

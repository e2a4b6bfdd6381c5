"""Binds the standard's array operators to Tensor, from the same functions as the namespace."""
from __future__ import annotations

from .. import dispatch as _dispatch
from .. import dtypes as _d
from ..grad_mode import state as _grad
from ..ops import elementwise as ew
from ..array_object import Tensor
from ..methods import store
from .elementwise import fast_kernel
from .products import matmul

_SCALARS = (bool, int, float, complex)


def _reflected(fn):
    def method(self, other, /):
        return fn(other, self)
    method.__name__ = f"__r{fn.__name__}__"
    return method


def _comparison(fn):
    def method(self, other, /):
        if not isinstance(other, Tensor) and type(_d.python_scalar(other)) not in _SCALARS:
            return NotImplemented
        return fn(self, other)
    return method


def _inplace(fn):
    name = fn.__name__
    elementwise = hasattr(fn, "fast")

    def method(self, other, /):
        if elementwise and _writes_in_place(self, other, fn, name):
            return self
        return store(self, fn(self, other), name)
    return method


def _writes_in_place(x, other, fn, name) -> bool:
    """``x op= other`` straight into x's buffer (ufunc ``out=``) when nothing needs recording or casting."""
    be = x._backend
    if not be.capabilities.inplace_out or x._requires_grad and _grad.enabled or _dispatch._intercept is not None:
        return False
    if isinstance(other, Tensor):
        if other._dtype is not x._dtype or other._device is not x._device or other._requires_grad and _grad.enabled:
            return False
        operand = other._data
    elif type(other) in _SCALARS and _d.scalar_result_dtype(x._dtype, other, name) is x._dtype:
        operand = other
    else:
        return False
    hit = fast_kernel(fn, be, x._dtype)
    if not hit or hit[1] is not x._dtype:
        return False
    try:
        hit[0](x._data, operand, out=x._data)
    except (TypeError, ValueError):  # an immutable 0-d scalar buffer, or a shape that needs broadcasting x
        return False
    x._bump_version()
    return True


_BINARY = {
    "add": ew.add, "sub": ew.subtract, "mul": ew.multiply, "truediv": ew.divide, "floordiv": ew.floor_divide,
    "mod": ew.remainder, "pow": ew.pow, "matmul": matmul, "and": ew.bitwise_and, "or": ew.bitwise_or,
    "xor": ew.bitwise_xor, "lshift": ew.bitwise_left_shift, "rshift": ew.bitwise_right_shift,
}

for _name, _fn in _BINARY.items():
    setattr(Tensor, f"__{_name}__", _fn)
    setattr(Tensor, f"__r{_name}__", _reflected(_fn))
    setattr(Tensor, f"__i{_name}__", _inplace(_fn))

for _name, _fn in {"lt": ew.less, "le": ew.less_equal, "gt": ew.greater, "ge": ew.greater_equal,
                   "eq": ew.equal, "ne": ew.not_equal}.items():
    setattr(Tensor, f"__{_name}__", _comparison(_fn))

Tensor.__neg__ = ew.negative
Tensor.__pos__ = ew.positive
Tensor.__abs__ = ew.abs
Tensor.__invert__ = ew.bitwise_invert
Tensor.__array_ufunc__ = None  # numpy defers to our reflected operators instead of converting us

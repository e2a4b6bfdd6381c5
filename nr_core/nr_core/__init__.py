"""nr_core: the neurarust array namespace (Python array API 2024.12), op table, dispatcher and plugin manager."""
from __future__ import annotations

import sys as _sys

from ._version import __version__
from . import dtypes as _dtypes
from .devices import Device
from .dtypes import (DType, bool, complex64, complex128, float32, float64, int8, int16, int32, int64,  # noqa: A004
                     uint8, uint16, uint32, uint64)
from .errors import DeviceMismatchError, DeviceUnavailableError, PluginError
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .hookspecs import hookimpl
from .tensor import Tensor
from . import dispatch as _dispatch
from . import api
from .api.creation import (arange, asarray, empty, empty_like, eye, from_dlpack, full, full_like, linspace,
                           meshgrid, ones, ones_like, tril, triu, zeros, zeros_like)
from .api.data_types import astype, can_cast, finfo, iinfo, isdtype, result_type
from .api.elementwise import (abs, acos, acosh, add, asin, asinh, atan, atan2, atanh, bitwise_and,  # noqa: A004
                              bitwise_invert, bitwise_left_shift, bitwise_or, bitwise_right_shift, bitwise_xor,
                              ceil, clip, conj, copysign, cos, cosh, divide, equal, exp, expm1, floor, floor_divide,
                              greater, greater_equal, hypot, imag, isfinite, isinf, isnan, less, less_equal, log,
                              log1p, log2, log10, logaddexp, logical_and, logical_not, logical_or, logical_xor,
                              maximum, minimum, multiply, negative, nextafter, not_equal, positive, pow, real,
                              reciprocal, relu, remainder, round, sigmoid, sign, signbit, sin, sinh, sqrt, square,
                              subtract, tan, tanh, trunc)
from .api.indexing import take, take_along_axis
from .api.info import __array_namespace_info__
from .api.linalg_main import matmul, tensordot, vecdot
from .api.manipulation import (broadcast_arrays, broadcast_to, concat, expand_dims, flip, matrix_transpose,
                               moveaxis, permute_dims, repeat, reshape, roll, squeeze, stack, tile, unstack)
from .api.searching import argmax, argmin, count_nonzero, nonzero, searchsorted, where
from .api.sets import unique_all, unique_counts, unique_inverse, unique_values
from .api.sorting import argsort, sort
from .api.statistical import (all, any, cumulative_prod, cumulative_sum, diff, logsumexp, max, mean, min, prod,  # noqa
                              std, sum, var)
from . import decompositions as _decompositions  # noqa: F401  (fills the decomposition table)
from . import random
from .api import fft, linalg
from .plugins import REGISTRY as _REGISTRY
from .shapes import broadcast_shapes

__array_api_version__ = "2024.12"

e = 2.718281828459045
inf = float("inf")
nan = float("nan")
pi = 3.141592653589793
newaxis = None


def backends() -> list:
    """Every installed backend and plugin with availability, reason, devices and install hint."""
    return _REGISTRY.all_statuses()


def set_default_device(device) -> None:
    """Make ``device`` the default of creation functions (``NR_DEFAULT_DEVICE`` sets it at start-up)."""
    _REGISTRY.set_default_device(device)


def dispatch_engine(what: str):
    """The autograd engine registered by nr-autograd, or a RuntimeError saying to install it."""
    _REGISTRY.ensure()
    if _dispatch.engine is None:
        raise RuntimeError(f"{what} needs the autograd engine: pip install nr-autograd")
    return _dispatch.engine


from . import tensor as _tensor_module  # noqa: E402

_tensor_module._ns = __import__(__name__)
# the extensions are reachable as ``import nr_core.linalg`` too, like NumPy's
_sys.modules[__name__ + ".linalg"] = linalg
_sys.modules[__name__ + ".fft"] = fft
del _tensor_module, _sys, annotations

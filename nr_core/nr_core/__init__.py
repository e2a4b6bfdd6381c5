"""nr_core: the neurarust array namespace (Python array API 2024.12), op table, dispatcher and plugin manager.

The namespace is assembled from the op table: nr_core's own ops come from its built-in "core" plugin
(``nr_core.ops``, one file per family), registered here through the same hook as every other plugin's; the
elementwise functions are made from their table entries, the others are the frontends in ``nr_core.api``.
"""
from __future__ import annotations

import sys as _sys
from types import ModuleType as _ModuleType

from ._version import __version__
from . import dtypes as _dtypes
from .devices import Device
from .devices import Device as device  # PyTorch's torch.device
from .dtypes import (DType, bfloat16, bool, complex64, complex128, float16, float32, float64, int8, int16,  # noqa: A004
                     int32, int64, uint8, uint16, uint32, uint64)
from .errors import DeviceMismatchError, DeviceUnavailableError, PluginError
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .hookspecs import hookimpl
from .array_object import Tensor
from .plugins import REGISTRY as _REGISTRY
from . import ops as _ops

# the core plugin goes through the one registration path before the namespace below reads the table
_REGISTRY.register_plugin(_ops, name="core", distribution="nr-core", version=__version__)

from .ops.elementwise import *  # noqa: E402,F401,F403  (one function per elementwise table entry)
from .api.creation import *  # noqa: E402,F401,F403
from .api.data_types import *  # noqa: E402,F401,F403
from .api.einsum import *  # noqa: E402,F401,F403
from .api.indexing import *  # noqa: E402,F401,F403
from .api.info import *  # noqa: E402,F401,F403
from .api.manipulation import *  # noqa: E402,F401,F403
from .api.products import *  # noqa: E402,F401,F403
from .api.searching import *  # noqa: E402,F401,F403
from .api.sets import *  # noqa: E402,F401,F403
from .api.sorting import *  # noqa: E402,F401,F403
from .api.statistical import *  # noqa: E402,F401,F403
from . import amp, api, profiler, random  # noqa: E402
from .amp import autocast  # noqa: E402
from .api import fft, linalg, operators as _operators, transfer as _transfer  # noqa: E402,F401
from .api.aliases import ValuesIndices  # noqa: E402
from .api.elementwise import allclose, clamp, isclose, lerp  # noqa: E402
from .api.linalg import diag, norm, outer, torch_diagonal as diagonal  # noqa: E402
from .api.torch_names import *  # noqa: E402,F401,F403
from .api.transfer import realize  # noqa: E402
from .random import (Generator, bernoulli, manual_seed, multinomial, rand, rand_like, randn, randn_like, randperm,  # noqa: E402
                     torch_randint as randint)
from .shapes import broadcast_shapes  # noqa: E402

__array_api_version__ = "2024.12"

e = 2.718281828459045
inf = float("inf")
nan = float("nan")
pi = 3.141592653589793
newaxis = None

# PyTorch's dtype names (``float`` and ``int`` are bound at the end: this module still uses the builtins)
double, long, short, cfloat, cdouble, half = float64, int64, int16, complex64, complex128, float16


def backends() -> list:
    """Every installed backend and plugin with availability, reason, devices and install hint."""
    return _REGISTRY.all_statuses()


def set_default_device(device) -> None:
    """Make ``device`` the default of creation functions (``NR_DEFAULT_DEVICE`` sets it at start-up)."""
    _REGISTRY.set_default_device(device)


from . import array_object as _array_object, methods as _methods  # noqa: E402

_array_object._ns = _methods._ns = _sys.modules[__name__]
# the extensions are reachable as ``import nr_core.linalg`` too, like NumPy's
_sys.modules[__name__ + ".linalg"] = linalg
_sys.modules[__name__ + ".fft"] = fft

# every public name: the table's namespace functions, the frontends, dtypes, constants, extension modules
__all__ = sorted(n for n, v in globals().items() if not n.startswith("_") and n != "annotations"
                 and (not isinstance(v, _ModuleType) or n in ("amp", "fft", "linalg", "profiler", "random")))
del _array_object, _methods, annotations
# after __all__: a star import of nr_core must not shadow the builtins float and int
float, int = float32, int32  # noqa: A001

"""neurarust: the distributions assembled in PyTorch's layout, so a PyTorch program runs after changing only its
imports (``import neurarust as torch``).

This package implements nothing of its own beyond PyTorch's device and thread queries: the namespace is nr_core's
(the standard's functions, plus PyTorch's names and spellings, which live next to the functions they alias),
``neurarust.nn`` is nr_nn, ``neurarust.optim`` nr_optim, ``neurarust.utils.data`` nr_data, ``neurarust.autograd``
nr_autograd, and the other submodules come from their distributions when first used (``_layout.SUBMODULES``).
"""
from __future__ import annotations

from nr_core import *  # noqa: F401,F403
from nr_core import Tensor, float, int  # noqa: A004,F401  (float and int are kept out of nr_core's __all__)
from nr_core import __array_api_version__  # noqa: F401
from nr_nn import load, save  # noqa: F401  (safetensors inside, PyTorch's weights_only rules)
from nr_nn.functional import log_softmax, softmax  # noqa: F401

from ._pytorch import equal, nonzero, sort, squeeze, std, trace, var, where  # noqa: F401  (PyTorch's meaning)

from . import _layout
from ._threads import get_num_threads, set_num_threads  # noqa: F401
from ._version import __version__  # noqa: F401

_layout.install()
del backends  # noqa: F821  (nr_core's table of backends; torch.backends is the package imported below)

from . import accelerator, autograd, backends, cuda, nn, optim, utils  # noqa: E402,F401


def __getattr__(name: str):
    # the distributions wired in later (neurarust.distributed, .amp, ...) load on first use
    if name in _layout.LAZY:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_layout.LAZY))

"""``torch.nn``: nr_nn's layers, losses and containers, with ``functional``, ``init``, ``utils`` and ``parallel``
(nr_nn's own modules) and PyTorch's ``nn.modules.<file>`` layout (``modules``)."""
from __future__ import annotations

from types import ModuleType as _ModuleType

import nr_nn as _nr_nn
from nr_nn import functional, init, parallel, utils  # noqa: F401  (the same module objects as nr_nn's)

# every public class and function of nr_nn (its helper modules stay nr_nn's)
globals().update({k: v for k, v in vars(_nr_nn).items() if not k.startswith("_") and not isinstance(v, _ModuleType)})

from . import modules  # noqa: E402,F401

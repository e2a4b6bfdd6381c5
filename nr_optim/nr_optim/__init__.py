"""nr_optim: PyTorch's optimizers and learning-rate schedulers for neurarust arrays, on any device."""
from __future__ import annotations

from ._version import __version__
from .plugin import ensure_registered as _ensure_registered

_ensure_registered()

from . import lr_scheduler  # noqa: E402
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, Adamax, AdamW, NAdam, RAdam
from .asgd import ASGD
from .lamb import LAMB
from .lbfgs import LBFGS
from .optimizer import Optimizer, required
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["ASGD", "LAMB", "LBFGS", "SGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam",
           "Optimizer", "RAdam", "RMSprop", "Rprop", "lr_scheduler", "required", "__version__"]

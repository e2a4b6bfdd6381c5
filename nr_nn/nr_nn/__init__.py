"""nr_nn: neural-network modules, layers, losses, init and safetensors checkpoints with PyTorch's names."""
from ._version import __version__
from .ops import ensure_registered as _ensure_registered

_ensure_registered()

from . import functional, init, parallel, utils  # noqa: E402
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential  # noqa: E402
from .hooks import RemovableHandle  # noqa: E402
from .layers import *  # noqa: E402,F401,F403
from .losses import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, CTCLoss,  # noqa: E402
                     GaussianNLLLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss, MSELoss,
                     MultiLabelMarginLoss, MultiMarginLoss, NLLLoss, PoissonNLLLoss, SmoothL1Loss, SoftMarginLoss,
                     TripletMarginLoss)
from .module import Module  # noqa: E402
from .parallel import DataParallel  # noqa: E402
from .parameter import Parameter  # noqa: E402
from .serialization import load, save  # noqa: E402

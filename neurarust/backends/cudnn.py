"""``torch.backends.cudnn``: the flags PyTorch programs set. nr has no cuDNN autotuner to switch, and its kernels
give the same results run to run, so setting them changes nothing; they keep the value a program gives them."""
from __future__ import annotations

from .. import cuda as _cuda

benchmark: bool = False
deterministic: bool = False
enabled: bool = True
allow_tf32: bool = False


def is_available() -> bool:
    return _cuda.is_available()

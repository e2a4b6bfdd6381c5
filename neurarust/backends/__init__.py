"""``torch.backends``: ``cudnn`` (PyTorch's flags, settable) and ``mps`` (Apple GPUs: the Metal backend)."""
from . import cudnn, mps  # noqa: F401

"""ONNX ops in nr ops, by family; importing the package fills ``IMPL``."""
from . import control, elementwise, nn, recurrent, reductions, resize, shapes  # noqa: F401  (each registers its ops)
from ._base import IMPL, Ctx

__all__ = ["IMPL", "Ctx"]

"""The optional ``onnx`` dependency, imported when an export or load needs it, with the fix in the error."""
from __future__ import annotations

import numpy as np


def onnx():
    try:
        import onnx as mod
    except ImportError as e:
        raise ImportError("nr_nn.onnx needs the 'onnx' package: pip install 'nr-nn[onnx]' (or pip install onnx)"
                          ) from e
    return mod


def onnx_dtype(dtype) -> int:
    """The TensorProto element type of an nr dtype (or NumPy dtype)."""
    np_dt = np.dtype(getattr(dtype, "numpy", dtype))
    return onnx().helper.np_dtype_to_tensor_dtype(np_dt)


def numpy_dtype(elem_type: int) -> np.dtype:
    return onnx().helper.tensor_dtype_to_np_dtype(elem_type)

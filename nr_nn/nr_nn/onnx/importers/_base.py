"""The importer's op table: ``IMPL`` (ONNX op type -> ``fn(ctx, attrs, *inputs)``), filled by the family
modules of this package, and what they share. Every op runs as nr ops, so an imported model runs on any backend
and its float initializers train through autograd; shape-like inputs (``Reshape``'s shape, ``Slice``'s bounds …)
are read to the host, as eager execution needs. Missing optional inputs arrive as None."""
from __future__ import annotations

import numpy as np

import nr_core as nr
from nr_core import dtypes as _d

from .._deps import numpy_dtype

IMPL: dict = {}


class Ctx:
    """What an op sees besides its inputs: the opset, the device, how many outputs are wanted, and how to run a
    subgraph (``If``/``Loop`` bodies) with the enclosing values in scope."""

    def __init__(self, opset: int, device, n_out: int, run_graph) -> None:
        self.opset, self.device, self.n_out, self.run_graph = opset, device, n_out, run_graph

    def array(self, values, dtype=None):
        return nr.asarray(np.asarray(values), dtype=dtype, device=self.device)


def impl(*names):
    """Register the decorated function as the implementation of ONNX ops ``names``."""
    def deco(fn):
        for n in names:
            IMPL[n] = fn
        return fn
    return deco


def nr_dtype(elem_type: int):
    return _d.from_numpy_dtype(numpy_dtype(elem_type))


def ints(t) -> list[int] | None:
    """A shape-like input as Python ints (read to the host), or None."""
    if t is None:
        return None
    return [int(v) for v in np.asarray(t.tolist()).reshape(-1)]


def scalar(t):
    return np.asarray(t.tolist()).reshape(-1)[0].item()


def axes_arg(ctx, a, axes_input, since):
    """``axes``: an input from opset ``since`` on, an attribute before."""
    if ctx.opset >= since:
        return ints(axes_input)
    return a.get("axes")

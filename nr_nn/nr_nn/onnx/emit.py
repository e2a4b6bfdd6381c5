"""The ONNX graph under construction: nodes, initializers, fresh names, constants (small ones shared) and
1-D int64 shape tensors whose entries may be ``Sym``s of dynamic axes (computed from the inputs' shapes)."""
from __future__ import annotations

import numpy as np

from ._deps import onnx, onnx_dtype
from .symbolic import Sym

INT_MAX = np.iinfo(np.int64).max


class Unsupported(Exception):
    """An op, or one use of it, that the mapping table cannot express; collected and reported together."""


class Emitter:
    def __init__(self, opset: int, axis_sources: dict) -> None:
        self.opset = opset
        self.nodes: list = []
        self.initializers: list = []
        self._axis_sources = axis_sources  # axis name -> (graph input name, axis)
        self._used: set[str] = set()
        self._consts: dict = {}
        self._axis_cache: dict = {}

    def fresh(self, hint: str) -> str:
        base = "".join(c if c.isalnum() or c in "._-/" else "_" for c in hint) or "t"
        name, i = base, 0
        while name in self._used:
            i += 1
            name = f"{base}_{i}"
        self._used.add(name)
        return name

    def reserve(self, name: str) -> None:
        self._used.add(name)

    def op(self, op_type: str, inputs: list, n_out: int = 1, outputs: list | None = None, **attrs):
        """Append a node; returns its output name (or the list of them when ``n_out`` > 1)."""
        outs = outputs or [self.fresh(op_type.lower()) for _ in range(n_out)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(onnx().helper.make_node(op_type, list(inputs), outs, name=self.fresh("n_" + op_type),
                                                  **attrs))
        return outs if n_out > 1 else outs[0]

    def initializer(self, array: np.ndarray, name: str) -> str:
        self.reserve(name)
        self.initializers.append(onnx().numpy_helper.from_array(np.array(array, order="C"), name))
        return name

    def const(self, array, hint: str = "const") -> str:
        """A Constant node (not an initializer: an importer makes initializers trainable, constants not)."""
        array = np.array(array, order="C")  # (ascontiguousarray would make 0-d arrays 1-d)
        small = array.size <= 16
        key = (array.dtype.str, array.shape, array.tobytes()) if small else None
        if key is not None and key in self._consts:
            return self._consts[key]
        name = self.op("Constant", [], outputs=[self.fresh(hint)],
                       value=onnx().numpy_helper.from_array(array, hint))
        if key is not None:
            self._consts[key] = name
        return name

    def scalar(self, value, dtype) -> str:
        """A 0-d constant of nr ``dtype``."""
        return self.const(np.asarray(value, dtype=np.dtype(dtype.numpy)), "scalar")

    def cast(self, name: str, dtype) -> str:
        return self.op("Cast", [name], to=onnx_dtype(dtype))

    # ---- shapes with dynamic entries -----------------------------------------------------------
    def axis_size(self, axis: str) -> str:
        """A 1-D int64 tensor [size] of a dynamic axis, read from the input that declares it."""
        if axis not in self._axis_cache:
            src, ax = self._axis_sources[axis]
            shape = self.op("Shape", [src])
            self._axis_cache[axis] = self.op("Gather", [shape, self.const(np.array([ax], np.int64), "axis")],
                                             axis=0)
        return self._axis_cache[axis]

    def sym(self, s: Sym) -> str:
        acc = None
        for axis, k in s.terms:
            t = self.axis_size(axis)
            if k != 1:
                t = self.op("Mul", [t, self.const(np.array([k], np.int64))])
            acc = t if acc is None else self.op("Add", [acc, t])
        if s.const:
            acc = self.op("Add", [acc, self.const(np.array([s.const], np.int64))])
        return acc

    def ints(self, values, hint: str = "ints") -> str:
        """A 1-D int64 tensor of ``values`` (ints and ``Sym``s)."""
        values = list(values)
        if not any(isinstance(v, Sym) for v in values):
            return self.const(np.array(values, dtype=np.int64).reshape(len(values)), hint)
        parts, run = [], []
        for v in values:
            if isinstance(v, Sym):
                if run:
                    parts.append(self.const(np.array(run, np.int64)))
                    run = []
                parts.append(self.sym(v))
            else:
                run.append(v)
        if run:
            parts.append(self.const(np.array(run, np.int64)))
        return parts[0] if len(parts) == 1 else self.op("Concat", parts, axis=0)

    def axes_input_or_attr(self, op_type: str, x: str, axes, since: int, **attrs) -> str:
        """Ops whose ``axes`` moved from an attribute to an input at opset ``since`` (Reduce*, Squeeze …)."""
        if axes is None:
            return self.op(op_type, [x], **attrs)
        axes = [int(a) for a in axes]
        if self.opset >= since:
            return self.op(op_type, [x, self.const(np.array(axes, np.int64), "axes")], **attrs)
        return self.op(op_type, [x], axes=axes, **attrs)

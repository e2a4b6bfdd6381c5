"""nr's importer as an ``onnx.backend.base.Backend``, so the official node tests (``onnx.backend.test``) and any
tool written against that interface can run ONNX models on nr. Importing this module needs ``onnx``."""
from __future__ import annotations

import numpy as np
from onnx import helper
from onnx.backend.base import Backend, BackendRep

import nr_core as nr

from ._deps import onnx
from .graph_module import _DEFAULT_DOMAINS, from_model
from .importers import IMPL


class NrBackendRep(BackendRep):
    """A prepared model: ``run(inputs)`` takes NumPy arrays in the graph's input order, returns NumPy arrays."""

    def __init__(self, module) -> None:
        self.module = module

    def run(self, inputs, **kwargs):
        if isinstance(inputs, dict):
            args = [inputs[n] for n in self.module.input_names]
        else:
            args = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        device = kwargs.get("device")
        with nr.no_grad():
            out = self.module(*[nr.asarray(np.asarray(a), device=device) for a in args])
        outs = out if isinstance(out, tuple) else (out,)
        return tuple(o.numpy() for o in outs)


def _supported_dtype(elem_type: int) -> bool:
    try:
        np_dt = onnx().helper.tensor_dtype_to_np_dtype(elem_type)
        nr.dtypes.from_numpy_dtype(np_dt)
        return True
    except Exception:
        return False


def _graph_ok(graph) -> bool:
    for v in list(graph.input) + list(graph.output):
        tt = v.type.tensor_type if v.type.HasField("tensor_type") else None
        if tt is None or not _supported_dtype(tt.elem_type):
            return False
    if any(not _supported_dtype(t.data_type) for t in graph.initializer):
        return False
    for node in graph.node:
        if node.domain not in _DEFAULT_DOMAINS or node.op_type not in IMPL:
            return False
        for at in node.attribute:
            if at.type == onnx().AttributeProto.GRAPH and not _graph_ok(at.g):
                return False
            if at.type == onnx().AttributeProto.TENSOR and not _supported_dtype(at.t.data_type):
                return False
    return True


class NrBackend(Backend):
    """``onnx.backend.base.Backend`` over ``nr_nn.onnx``: ``NrBackend.prepare(model).run(inputs)``."""

    @classmethod
    def is_compatible(cls, model, device: str = "CPU", **kwargs) -> bool:
        """Every op in the importer's table and every tensor of a dtype nr arrays hold."""
        return not model.functions and _graph_ok(model.graph)

    @classmethod
    def prepare(cls, model, device: str = "CPU", **kwargs) -> NrBackendRep:
        return NrBackendRep(from_model(model, _nr_device(device)))

    @classmethod
    def run_model(cls, model, inputs, device: str = "CPU", **kwargs):
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(cls, node, inputs, device: str = "CPU", outputs_info=None, **kwargs):
        """One node on NumPy ``inputs``, through a one-node model."""
        arrays = [np.asarray(a) for a in inputs]
        ins = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
               for n, a in zip(node.input, arrays) if n]
        outs = [helper.make_value_info(n, onnx().TypeProto()) for n in node.output]
        graph = helper.make_graph([node], "node", ins, outs)
        opset = kwargs.get("opset_version", onnx().defs.onnx_opset_version())
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        return cls.prepare(model, device).run([a for n, a in zip(node.input, arrays) if n])

    @classmethod
    def supports_device(cls, device: str) -> bool:
        return device.upper() == "CPU" or _nr_device(device) is not None


def _nr_device(device: str):
    return None if device.upper() == "CPU" else device.lower()

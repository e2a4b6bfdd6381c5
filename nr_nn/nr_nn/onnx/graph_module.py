"""``load``: an ONNX model as an nr ``Module``. Float initializers become Parameters (trainable, under their
ONNX names where those are dotted paths, so ``state_dict`` keys match the exporter's: ``features.0.weight``),
other initializers buffers; ``forward`` runs the nodes in order through ``IMPL`` on the module's device."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

import nr_core as nr

from ..module import Module
from ..parameter import Parameter
from ._deps import onnx
from .importers import IMPL, Ctx
from .loader import OnnxImportError, read_model, tensor_array

_DEFAULT_DOMAINS = ("", "ai.onnx")


@dataclass
class Step:
    op: str
    fn: object
    inputs: list
    outputs: list
    attrs: dict
    name: str


@dataclass
class Plan:
    """A graph ready to run: its steps, input and output names, and the initializers it owns."""

    steps: list
    inputs: list
    outputs: list
    initializers: dict = field(default_factory=dict)  # ONNX name -> host array


def _plan(graph, to_array, unsupported: list, where: str, outer: frozenset = frozenset()) -> Plan:
    ox = onnx()
    inits = {t.name: to_array(t) for t in graph.initializer}
    defined = set(outer) | set(inits) | {i.name for i in graph.input} | {""}
    if graph.sparse_initializer:
        unsupported.append(("sparse initializers", where))
    steps = []
    for node in graph.node:
        for name in node.input:
            if name not in defined:
                raise OnnxImportError(f"load: node {node.name or node.op_type!r} ({node.op_type}) in {where} reads "
                                      f"{name!r}, which nothing before it defines (a truncated or corrupt model?)")
        defined.update(node.output)
        if node.domain not in _DEFAULT_DOMAINS:
            unsupported.append((f"{node.domain}:{node.op_type}", node.name or where))
            continue
        fn = IMPL.get(node.op_type)
        if fn is None:
            unsupported.append((node.op_type, node.name or where))
            continue
        attrs = {}
        for at in node.attribute:
            if at.ref_attr_name:
                unsupported.append((f"{node.op_type} (attribute reference)", node.name or where))
                continue
            if at.type == ox.AttributeProto.GRAPH:
                attrs[at.name] = _plan(at.g, to_array, unsupported, f"{where}/{node.name or node.op_type}",
                                       frozenset(defined))
            elif at.type == ox.AttributeProto.TENSOR:
                attrs[at.name] = to_array(at.t)
            elif at.type in (ox.AttributeProto.GRAPHS, ox.AttributeProto.SPARSE_TENSOR,
                             ox.AttributeProto.SPARSE_TENSORS, ox.AttributeProto.TENSORS,
                             ox.AttributeProto.TYPE_PROTO, ox.AttributeProto.TYPE_PROTOS):
                unsupported.append((f"{node.op_type} (attribute {at.name})", node.name or where))
            else:
                value = ox.helper.get_attribute_value(at)
                attrs[at.name] = value.decode() if isinstance(value, bytes) else value
        steps.append(Step(node.op_type, fn, list(node.input), list(node.output), attrs, node.name))
    for o in graph.output:
        if o.name not in defined:
            raise OnnxImportError(f"load: output {o.name!r} of {where} is never computed (a truncated or corrupt "
                                  f"model?)")
    inputs = [i.name for i in graph.input if i.name not in inits]
    return Plan(steps, inputs, [o.name for o in graph.output], inits)


class _Holder(Module):
    """An empty module that holds the parameters under one prefix of a dotted initializer name."""

    def forward(self, *args):
        raise TypeError("this module only holds parameters of an imported ONNX model")


class OnnxModule(Module):
    """A loaded ONNX model. ``forward(*inputs)`` takes the graph's inputs in order (or by name as keywords) and
    returns its output, or a tuple of them."""

    def __init__(self, plan: Plan, opset: int, device=None) -> None:
        super().__init__()
        object.__setattr__(self, "_plan", plan)
        object.__setattr__(self, "_opset", opset)
        object.__setattr__(self, "_paths", {})
        for name, host in plan.initializers.items():
            self._add_initializer(name, host, device)
        object.__setattr__(self, "input_names", list(plan.inputs))
        object.__setattr__(self, "output_names", list(plan.outputs))

    def _add_initializer(self, name: str, host, device) -> None:
        t = nr.asarray(np.array(host, copy=True), device=device)  # writable: optimizers update in place
        trainable = t.dtype.kind == "float"
        value = Parameter(t) if trainable else t
        owner, leaf = self._owner_for(name)
        if owner is None:
            owner, leaf = self, self._flat_name(name)
        if trainable:
            owner.register_parameter(leaf, value)
        else:
            owner.register_buffer(leaf, value)
        prefix = self._prefix_of(owner)
        self._paths[name] = f"{prefix}.{leaf}" if prefix else leaf

    def _prefix_of(self, owner) -> str:
        for p, m in self.named_modules():
            if m is owner:
                return p
        return ""

    def _owner_for(self, name: str):
        parts = name.split(".")
        if not all(_ok_part(p) for p in parts):
            return None, None
        mod = self
        for p in parts[:-1]:
            sub = mod._modules.get(p)
            if sub is None:
                if p in mod.__dict__ or p in mod._parameters or p in mod._buffers:
                    return None, None
                sub = _Holder()
                mod.add_module(p, sub)
            mod = sub
        leaf = parts[-1]
        if leaf in mod.__dict__ or leaf in mod._parameters or leaf in mod._buffers or leaf in mod._modules \
                or hasattr(type(mod), leaf):
            return None, None
        return mod, leaf

    def _flat_name(self, name: str) -> str:
        base = re.sub(r"\W", "_", name) or "init"
        if base[0].isdigit() or hasattr(type(self), base):
            base = "p_" + base
        leaf, i = base, 0
        while leaf in self.__dict__ or leaf in self._parameters or leaf in self._buffers or leaf in self._modules:
            i += 1
            leaf = f"{base}_{i}"
        return leaf

    def _initializer(self, name: str):
        path = self._paths[name]
        owner, _, leaf = path.rpartition(".")
        mod = self.get_submodule(owner) if owner else self
        return mod._parameters[leaf] if leaf in mod._parameters else mod._buffers[leaf]

    def forward(self, *args, **kwargs):
        plan = self._plan
        if len(args) > len(plan.inputs):
            raise TypeError(f"OnnxModule: the model takes {len(plan.inputs)} inputs {plan.inputs}, got {len(args)}")
        env = dict(zip(plan.inputs, args))
        for k, v in kwargs.items():
            if k not in plan.inputs or k in env:
                raise TypeError(f"OnnxModule: unexpected or repeated input {k!r} (inputs: {plan.inputs})")
            env[k] = v
        missing = [n for n in plan.inputs if n not in env]
        if missing:
            raise TypeError(f"OnnxModule: missing inputs {missing}")
        for k, v in env.items():
            if not isinstance(v, nr.Tensor):
                env[k] = nr.asarray(v, device=self._device())
        outs = self._run(plan, env)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _device(self):
        for p in self.parameters():
            return p.device
        for b in self.buffers():
            return b.device
        return None

    def _run(self, plan: Plan, env: dict) -> list:
        for name in plan.initializers:
            if name not in env:
                env[name] = self._initializer(name) if name in self._paths else \
                    nr.asarray(plan.initializers[name], device=self._device())
        device = self._device()
        for v in env.values():
            if isinstance(v, nr.Tensor):
                device = v.device
                break

        def run_graph(sub: Plan, args: list) -> list:
            inner = dict(env)
            inner.update(zip(sub.inputs, args))
            return self._run(sub, inner)

        for step in plan.steps:
            ins = [env[n] if n else None for n in step.inputs]
            ctx = Ctx(self._opset, device, len(step.outputs), run_graph)
            try:
                out = step.fn(ctx, step.attrs, *ins)
            except Exception as e:
                raise type(e)(f"{step.op} node {step.name!r}: {e}") if _retypable(e) else e
            outs = out if isinstance(out, tuple) else (out,)
            for n, o in zip(step.outputs, outs):
                if n:
                    env[n] = o
        return [env[n] for n in plan.outputs]

    def extra_repr(self) -> str:
        return f"inputs={self._plan.inputs}, outputs={self._plan.outputs}, nodes={len(self._plan.steps)}"


def _ok_part(p: str) -> bool:
    return bool(p) and (p.isidentifier() or p.isdigit()) and not p.startswith("_")


def _retypable(e: Exception) -> bool:
    return type(e) in (ValueError, TypeError, IndexError, RuntimeError)


def load(path, device=None) -> OnnxModule:
    """An ONNX file as an nr Module on ``device`` (default: the default device). Unsupported ops are listed
    together in one ``OnnxImportError``; unsafe external-data references and inconsistent tensors are refused."""
    model, to_array = read_model(path)
    return from_model(model, device, to_array, repr(str(path)))


def from_model(model, device=None, to_array=None, label: str = "the model") -> OnnxModule:
    """An in-memory ``ModelProto`` as an nr Module (external data needs ``load``, which knows the folder)."""
    ox = onnx()
    to_array = to_array or (lambda t: tensor_array(t, None, label))
    opset = next((o.version for o in model.opset_import if o.domain in _DEFAULT_DOMAINS), None)
    if opset is None:
        raise OnnxImportError(f"load: {label} imports no version of the default ONNX domain")
    if model.functions:
        try:
            model = ox.inliner.inline_local_functions(model)
        except Exception as e:
            raise OnnxImportError(f"load: {label}: its model-local functions could not be inlined: {e}") from None
    unsupported: list = []
    plan = _plan(model.graph, to_array, unsupported, "graph")
    if unsupported:
        by_op: dict = {}
        for op, where in unsupported:
            by_op.setdefault(op, []).append(where)
        lines = [f"  - {op}: {len(w)} node(s) ({', '.join(map(str, w[:5]))}{' …' if len(w) > 5 else ''})"
                 for op, w in sorted(by_op.items())]
        raise OnnxImportError(f"load: {label} uses {len(by_op)} op(s) nr cannot run: {', '.join(sorted(by_op))}\n"
                              + "\n".join(lines))
    return OnnxModule(plan, opset, device)

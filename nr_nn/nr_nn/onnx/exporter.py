"""``export``: trace a model through the dispatcher, map the trace through ``MAPPING`` to an ONNX graph, check it
with ``onnx.checker`` (full check) and write it atomically."""
from __future__ import annotations

import functools
import io
import os
import warnings
from collections import Counter

import numpy as np

import nr_core as nr
from nr_core.trace import Tracer, Value, trace
from nr_core.trace.ir import CONST
from nr_core.array_object import Tensor

from .._atomic_write import write_atomic
from .._version import __version__
from ..module import Module
from ._deps import onnx, onnx_dtype
from .emit import Emitter, Unsupported
from .export_ops import MAPPING, Call
from .symbolic import NotSymbolic, Symbolizer, Sym, grown

MIN_OPSET = 13


class OnnxExportError(RuntimeError):
    """The model cannot be exported as asked; the message lists every reason at once."""


class TracerWarning(UserWarning):
    """The trace read an input-dependent value into Python: whatever it decided was baked into the graph."""


def export(model, args, f, input_names=None, output_names=None, dynamic_axes=None, opset_version: int = 17, *,
           strict: bool = True):
    """Export ``model`` (an ``nn.Module`` or a function of nr arrays) called on ``args`` to the ONNX file ``f``
    (a path or a binary file object); returns the ``onnx.ModelProto``.

    ``dynamic_axes``: ``{input or output name: {axis: "name"} or [axis, ...]}``; inputs sharing an axis name
    share its size. A Module is traced in eval mode (its mode is restored afterwards). With ``strict`` (the
    default) a trace that read an input-dependent value into Python (``bool(t)``, ``t.item()``, ``int(t)``) is
    refused, since the branch it took would be baked in; ``strict=False`` turns that into a ``TracerWarning``.
    """
    ox = onnx()
    max_opset = ox.defs.onnx_opset_version()
    if not isinstance(opset_version, int) or not MIN_OPSET <= opset_version <= max_opset:
        raise ValueError(f"export: opset_version must be an int in [{MIN_OPSET}, {max_opset}] (the range this "
                         f"exporter and the installed onnx {ox.__version__} share), got {opset_version!r}")
    args = (args,) if isinstance(args, Tensor) else tuple(args)
    if not args or not all(isinstance(a, Tensor) for a in args):
        raise TypeError(f"export: args must be an nr array or a tuple of nr arrays, got "
                        f"{[type(a).__name__ for a in args]}")
    if not callable(model):
        raise TypeError(f"export: model must be an nn.Module or a callable, got {type(model).__name__}")
    in_names = _names(input_names, len(args), "input", "input_names")
    axes, sizes, axis_sources = _dynamic_axes(dynamic_axes, in_names, args)
    was_training = [(m, m.training) for m in model.modules()] if isinstance(model, Module) else []
    if isinstance(model, Module):
        model.eval()
    try:
        base, layers, tensors = _trace(model, args, in_names, opset_version)
        variants = {}
        for name in sizes:
            idx = {i: [a for a, n in per.items() if n == name] for i, per in axes.items()}
            idx = {i: ax for i, ax in idx.items() if ax}
            variants[name] = tuple(_retrace(model, args, idx, k, in_names, opset_version, name) for k in (2, 3))
    finally:
        for m, mode in was_training:
            object.__setattr__(m, "training", mode)
    try:
        sym = Symbolizer(base, variants, sizes)
    except NotSymbolic as e:
        raise OnnxExportError(f"export: {e}") from None
    _report_host_reads(base, strict)
    out_names = _names(output_names, len(base.outputs), "output", "output_names")
    model_proto = _build(base, sym, layers, in_names, out_names, axes, axis_sources, dynamic_axes or {},
                         opset_version, model, tensors)
    ox.checker.check_model(model_proto, full_check=True)
    refusal = runtime_refusal(opset_version, model_proto.ir_version)
    if refusal:
        warnings.warn(f"export: {refusal}; the file is written, but pass a lower opset_version for this runtime",
                      UserWarning, stacklevel=2)
    payload = model_proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        write_atomic(os.fspath(f), payload)
    elif isinstance(f, io.IOBase) or hasattr(f, "write"):
        f.write(payload)
    else:
        raise TypeError(f"export: f must be a path or a binary file object, got {type(f).__name__}")
    return model_proto


@functools.lru_cache(maxsize=None)
def runtime_refusal(opset: int, ir_version: int) -> str | None:
    """Why the installed onnxruntime would refuse a file of this opset and IR version (None when it loads one, or
    when onnxruntime is not installed): a one-node probe, so skew shows at export time, not at deployment."""
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    h = onnx().helper
    tp = onnx().TensorProto
    graph = h.make_graph([h.make_node("Identity", ["x"], ["y"])], "probe",
                         [h.make_tensor_value_info("x", tp.FLOAT, [1])], [h.make_tensor_value_info("y", tp.FLOAT, [1])])
    probe = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], ir_version=ir_version)
    try:
        ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    except Exception as e:  # whatever onnxruntime raises for a model it cannot take
        return f"the installed onnxruntime {ort.__version__} refuses opset {opset} / IR version {ir_version}: {e}"
    return None


def _names(names, n: int, prefix: str, what: str) -> list[str]:
    if names is None:
        return [f"{prefix}_{i}" for i in range(n)]
    names = list(names)
    if len(names) < n or len(set(names)) != len(names) or not all(isinstance(s, str) and s for s in names):
        raise ValueError(f"export: {what} must be {n} distinct non-empty strings, got {names!r}")
    return names[:n]


def _dynamic_axes(spec, in_names, args):
    """({input index: {axis: name}}, {name: example size}, {name: (input name, axis)})."""
    axes, sizes, sources = {}, {}, {}
    for key, per in (spec or {}).items():
        if isinstance(per, (list, tuple)):
            per = {int(a): f"{key}_dim{int(a)}" for a in per}
        if not isinstance(per, dict):
            raise TypeError(f"export: dynamic_axes[{key!r}] must be a dict {{axis: name}} or a list of axes")
        if key not in in_names:
            continue  # an output's axes only name its dims
        i = in_names.index(key)
        nd = args[i].ndim
        norm = {}
        for a, name in per.items():
            if not isinstance(a, int) or not -nd <= a < nd:
                raise ValueError(f"export: dynamic axis {a!r} of input {key!r} is out of range for shape "
                                 f"{args[i].shape}")
            a %= nd
            n = args[i].shape[a]
            if n < 1:
                raise ValueError(f"export: dynamic axis {a} of input {key!r} has size 0 in the example")
            if sizes.setdefault(name, n) != n:
                raise ValueError(f"export: inputs sharing dynamic axis {name!r} have different sizes "
                                 f"({sizes[name]} and {n}) in the example")
            sources.setdefault(name, (key, a))
            norm[a] = name
        axes[i] = norm
    return axes, sizes, sources


def _mapped(opset: int):
    def expand(op) -> bool:
        entry = MAPPING.get(op.name)
        return entry is None or entry.since > opset
    return expand


def _trace(model, args, in_names, opset):
    """One trace; returns (graph, {scope: layer type name}, {name: parameter or buffer})."""
    params = {}
    layers: dict[str, str] = {}
    handles = []
    tracer = None
    if isinstance(model, Module):
        params = dict(model.named_parameters())
        params.update(model.named_buffers())
        tracer = Tracer(params, _mapped(opset))
        for name, m in model.named_modules():
            if not name:
                continue
            layers[name] = type(m).__name__
            handles.append(m.register_forward_pre_hook(lambda mod, a, name=name: tracer.push_scope(name),
                                                        prepend=True))
            handles.append(m.register_forward_hook(lambda mod, a, out: tracer.pop_scope()))
    try:
        with nr.no_grad():
            g = trace(model, args, params=params, input_names=in_names, expand=_mapped(opset), tracer=tracer)
    finally:
        for h in handles:
            h.remove()
    return g, layers, params


def _retrace(model, args, axes: dict, factor: int, in_names, opset: int, name: str):
    """The trace with dynamic axis ``name`` ``factor`` times as long (the comparison that finds what moves)."""
    try:
        return _trace(model, grown(args, axes, factor), in_names, opset)[0]
    except Exception as e:
        raise OnnxExportError(f"export: to find what depends on dynamic axis {name!r} the model is traced again "
                              f"with that axis {factor} times as long, and that call failed: {type(e).__name__}: "
                              f"{e}") from e


def _report_host_reads(g, strict: bool) -> None:
    if not g.host_reads:
        return
    lines = "\n".join("  - " + r.describe() for r in g.host_reads)
    msg = (f"the model read {len(g.host_reads)} input-dependent value(s) into Python while being traced; the "
           f"branch or number it computed from them is baked into the graph and will not follow other inputs:\n"
           f"{lines}")
    if strict:
        raise OnnxExportError(f"export: {msg}\n(pass strict=False to export anyway)")
    warnings.warn(msg, TracerWarning, stacklevel=3)


def _build(g, sym: Symbolizer, layers, in_names, out_names, axes, axis_sources, dyn_spec, opset, model, tensors):
    ox = onnx()
    e = Emitter(opset, axis_sources)
    for n in in_names + out_names:
        e.reserve(n)
    names: dict[int, str] = {}
    for v, n in zip(g.inputs, in_names):
        names[v.id] = n
    live = g.live_nodes()
    used = g.used_values()
    problems: Counter = Counter()
    failed = "<unmapped>"  # the name given to outputs of nodes that could not be mapped, so the rest still is

    def name_of(v: Value) -> str:
        if v.id in names:
            return names[v.id]
        if v.kind == "param":
            names[v.id] = e.initializer(_host(tensors[v.name]), e.fresh(v.name))
        elif v.level == CONST and sym.foldable(v):
            names[v.id] = e.const(v.data, "const")
        else:
            raise Unsupported("reads an array made outside the op table (e.g. nr.asarray inside forward) whose "
                              "contents change with a dynamic axis")
        return names[v.id]

    index = {id(n): i for i, n in enumerate(g.nodes)}
    for node in live:
        if all(o.level == CONST and sym.foldable(o) for o in node.outputs):
            continue  # folded: its consumers read the constant
        where = (node.op, node.scope)
        entry = MAPPING.get(node.op)
        try:
            if entry is None or entry.since > opset:
                raise Unsupported("no ONNX mapping at this opset and no decomposition in the op table")
            twins = sym.node_twins(index[id(node)])
            p = sym.merge(node.params, {k: (a.params, b.params) for k, (a, b) in twins.items()},
                          f"parameters of {node.op}")
            scalars = sym.merge(tuple(x for x in node.inputs),
                                {k: (a.inputs, b.inputs) for k, (a, b) in twins.items()}, f"inputs of {node.op}")
            x = [name_of(v) if isinstance(v, Value) else s for v, s in zip(node.inputs, scalars)]
            if any(isinstance(s, Sym) for s in x):
                raise Unsupported("a Python number computed from a dynamic axis used as an operand")
            call = Call(node, x, p, [sym.shape(v) if isinstance(v, Value) else () for v in node.inputs],
                        [sym.shape(o) for o in node.outputs], [id(o) in used for o in node.outputs], name_of)
            outs = entry.emit(e, call)
        except (Unsupported, NotSymbolic) as err:
            problems[where + (str(err),)] += 1
            for o in node.outputs:
                names[o.id] = failed
            continue
        for o, name in zip(node.outputs, outs):
            if name is not None:
                names[o.id] = name
    outputs = []
    for v, out_name in zip(g.outputs, out_names):
        try:
            src = name_of(v)
            info = _value_info(out_name, v.dtype, sym.shape(v), dyn_spec.get(out_name))
        except (Unsupported, NotSymbolic) as err:
            problems[(f"output {out_name!r}", "", str(err))] += 1
            continue
        e.op("Identity", [src], outputs=[out_name])
        outputs.append(info)
    if problems:
        raise OnnxExportError(_problem_report(problems, layers, opset))
    inputs = [_value_info(n, v.dtype, tuple(axes.get(i, {}).get(a, s) for a, s in enumerate(v.shape)), None)
              for i, (v, n) in enumerate(zip(g.inputs, in_names))]
    graph = ox.helper.make_graph(e.nodes, type(model).__name__ if isinstance(model, Module) else "graph",
                                 inputs, outputs, initializer=e.initializers)
    opsets = [ox.helper.make_opsetid("", opset)]
    proto = ox.helper.make_model(graph, opset_imports=opsets, producer_name="neurarust",
                                 producer_version=__version__,
                                 ir_version=ox.helper.find_min_ir_version_for(opsets, ignore_unknown=True))
    return proto


def _value_info(name, dtype, shape, named_axes):
    """``named_axes``: the caller's ``dynamic_axes`` entry for this name ({axis: label} or [axis, ...])."""
    if isinstance(named_axes, (list, tuple)):
        named_axes = {a: f"{name}_dim{a}" for a in named_axes}
    named_axes = {a % max(len(shape), 1): label for a, label in (named_axes or {}).items()}
    dims = []
    for i, s in enumerate(shape):
        if i in named_axes:
            dims.append(named_axes[i])
        elif isinstance(s, Sym):
            dims.append(s.plain or f"{name}_dim{i}")
        else:
            dims.append(s)
    return onnx().helper.make_tensor_value_info(name, onnx_dtype(dtype), dims)


def _host(t):
    return np.array(t._backend.to_host(t._data), copy=True)


def _problem_report(problems: Counter, layers: dict, opset: int) -> str:
    lines = []
    for (op, scope, why), count in sorted(problems.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        layer = f"layer '{scope}' ({layers.get(scope, '?')})" if scope else "the top level"
        times = f", {count} times" if count > 1 else ""
        lines.append(f"  - {op} in {layer}: {why}{times}")
    ops = sorted({op for op, _, _ in problems})
    return (f"export: {len(ops)} op(s) cannot be exported to ONNX opset {opset}: {', '.join(ops)}\n"
            + "\n".join(lines))

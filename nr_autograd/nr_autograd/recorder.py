"""What nr_core's dispatcher calls when an input requires grad (``GradEngine.record``): run the op, record its node.

This is autograd's hot path: one dict lookup for the op's spec, one node object with slots, the edges as a
tuple. Everything a rule may need beyond that (saved arrays, input metadata) is recorded only for the ops
whose rule table entry asks for it.
"""
from __future__ import annotations

from nr_core import dtypes as _d
from nr_core.dispatch import EMPTY
from nr_core.optable import OPS, SAVED_OUTPUTS, VJPS
from nr_core.array_object import Tensor

from .node import OutputNode, node_class, version_of, detached_alias
from .rules import RULES
from .rules._table import Rule

_GRAD_DTYPES = frozenset(d for d in _d.ALL_DTYPES if d.kind in ("float", "complex"))

# op name -> (node class, save inputs (False, True, or the rule's keep(edges) function), save output,
#             record metadata, broadcasts)
SPECS: dict[str, tuple] = {}


def _spec(name: str, r: Rule, nout: int, outputs: tuple | None = None) -> tuple:
    save_in = (r.keep or True) if r.save in ("inputs", "both") else False
    save_out = r.save in ("out", "both")
    if save_out and outputs is not None and nout > 1:
        save_out = outputs or False  # only the outputs the rule reads (a tuple of indices)
    return (node_class(name, r.fn, nout), save_in, save_out, r.meta, r.bcast)


def spec_for(op) -> tuple | None:
    """The recording spec of ``op``: from the rule tables, else from a plugin's registered vjp, else None."""
    spec = SPECS.get(op.name)
    if spec is not None:
        return spec
    r = RULES.get(op.name)
    if r is None:
        vjp = VJPS.get(op.name)
        if vjp is None:
            if op.differentiable:
                raise RuntimeError(f"{op.name}: the op is differentiable but nr_autograd has no gradient rule for "
                                   "it (add one to nr_autograd.rules, or register a vjp with the op)")
            return None
        # a plugin's rule may read anything: keep inputs, output and metadata
        r = Rule(vjp, save="both", meta=True)
    spec = SPECS[op.name] = _spec(op.name, r, op.nout if op.nout > 0 else 1, SAVED_OUTPUTS.get(op.name))
    return spec


def record(op, inputs: tuple, params: dict, run):
    """``GradEngine.record``: compute ``op`` through ``run`` and record its node."""
    spec = SPECS.get(op.name) or spec_for(op)
    out = run(inputs, params)
    if spec is None:
        return out
    return _attach(spec, inputs, params, out)


def record_computed(op, inputs: tuple, out):
    """Record an elementwise op on one or two arrays whose result the dispatcher's fast path computed.

    The leanest recording there is (``a + b`` in a training loop): no per-call containers beyond the edges.
    """
    spec = SPECS.get(op.name) or spec_for(op)
    if spec is None:
        return out
    cls, save_in, save_out, meta, bcast = spec
    if meta:
        return _attach(spec, inputs, EMPTY, out)
    # no dtype check: a differentiable elementwise op on floating inputs has a floating result
    node = cls()
    node.params = EMPTY
    node.dtypes = None
    if len(inputs) == 2:
        a, b = inputs
        node.edges = ((a._grad_fn or a) if a._requires_grad else None, (b._grad_fn or b) if b._requires_grad else None)
        sa, sb = a._data.shape, b._data.shape
        node.shapes = None if sa == sb == out._data.shape else (sa, sb)
    else:
        a = inputs[0]
        node.edges = ((a._grad_fn or a) if a._requires_grad else None,)
        node.shapes = None
    node.saved = _save(inputs, out, save_in, save_out, node.edges) if (save_in or save_out) else None
    out._requires_grad = True
    out._grad_fn = node
    return out


def _edge(t):
    return (t._grad_fn or t) if isinstance(t, Tensor) and t._requires_grad else None


def _attach(spec, inputs, params, out):
    cls, save_in, save_out, meta, bcast = spec
    if type(out) is tuple:
        return _record_multi(cls, out, inputs, params, save_in, save_out, meta)
    if out._dtype not in _GRAD_DTYPES:
        return out
    node = cls()
    node.params = params
    n = len(inputs)
    if n == 2:  # the common case, spelled out: no per-call list or generator
        a, b = inputs
        node.edges = (_edge(a), _edge(b))
    elif n == 1:
        a = inputs[0]
        node.edges = ((a._grad_fn or a) if a._requires_grad else None,)
    else:
        node.edges = tuple([_edge(t) for t in inputs])
    if meta:
        node.shapes = tuple([t._data.shape if isinstance(t, Tensor) else None for t in inputs])
        node.dtypes = tuple([t._dtype if isinstance(t, Tensor) else None for t in inputs])
    else:
        node.dtypes = None
        node.shapes = _shapes_if_broadcast(inputs, out._data.shape) if bcast else None
    node.saved = _save(inputs, out, save_in, save_out, node.edges) if (save_in or save_out) else None
    out._requires_grad = True
    out._grad_fn = node
    return out


def _shapes_if_broadcast(inputs, shape):
    """The inputs' shapes when one differs from the output's (the engine then unbroadcasts), else None."""
    for t in inputs:
        if isinstance(t, Tensor) and t._data.shape != shape:
            return tuple([t._data.shape if isinstance(t, Tensor) else None for t in inputs])
    return None


def _save(inputs, out, save_in, save_out: bool, edges: tuple) -> tuple:
    # loops rather than generators: each generator is a frame on Python 3.11, and this runs for most recorded ops
    versions = []
    kept_in = None
    if save_in:
        if save_in is not True:  # the rule's keep(edges): only the inputs it will read
            keep = save_in(edges)
            picked = []
            for t, k in zip(inputs, keep):
                picked.append(t if k else None)
            inputs = tuple(picked)
        kept_in = inputs
        for t in inputs:
            v = t._version if isinstance(t, Tensor) else None
            versions.append(v[0] if v else 0)
    kept_out = None
    if save_out is True and type(out) is not tuple:
        kept_out = detached_alias(out)
        versions.append(kept_out._version[0])
    elif save_out:  # every output, or the indices the rule reads (the others saved as None: never checked)
        kept = []
        for i, o in enumerate(out):
            a = detached_alias(o) if save_out is True or i in save_out else None
            kept.append(a)
            versions.append(a._version[0] if a is not None else 0)
        kept_out = tuple(kept)
    return kept_in, kept_out, tuple(versions)


def _record_multi(cls, outs, inputs, params, save_in, save_out, meta):
    node = cls()
    node.params = params
    node.edges = tuple((t._grad_fn or t) if isinstance(t, Tensor) and t._requires_grad else None for t in inputs)
    node.shapes = tuple(t._data.shape if isinstance(t, Tensor) else None for t in inputs) if meta else None
    node.dtypes = tuple(t._dtype if isinstance(t, Tensor) else None for t in inputs) if meta else None
    node.saved = _save(inputs, outs, save_in, save_out, node.edges) if (save_in or save_out) else None
    for i, o in enumerate(outs):
        if o._dtype in _GRAD_DTYPES:
            o._requires_grad = True
            o._grad_fn = OutputNode(node, i)
    return outs


def check_coverage() -> list[str]:
    """Names of differentiable ops of the op table that have no gradient rule (empty when all are covered)."""
    return sorted(n for n, op in OPS.items() if op.differentiable and n not in RULES and n not in VJPS)

"""The op registry: one entry per op, the single source of truth that frontend, backends, gradient rules, test
kit and docs all key on, and ``register``, the one way an op comes in (nr_core's own, nr_nn's, a third party's).

Kernel calling convention (what ``backend.kernels[name]`` receives and returns), by kind:

- ``elementwise``: native buffers of one common dtype (the frontend has promoted and cast them),
  broadcasting left to the kernel; returns one buffer of the result dtype.
- ``reduction``: ``(buf, axis: tuple[int, ...] | None, keepdims: bool, **params)``; axes are normalised.
- ``scan``: ``(buf, axis: int, include_initial: bool, dtype)``.
- ``shape``/``view``/``indexing``/``linalg``/``sort``/``set``/``search``/``nn``: the buffers then the keyword
  parameters named in the frontend function (``shape=``, ``axes=``, ``axis=``, ``key=`` …).
- ``creation``: keyword parameters plus ``dtype`` (an nr DType) and ``device`` (an nr Device).
Multi-output ops return a tuple of buffers. ``setitem(buf, value, key=)`` writes in place and returns the
buffer the array holds from then on (the same one, unless the old one was immutable).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from . import dtypes as _d

# dtype categories of the standard
_INT = frozenset(d for d in _d.ALL_DTYPES if d.kind in ("int", "uint"))
_REAL_FLOAT = frozenset((_d.float16, _d.bfloat16, _d.float32, _d.float64))
_COMPLEX = frozenset((_d.complex64, _d.complex128))
_FLOAT = _REAL_FLOAT | _COMPLEX
_REAL = _INT | _REAL_FLOAT
_NUMERIC = _REAL | _COMPLEX
_ANY = frozenset(_d.ALL_DTYPES)
_BOOL = frozenset((_d.bool,))

CATEGORIES = {
    "bool": _BOOL,
    "integer": _INT,
    "integer or boolean": _INT | _BOOL,
    "real floating-point": _REAL_FLOAT,
    "floating-point": _FLOAT,
    "complex floating-point": _COMPLEX,
    "real numeric": _REAL,
    "numeric": _NUMERIC,
    # sum/prod of bools count, as in NumPy and PyTorch (the standard leaves bool out)
    "numeric or boolean": _NUMERIC | _BOOL,
    # PyTorch-style: integer/bool inputs are accepted and computed in the default float dtype
    "float-promoting": _ANY,
    "real float-promoting": _REAL | _BOOL,
    "any": _ANY,
}


@dataclass(frozen=True)
class OpDef:
    """One op of the table.

    ``result``: how the output dtype follows from the (promoted) input dtype:
    ``same``, ``bool``, ``real`` (complex -> its real part's dtype), ``float`` (int/bool -> default float),
    ``index`` (int64), ``custom`` (the frontend function decides).
    ``primitive``: every backend must implement it; others have a decomposition in nr ops.
    ``view``: the result may share memory with the first input (version counters are shared).
    ``fusable``: an elementwise op a backend may fuse with its neighbours.
    """

    name: str
    kind: str
    nin: int
    dtypes: str
    result: str = "same"
    differentiable: bool = True
    primitive: bool = True
    view: bool = False
    fusable: bool = False
    nout: int = 1
    accepts: frozenset = field(init=False, repr=False, compare=False)  # CATEGORIES[dtypes], read on every call

    def __post_init__(self) -> None:
        object.__setattr__(self, "accepts", CATEGORIES[self.dtypes])


# ---- the registry: plain dicts that dispatch, autograd and the kit read -----------------------------
OPS: dict[str, OpDef] = {}
PRIMITIVES: set[str] = set()  # every backend has a kernel for each (the kit's coverage test checks)
DECOMPOSITIONS: dict[str, Callable[..., Any]] = {}  # op -> fn(*inputs, **params) written in nr ops
VJPS: dict[str, Callable] = {}  # op -> gradient rule handed to the grad engine (plugins' ops)
# op -> the indices of its outputs that its vjp reads (a multi-output op's others are not kept, nor checked
# for in-place changes: ``y = bn(x); y += skip`` must not invalidate a rule that reads only the statistics)
SAVED_OUTPUTS: dict[str, tuple[int, ...]] = {}
SAMPLES: dict[str, Callable] = {}  # op -> samples(op_name, dtypes) yielding nr_core.samples.Sample
# op -> {backend name or Backend subclass: kernel(backend, *buffers, **params)}; installed into each matching
# backend's kernel dict (as a bound method), unless the backend brings its own kernel for that op
KERNELS: dict[str, dict[Any, Callable]] = {}
# op -> its autocast policy, as declared with the op (``nr_core.amp`` reads it; ops absent run unchanged):
# "low" (floating inputs cast to the region's 16-bit dtype), "fp32" (cast to float32), "promote" (to the widest)
AMP_POLICY: dict[str, str] = {}
AMP_POLICIES = ("low", "fp32", "promote")


def register(opdef: OpDef, decomposition: Callable | None = None, vjp: Callable | None = None,
             samples: Callable | None = None, kernels: dict | None = None, amp: str | None = None,
             saved_outputs: tuple[int, ...] | None = None) -> None:
    """Add ``opdef`` with what comes with it. Re-registering an identical definition adds to it; a different
    definition under a taken name is refused. ``amp``: the op's autocast policy (one of ``AMP_POLICIES``);
    ``saved_outputs``: which outputs ``vjp`` reads (default all)."""
    if not isinstance(opdef, OpDef):
        raise TypeError(f"register: expected an nr_core.optable.OpDef, got {type(opdef).__name__}")
    if amp is not None and amp not in AMP_POLICIES:
        raise ValueError(f"register: op {opdef.name!r} has autocast policy {amp!r}; expected one of {AMP_POLICIES}")
    prev = OPS.get(opdef.name)
    if prev is not None and prev != opdef:
        raise ValueError(f"register: op {opdef.name!r} is already in the op table with a different definition "
                         f"({prev} vs {opdef})")
    if not opdef.primitive and decomposition is None and opdef.name not in DECOMPOSITIONS:
        raise ValueError(f"register: op {opdef.name!r} is not a primitive, so it needs a decomposition")
    OPS[opdef.name] = opdef
    if opdef.primitive:
        PRIMITIVES.add(opdef.name)
    for table, value in ((DECOMPOSITIONS, decomposition), (VJPS, vjp), (SAMPLES, samples)):
        if value is not None:
            table[opdef.name] = value
    if kernels:
        KERNELS.setdefault(opdef.name, {}).update(kernels)
    if saved_outputs is not None:
        nout = max(opdef.nout, 1)
        if not all(isinstance(i, int) and 0 <= i < nout for i in saved_outputs):
            raise ValueError(f"register: saved_outputs of {opdef.name!r} must be output indices below {nout}, "
                             f"got {saved_outputs!r}")
        SAVED_OUTPUTS[opdef.name] = tuple(saved_outputs)
    if amp is not None:
        AMP_POLICY[opdef.name] = amp


def declare_amp(name: str, policy: str) -> None:
    """The autocast policy of a composite function that is not an op (``nr_nn.functional.linear``, the losses);
    ``nr_core.amp.autocast_policy`` declares it with the function."""
    if policy not in AMP_POLICIES:
        raise ValueError(f"declare_amp: {name!r} has autocast policy {policy!r}; expected one of {AMP_POLICIES}")
    prev = AMP_POLICY.get(name)
    if prev is not None and prev != policy:
        raise ValueError(f"declare_amp: {name!r} already has autocast policy {prev!r}, not {policy!r}")
    AMP_POLICY[name] = policy


def kernels_for(backend) -> dict[str, Callable]:
    """The registered kernels that apply to ``backend`` (matched by name or class), bound to it."""
    out = {}
    for name, by_key in KERNELS.items():
        for key, fn in by_key.items():
            if key == backend.name or isinstance(key, type) and isinstance(backend, key):
                out[name] = fn.__get__(backend)
                break
    return out

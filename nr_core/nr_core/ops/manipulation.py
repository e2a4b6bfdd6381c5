"""Shape and view ops: the table, decompositions (in reshapes, permutes, slices and takes) and kit samples.
Frontends: ``nr_core/api/manipulation.py``."""
from __future__ import annotations

import numpy as np

import nr_core as nr
from ..optable import OpDef
from ..samples import Sample, one_of_each_kind, smooth, values
from ._family import Family

FAMILY = Family()


def _shape(name, view=False, primitive=True, nin=1, result="same"):
    return FAMILY.add(OpDef(name, "shape", nin, "any", result, view=view, primitive=primitive))


RESHAPE = _shape("reshape", view=True)
PERMUTE_DIMS = _shape("permute_dims", view=True)
BROADCAST_TO = _shape("broadcast_to", view=True)
EXPAND_DIMS = _shape("expand_dims", view=True, primitive=False)
SQUEEZE = _shape("squeeze", view=True, primitive=False)
MATRIX_TRANSPOSE = _shape("matrix_transpose", view=True, primitive=False)
MOVEAXIS = _shape("moveaxis", view=True, primitive=False)
FLIP = _shape("flip", view=True)
ROLL = _shape("roll", primitive=False)
CONCAT = _shape("concat", nin=-1, result="custom")
STACK = _shape("stack", nin=-1, result="custom", primitive=False)
TILE = _shape("tile", primitive=False)
REPEAT = _shape("repeat", primitive=False)

# autocast: joining a 16-bit and a float32 array keeps the wider one
FAMILY.amp("promote", "concat", "stack")


# ---- decompositions ------------------------------------------------------------------------------
@FAMILY.decomposition("expand_dims")
def _expand_dims(x, axis):
    axes = (axis,) if isinstance(axis, int) else axis
    shape = list(x.shape)
    for a in sorted(axes):
        shape.insert(a, 1)
    return nr.reshape(x, tuple(shape))


@FAMILY.decomposition("squeeze")
def _squeeze(x, axis):
    return nr.reshape(x, tuple(s for i, s in enumerate(x.shape) if i not in axis))


@FAMILY.decomposition("matrix_transpose")
def _matrix_transpose(x):
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return nr.permute_dims(x, tuple(axes))


@FAMILY.decomposition("moveaxis")
def _moveaxis(x, source, destination):
    order = [a for a in range(x.ndim) if a not in source]
    for dst, src in sorted(zip(destination, source)):
        order.insert(dst, src)
    return nr.permute_dims(x, tuple(order))


@FAMILY.decomposition("roll")
def _roll(x, shift, axis=None):
    if axis is None:
        return nr.reshape(_roll(nr.reshape(x, (-1,)), shift, (0,)), x.shape)
    shifts = shift if isinstance(shift, tuple) else (shift,) * len(axis)
    for s, a in zip(shifts, axis):
        n = x.shape[a]
        if n == 0:
            continue
        s %= n
        if s:
            lead = (slice(None),) * a
            x = nr.concat([x[lead + (slice(n - s, None),)], x[lead + (slice(0, n - s),)]], axis=a)
    return x


@FAMILY.decomposition("stack")
def _stack(*xs, axis=0):
    return nr.concat([nr.expand_dims(x, axis=axis) for x in xs], axis=axis)


@FAMILY.decomposition("tile")
def _tile(x, repetitions):
    reps = (1,) * (x.ndim - len(repetitions)) + tuple(repetitions)
    x = nr.reshape(x, (1,) * (len(reps) - x.ndim) + x.shape)
    for a, r in enumerate(reps):
        if r != 1:
            x = nr.concat([x] * r, axis=a) if r else x[(slice(None),) * a + (slice(0, 0),)]
    return x


@FAMILY.decomposition("repeat")
def _repeat(x, repeats, axis=None):
    if axis is None:
        x, axis = nr.reshape(x, (-1,)), 0
    n = x.shape[axis]
    counts = np.broadcast_to(np.asarray(repeats, dtype=np.int64), (n,))
    idx = nr.asarray(np.repeat(np.arange(n, dtype=np.int64), counts), device=x.device)
    return nr.take(x, idx, axis=axis)


# ---- samples -------------------------------------------------------------------------------------
def _shape_samples(name, dtypes, cases, ref=None):
    for dt in one_of_each_kind(dtypes):
        for label, shape, kw in cases:
            yield Sample(name, (values(shape, dt),), kw, ref=ref, label=f"{label}-{dt.name}", grad=smooth(dt))


_CASES = {
    "reshape": [("basic", (3, 4), {"shape": (4, 3)}), ("infer", (2, 3, 4), {"shape": (-1, 4)}),
                ("to0d", (1,), {"shape": ()}), ("empty", (0, 4), {"shape": (4, 0)})],
    "permute_dims": [("3d", (2, 3, 4), {"axes": (2, 0, 1)}), ("2d", (3, 4), {"axes": (1, 0)})],
    "broadcast_to": [("row", (1, 4), {"shape": (3, 4)}), ("lead", (4,), {"shape": (2, 3, 4)})],
    "expand_dims": [("front", (3, 4), {"axis": 0}), ("back", (3, 4), {"axis": -1})],
    "squeeze": [("one", (3, 1, 4), {"axis": 1}), ("two", (1, 3, 1), {"axis": (0, 2)})],
    "matrix_transpose": [("2d", (3, 4), {}), ("3d", (2, 3, 4), {})],
    "flip": [("all", (3, 4), {}), ("axis", (3, 4), {"axis": 1}), ("axes", (2, 3, 4), {"axis": (0, 2)})],
    "roll": [("flat", (3, 4), {"shift": 5}), ("axis", (3, 4), {"shift": -1, "axis": 1}),
             ("axes", (3, 4), {"shift": (1, 2), "axis": (0, 1)})],
    "tile": [("2d", (2, 3), {"repetitions": (2, 2)}), ("grow", (3,), {"repetitions": (2, 1, 2)})],
}
_REFS = {"reshape": lambda x, shape: np.reshape(x, shape), "tile": lambda x, repetitions: np.tile(x, repetitions)}


@FAMILY.samples(*_CASES)
def _table_samples(name, dtypes):
    return _shape_samples(name, dtypes, _CASES[name], ref=_REFS.get(name))


@FAMILY.samples("moveaxis")
def _moveaxis_samples(name, dtypes):
    for dt in one_of_each_kind(dtypes):
        for src, dst in ((0, -1), ((0, 1), (2, 0))):
            yield Sample(name, (values((2, 3, 4), dt),), call=lambda a, s=src, d=dst: nr.moveaxis(a, s, d),
                         ref=lambda a, s=src, d=dst: np.moveaxis(a, s, d), label=f"{src}-{dt.name}",
                         grad=smooth(dt))


@FAMILY.samples("repeat")
def _repeat_samples(name, dtypes):
    for dt in one_of_each_kind(dtypes):
        for label, repeats, axis in (("flat", 2, None), ("axis", 3, 1), ("counts", np.array([1, 0, 2]), 1)):
            yield Sample(name, (values((2, 3), dt),), call=lambda a, r=repeats, ax=axis: nr.repeat(a, r, axis=ax),
                         ref=lambda a, r=repeats, ax=axis: np.repeat(a, r, axis=ax), label=f"{label}-{dt.name}",
                         grad=smooth(dt))


@FAMILY.samples("concat", "stack")
def _join_samples(name, dtypes):
    ref = {"concat": lambda *xs, axis: np.concatenate(xs, axis=axis), "stack": lambda *xs, axis: np.stack(xs, axis=axis)}
    for dt in one_of_each_kind(dtypes):
        fn = getattr(nr, name)
        for axis in (0, 1, -1):
            xs = (values((2, 3), dt, key=(1,)), values((2, 3), dt, key=(2,)), values((2, 3), dt, key=(3,)))
            yield Sample(name, xs, {"axis": axis}, call=lambda *a, axis, _f=fn: _f(list(a), axis=axis),
                         ref=ref[name], label=f"{axis}-{dt.name}", grad=smooth(dt))

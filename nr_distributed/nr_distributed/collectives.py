"""The collectives of ``torch.distributed`` on nr arrays: argument checks, then the backend on native buffers.

Every function checks its arguments before any communication (a bad call on one rank must not leave the
others waiting in a collective it never joins). ``async_op=True`` returns a ``Work``; ``all_reduce`` is truly
asynchronous where the backend is (MPI ``Iallreduce``), the others have finished when they return.
"""
from __future__ import annotations

from typing import Sequence

import nr_core as nr
from nr_core.array_object import Tensor

from .backend import CompletedWork, Work
from .buffers import Staged, as_nr, empty_stack
from .group import resolve
from .reduce_op import ReduceOp, check_op


# ---- argument checks ------------------------------------------------------------------------
def _tensor(t, what: str, label: str = "tensor") -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{what}: {label} must be an nr array, got {type(t).__name__}")
    return t


def _rank_arg(r, n: int, what: str, label: str) -> int:
    if isinstance(r, bool) or not isinstance(r, int) or not 0 <= r < n:
        raise ValueError(f"{what}: {label} must be a rank in [0, {n - 1}], got {r!r}")
    return r


def _like(items, ref: Tensor, n: int, what: str, label: str, shape=None) -> list:
    """``items`` as a list of n arrays with ``ref``'s dtype and device (and ``shape``, default ref's)."""
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"{what}: {label} must be a list of nr arrays, got {type(items).__name__}")
    if len(items) != n:
        raise ValueError(f"{what}: {label} must hold world_size={n} arrays, got {len(items)}")
    shape = ref.shape if shape is None else shape
    for i, t in enumerate(items):
        _tensor(t, what, f"{label}[{i}]")
        if t.shape != shape or t.dtype is not ref.dtype:
            raise ValueError(f"{what}: {label}[{i}] has shape {t.shape} and dtype {t.dtype.name}; expected shape "
                             f"{shape} and dtype {ref.dtype.name}")
        if t.device is not ref.device:
            raise nr.DeviceMismatchError(f"{what}: {label}[{i}] is on {t.device} but the array is on {ref.device}")
    return list(items)


def _done(async_op: bool, what: str):
    return CompletedWork(what) if async_op else None


def _average(buf, n: int) -> None:
    buf /= n


class _Finishing(Work):
    """A backend's Work whose result is written back to the nr array once it completes."""

    def __init__(self, inner: Work, after) -> None:
        super().__init__(inner.what)
        self.started, self._inner, self._after = inner.started, inner, after

    def _test(self) -> bool:
        if not self._inner.is_completed():
            return False
        self._finish()
        return True

    def _wait(self) -> None:
        self._inner.wait()
        self._finish()

    def _finish(self) -> None:
        after, self._after = self._after, None
        if after is not None:
            after()


# ---- the collectives ---------------------------------------------------------------------------
def barrier(group=None, async_op: bool = False):
    """Return once every rank of the group has called ``barrier``."""
    resolve(group, "barrier").backend.barrier()
    return _done(async_op, "barrier")


def all_reduce(tensor, op: ReduceOp = ReduceOp.SUM, group=None, async_op: bool = False):
    """Combine ``tensor`` over every rank with ``op``, in place, so every rank ends with the same values."""
    g = resolve(group, "all_reduce")
    _tensor(tensor, "all_reduce")
    op = check_op(op, tensor.dtype, "all_reduce")
    staged = Staged(tensor, g.backend, "all_reduce")
    wire = ReduceOp.SUM if op is ReduceOp.AVG else op

    def finish() -> None:
        if op is ReduceOp.AVG:
            _average(staged.buf, g.world_size)
        staged.finish()

    if async_op:
        return _Finishing(g.backend.iallreduce(staged.buf, wire), finish)
    g.backend.allreduce(staged.buf, wire)
    finish()
    return None


def broadcast(tensor, src: int, group=None, async_op: bool = False):
    """Overwrite ``tensor`` on every rank with rank ``src``'s."""
    g = resolve(group, "broadcast")
    _tensor(tensor, "broadcast")
    _rank_arg(src, g.world_size, "broadcast", "src")
    staged = Staged(tensor, g.backend, "broadcast")
    g.backend.broadcast(staged.buf, src)
    staged.finish()
    return _done(async_op, "broadcast")


def all_gather(tensor_list, tensor, group=None, async_op: bool = False):
    """``tensor_list[r]`` = ``tensor`` of rank r, on every rank."""
    g = resolve(group, "all_gather")
    _tensor(tensor, "all_gather")
    outs = _like(tensor_list, tensor, g.world_size, "all_gather", "tensor_list")
    send = Staged(tensor, g.backend, "all_gather").buf
    recv = empty_stack(send, g.world_size)
    g.backend.allgather(send, recv)
    with nr.no_grad():
        for i, t in enumerate(outs):
            t.copy_(as_nr(recv[i], t.device))
    return _done(async_op, "all_gather")


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op: bool = False):
    """The ranks' ``input_tensor`` concatenated along axis 0 (or stacked) into ``output_tensor``."""
    g = resolve(group, "all_gather_into_tensor")
    _tensor(output_tensor, "all_gather_into_tensor", "output_tensor")
    _tensor(input_tensor, "all_gather_into_tensor", "input_tensor")
    n, shape = g.world_size, input_tensor.shape
    cat = (shape[0] * n,) + shape[1:] if shape else None
    if output_tensor.shape not in ((n,) + shape, cat) or output_tensor.dtype is not input_tensor.dtype:
        raise ValueError(f"all_gather_into_tensor: output_tensor has shape {output_tensor.shape} and dtype "
                         f"{output_tensor.dtype.name}; for inputs of shape {shape} on {n} ranks it must be "
                         f"{cat or (n,)} (or {(n,) + shape}) of dtype {input_tensor.dtype.name}")
    send = Staged(input_tensor, g.backend, "all_gather_into_tensor").buf
    out = Staged(output_tensor, g.backend, "all_gather_into_tensor")
    g.backend.allgather(send, out.buf.reshape((n,) + shape))
    out.finish()
    return _done(async_op, "all_gather_into_tensor")


def reduce_scatter(output, input_list, op: ReduceOp = ReduceOp.SUM, group=None, async_op: bool = False):
    """``output`` on rank r = the ``op``-combination over every rank of its ``input_list[r]``."""
    g = resolve(group, "reduce_scatter")
    _tensor(output, "reduce_scatter", "output")
    op = check_op(op, output.dtype, "reduce_scatter")
    ins = _like(input_list, output, g.world_size, "reduce_scatter", "input_list")
    return _reduce_scatter(g, output, nr.stack(ins), op, async_op)


def reduce_scatter_tensor(output, input, op: ReduceOp = ReduceOp.SUM, group=None, async_op: bool = False):
    """``reduce_scatter`` with the ranks' parts concatenated along axis 0 of ``input``."""
    g = resolve(group, "reduce_scatter_tensor")
    _tensor(output, "reduce_scatter_tensor", "output")
    _tensor(input, "reduce_scatter_tensor", "input")
    op = check_op(op, output.dtype, "reduce_scatter_tensor")
    n, shape = g.world_size, output.shape
    if input.size != n * output.size or input.dtype is not output.dtype or (shape and input.shape[0] != n * shape[0]):
        raise ValueError(f"reduce_scatter_tensor: input has shape {input.shape} and dtype {input.dtype.name}; for an "
                         f"output of shape {shape} on {n} ranks it must hold {n} such parts along axis 0, dtype "
                         f"{output.dtype.name}")
    if input.device is not output.device:
        raise nr.DeviceMismatchError(f"reduce_scatter_tensor: input is on {input.device}, output on {output.device}")
    return _reduce_scatter(g, output, nr.reshape(input, (n,) + shape), op, async_op)


def _reduce_scatter(g, output, stacked, op, async_op):
    send = Staged(stacked, g.backend, "reduce_scatter").buf
    recv = Staged(output, g.backend, "reduce_scatter")
    g.backend.reduce_scatter(send, recv.buf, ReduceOp.SUM if op is ReduceOp.AVG else op)
    if op is ReduceOp.AVG:
        _average(recv.buf, g.world_size)
    recv.finish()
    return _done(async_op, "reduce_scatter")


def gather(tensor, gather_list: Sequence | None = None, dst: int = 0, group=None, async_op: bool = False):
    """On rank ``dst``, ``gather_list[r]`` = ``tensor`` of rank r; other ranks pass no list."""
    g = resolve(group, "gather")
    _tensor(tensor, "gather")
    _rank_arg(dst, g.world_size, "gather", "dst")
    if g.rank == dst:
        if gather_list is None:
            raise ValueError(f"gather: rank {dst} is the destination, so it must pass gather_list")
        outs = _like(gather_list, tensor, g.world_size, "gather", "gather_list")
    elif gather_list is not None:
        raise ValueError(f"gather: gather_list must not be given on rank {g.rank}, only on the destination {dst}")
    send = Staged(tensor, g.backend, "gather").buf
    recv = empty_stack(send, g.world_size) if g.rank == dst else None
    g.backend.gather(send, recv, dst)
    if recv is not None:
        with nr.no_grad():
            for i, t in enumerate(outs):
                t.copy_(as_nr(recv[i], t.device))
    return _done(async_op, "gather")


def scatter(tensor, scatter_list: Sequence | None = None, src: int = 0, group=None, async_op: bool = False):
    """``tensor`` on rank r = ``scatter_list[r]`` of rank ``src``; other ranks pass no list."""
    g = resolve(group, "scatter")
    _tensor(tensor, "scatter")
    _rank_arg(src, g.world_size, "scatter", "src")
    send = None
    if g.rank == src:
        if scatter_list is None:
            raise ValueError(f"scatter: rank {src} is the source, so it must pass scatter_list")
        send = Staged(nr.stack(_like(scatter_list, tensor, g.world_size, "scatter", "scatter_list")), g.backend,
                      "scatter").buf
    elif scatter_list is not None:
        raise ValueError(f"scatter: scatter_list must not be given on rank {g.rank}, only on the source {src}")
    recv = Staged(tensor, g.backend, "scatter")
    g.backend.scatter(send, recv.buf, src)
    recv.finish()
    return _done(async_op, "scatter")

"""DDP's gradient reducer: buckets of gradients all-reduced while backward still runs.

Parameters are bucketed in reverse registration order (roughly the order backward produces their
gradients), one dtype and device per bucket, up to ``bucket_cap_mb`` (the first bucket 1 MiB, so
communication starts early). A gradient hook (``Tensor.register_hook``, fired before accumulation) copies
each parameter's gradient into its bucket's flat array; a full bucket starts its asynchronous all-reduce at
once, in bucket order, which every rank follows, so collectives always match across ranks. When backward
ends (``nr_autograd.queue_callback``) the reducer waits for the buckets and makes each ``p.grad`` its averaged
slice of the bucket.
"""
from __future__ import annotations

import time

import nr_autograd as autograd
import nr_core as nr

from .collectives import all_reduce
from .reduce_op import ReduceOp

FIRST_BUCKET_BYTES = 1024 * 1024

UNUSED_ERROR = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error indicates "
    "that your module has parameters that were not used in producing loss. You can enable unused parameter "
    "detection by passing the keyword argument `find_unused_parameters=True` to "
    "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs participate "
    "in calculating loss.")


class Bucket:
    """Parameters (by index) sharing one flat gradient array, and the all-reduce in flight for it."""

    __slots__ = ("index", "members", "offsets", "numel", "dtype", "device", "flat", "pending", "work", "launched")

    def __init__(self, index: int, members: list[int], params: list) -> None:
        self.index, self.members = index, members
        self.offsets, n = [], 0
        for i in members:
            self.offsets.append(n)
            n += params[i].size
        self.numel = n
        self.dtype, self.device = params[members[0]].dtype, params[members[0]].device
        self.flat = None
        self.pending = len(members)
        self.work = None
        self.launched = 0.0


def build_buckets(params: list, cap_bytes: int, first_cap_bytes: int = FIRST_BUCKET_BYTES) -> list[Bucket]:
    """Buckets over ``params`` in reverse order, each of one (device, dtype), closed once it reaches its cap."""
    buckets: list[Bucket] = []
    open_: dict = {}  # (device, dtype) -> (member indices, bytes so far)
    for i in reversed(range(len(params))):
        p = params[i]
        key = (p.device, p.dtype)
        members, size = open_.get(key, ([], 0))
        members.append(i)
        size += p.size * p.dtype.itemsize
        cap = min(first_cap_bytes, cap_bytes) if not buckets else cap_bytes
        if size >= cap:
            buckets.append(Bucket(len(buckets), members, params))
            open_.pop(key, None)
        else:
            open_[key] = (members, size)
    for members, _ in open_.values():
        buckets.append(Bucket(len(buckets), members, params))
    return buckets


def reachable_leaves(outputs) -> set[int]:
    """Ids of the leaf arrays the autograd graph of ``outputs`` reaches (which parameters forward used)."""
    stack, seen, leaves = [], set(), set()
    todo = [outputs]
    while todo:  # the outputs: an array, or lists, tuples and dicts of them
        o = todo.pop()
        if isinstance(o, nr.Tensor):
            if o.grad_fn is not None:
                stack.append(o.grad_fn)
            elif o.requires_grad:
                leaves.add(id(o))
        elif isinstance(o, (list, tuple)):
            todo.extend(o)
        elif isinstance(o, dict):
            todo.extend(o.values())
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for e in node.next_functions:
            if isinstance(e, nr.Tensor):
                leaves.add(id(e))
            elif e is not None:
                stack.append(e)
    return leaves


class Reducer:
    """The per-iteration state of DDP's gradient synchronisation for one wrapped module."""

    def __init__(self, params: list, names: list[str], group, bucket_cap_bytes: int, find_unused: bool) -> None:
        self.params, self.names, self.group, self.find_unused = params, names, group, find_unused
        self.buckets = build_buckets(params, bucket_cap_bytes)
        self.where = {}
        for b in self.buckets:
            for i, off in zip(b.members, b.offsets):
                self.where[i] = (b, off)
        self.expect = False       # a synchronised backward is due (set by prepare, cleared by finalize)
        self.fired = False        # this iteration's backward has started (a hook ran)
        self.failed: str | None = None
        self.ready: list[bool] = []
        self.used: list[bool] = []
        self.accumulated: set[int] = set()  # parameters that got a gradient under no_sync since the last sync
        self.next_bucket = 0
        self.timeline: dict = {}
        for i, p in enumerate(params):
            p.register_hook(self._hook(i))

    # ---- forward side --------------------------------------------------------------------------------
    def check_finished(self) -> None:
        if self.failed is not None:
            raise RuntimeError(self.failed)

    def prepare(self, outputs, sync: bool) -> None:
        """Called at the end of a forward under grad mode: arm the hooks for the backward that follows."""
        self.check_finished()
        if self.fired:  # the last synchronised backward stopped half-way: its all-reduces may still be in flight
            self.failed = (f"{UNUSED_ERROR} (the previous backward pass of this DistributedDataParallel raised "
                           "before its gradients were reduced)")
            raise RuntimeError(self.failed)
        self.expect = sync
        if not sync:
            return
        for b in self.buckets:  # fresh arrays: last step's .grad views of them stay valid
            b.flat = nr.zeros((b.numel,), dtype=b.dtype, device=b.device)
            b.pending, b.work = len(b.members), None
        n = len(self.params)
        self.ready, self.used, self.next_bucket = [False] * n, [False] * n, 0
        self.timeline = {"forward_end": time.perf_counter(), "buckets": []}
        if self.find_unused:  # mark what forward did not touch now, so its buckets need not wait for backward
            reached = reachable_leaves(outputs)
            for i, p in enumerate(self.params):
                if id(p) not in reached:
                    self._unused(i)

    # ---- backward side -------------------------------------------------------------------------------
    def _hook(self, i: int):
        def hook(grad):
            if not self.expect:
                self.accumulated.add(i)  # no_sync: the gradient accumulates locally, as it is
                return None
            if not self.fired:
                self.fired = True
                autograd.queue_callback(self._finalize)
            if self.ready[i]:
                raise RuntimeError(f"DistributedDataParallel: parameter {self.names[i]!r} was marked ready twice in "
                                   "one backward pass (Expected to mark a variable ready only once); a parameter "
                                   "shared between reentrant backward passes is not supported")
            p = self.params[i]
            self.used[i] = True
            self._ready(i, grad if p.grad is None else p.grad + grad)
            return None
        return hook

    def _unused(self, i: int) -> None:
        """Parameter ``i`` gets no gradient in this backward: its local part is what no_sync accumulated, or 0."""
        p = self.params[i]
        if i in self.accumulated and p.grad is not None:
            self.used[i] = True
            self._ready(i, p.grad)
        else:
            self._ready(i, None)

    def _ready(self, i: int, value) -> None:
        b, off = self.where[i]
        if value is not None:
            b.flat[off:off + value.size] = nr.reshape(value, (-1,))
        self.ready[i] = True
        b.pending -= 1
        if b.pending == 0:
            self._launch()
        else:
            for done in self.buckets[:self.next_bucket]:  # MPI makes progress only inside MPI calls
                done.work.is_completed()

    def _launch(self) -> None:
        """Start every full bucket whose predecessors have started: the same order on every rank."""
        while self.next_bucket < len(self.buckets) and self.buckets[self.next_bucket].pending == 0:
            b = self.buckets[self.next_bucket]
            b.launched = time.perf_counter()
            b.work = all_reduce(b.flat, ReduceOp.SUM, group=self.group, async_op=True)
            self.next_bucket += 1

    def _finalize(self) -> None:
        """End of backward: start what is left, wait for every bucket, write the averaged gradients."""
        backward_end = time.perf_counter()
        missing = [i for i, r in enumerate(self.ready) if not r]
        if missing and not self.find_unused:
            names = ", ".join(self.names[i] for i in missing)
            self.failed = (f"{UNUSED_ERROR} Parameters which did not receive grad for rank {self.group.rank}: "
                           f"{names}")
            raise RuntimeError(self.failed)
        for i in missing:
            self._unused(i)
        used = None
        if self.find_unused:  # which parameters some rank used: the others keep their .grad untouched
            used = nr.asarray([1 if u else 0 for u in self.used], dtype=nr.int32)
            all_reduce(used, ReduceOp.SUM, group=self.group)
            used = used.tolist()
        world = self.group.world_size
        for b in self.buckets:
            b.work.wait()
            self.timeline["buckets"].append({"bucket": b.index, "bytes": b.numel * b.dtype.itemsize,
                                             "launched": b.launched, "completed": b.work.completed})
            with nr.no_grad():
                avg = b.flat / world
            for i, off in zip(b.members, b.offsets):
                if used is None or used[i]:
                    p = self.params[i]
                    p.grad = nr.reshape(avg[off:off + p.size], p.shape)
        self.timeline["backward_end"] = backward_end
        self.timeline["reduced"] = time.perf_counter()
        self.accumulated.clear()
        self.expect = self.fired = False

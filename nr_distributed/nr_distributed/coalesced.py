"""Many small arrays in few messages: coalesced broadcast, and the same-model check DDP runs at wrap time."""
from __future__ import annotations

import json

import nr_core as nr

from .collectives import all_gather, broadcast

BROADCAST_BUCKET_BYTES = 250 * 1024 * 1024  # PyTorch's size for DDP's initial broadcast


def broadcast_coalesced(tensors: list, group, src: int = 0, cap_bytes: int = BROADCAST_BUCKET_BYTES) -> None:
    """Overwrite ``tensors`` on every rank with rank ``src``'s, one message per (device, dtype) chunk."""
    chunks: dict = {}  # (device, dtype) -> [[arrays of one message], ...], and the bytes of the last message
    for t in tensors:
        parts, size = chunks.get((t.device, t.dtype), ([[]], 0))
        nbytes = t.size * t.dtype.itemsize
        if parts[-1] and size + nbytes > cap_bytes:
            parts.append([])
            size = 0
        parts[-1].append(t)
        chunks[(t.device, t.dtype)] = (parts, size + nbytes)
    with nr.no_grad():
        for parts, _ in chunks.values():
            for part in parts:
                flat = nr.concat([nr.reshape(t.detach(), (-1,)) for t in part])
                broadcast(flat, src, group=group)
                off = 0
                for t in part:
                    t.copy_(nr.reshape(flat[off:off + t.size], t.shape))
                    off += t.size


def _describe(module) -> list:
    return ([["parameter", n, list(p.shape), p.dtype.name] for n, p in module.named_parameters()]
            + [["buffer", n, list(b.shape), b.dtype.name] for n, b in module.named_buffers()])


def check_same_model(module, group, what: str = "DistributedDataParallel") -> None:
    """Raise the same RuntimeError on every rank when the ranks' modules differ in names, shapes or dtypes."""
    n = group.world_size
    mine = json.dumps(_describe(module)).encode()
    lengths = [nr.zeros((1,), dtype=nr.int64) for _ in range(n)]
    all_gather(lengths, nr.asarray([len(mine)], dtype=nr.int64), group=group)
    width = max(int(x.item()) for x in lengths)
    padded = nr.asarray(list(mine.ljust(width, b" ")), dtype=nr.uint8)
    texts = [nr.zeros((width,), dtype=nr.uint8) for _ in range(n)]
    all_gather(texts, padded, group=group)
    models = [json.loads(bytes(t.tolist()).decode()) for t in texts]
    for rank in range(1, n):
        problem = _difference(models[0], models[rank], rank)
        if problem:
            raise RuntimeError(f"{what}: the model differs between ranks, but DDP expects the same model on every "
                               f"rank: {problem}")


def _difference(ref: list, other: list, rank: int) -> str:
    ref_params = [e for e in ref if e[0] == "parameter"]
    other_params = [e for e in other if e[0] == "parameter"]
    if len(ref_params) != len(other_params):
        return (f"rank 0 has {len(ref_params)} parameters, while rank {rank} has {len(other_params)} "
                f"(first names: {[e[1] for e in ref_params[:3]]} vs {[e[1] for e in other_params[:3]]})")
    for index, (a, b) in enumerate(zip(ref, other)):
        if a != b:
            kind, name, shape, dtype = a
            if b[1] != name:
                return f"entry {index} is {kind} {name!r} on rank 0 but {b[0]} {b[1]!r} on rank {rank}"
            return (f"{kind} {name!r} has shape {tuple(shape)} and dtype {dtype} on rank 0, but shape {tuple(b[2])} "
                    f"and dtype {b[3]} on rank {rank}")
    if len(ref) != len(other):
        buffers = len(ref) - len(ref_params), len(other) - len(other_params)
        return f"rank 0 has {buffers[0]} buffers, while rank {rank} has {buffers[1]}"
    return ""

"""The demo's activation-memory probe: what one training step's graph holds under the demo's precision (float32,
``--amp bf16`` autocast, ``--amp fp16`` autocast plus a GradScaler), measured the same way for each."""
from __future__ import annotations

import contextlib
import tracemalloc

import nr_core as nr

DTYPES = {"bf16": nr.bfloat16, "fp16": nr.float16}


def activation_bytes(model, loss_fn, xb, yb, amp: str | None, device) -> tuple[int, int]:
    """(bytes the graph keeps alive after the forward pass, peak bytes during forward and backward) of one step on
    host memory (tracemalloc sees NumPy's buffers; device memory is not counted)."""
    region = contextlib.nullcontext() if amp is None else nr.autocast(str(device).split(":")[0], dtype=DTYPES[amp])
    # float16's range is narrow: its gradients are scaled, as in training; bfloat16 has float32's range
    scaler = nr.amp.GradScaler() if amp == "fp16" else None
    model.zero_grad()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        with region:
            loss = loss_fn(model(xb), yb)
        held = tracemalloc.get_traced_memory()[0] - base
        (loss if scaler is None else scaler.scale(loss)).backward()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    model.zero_grad()
    return held, peak

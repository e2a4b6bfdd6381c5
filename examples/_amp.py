"""The demo's mixed-precision recipes (``--amp bf16``: autocast only; ``--amp fp16``: autocast plus a GradScaler)
and the memory probe that compares them with float32."""
from __future__ import annotations

import contextlib
import tracemalloc

import nr_core as nr

DTYPES = {"bf16": nr.bfloat16, "fp16": nr.float16}


class Recipe:
    """One training step's precision: ``with recipe.autocast():`` around forward and loss, then ``recipe.step``."""

    def __init__(self, amp: str | None, device: str) -> None:
        self.amp, self.kind = amp, str(device).split(":")[0]
        # float16's range is narrow: its gradients are scaled; bfloat16 has float32's range and needs no scaler
        self.scaler = nr.amp.GradScaler() if amp == "fp16" else None
        self.skipped = 0

    def autocast(self):
        if self.amp is None:
            return contextlib.nullcontext()
        return nr.autocast(self.kind, dtype=DTYPES[self.amp])

    def step(self, loss, opt) -> None:
        opt.zero_grad()
        if self.scaler is None:
            loss.backward()
            opt.step()
            return
        self.scaler.scale(loss).backward()
        self.skipped += not self.scaler.step(opt)
        self.scaler.update()


def activation_bytes(model, loss_fn, xb, yb, recipe: Recipe) -> tuple[int, int]:
    """(bytes the graph keeps alive after the forward pass, peak bytes during forward and backward) of one step on
    host memory (tracemalloc sees NumPy's buffers; device memory is not counted)."""
    model.zero_grad()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        with recipe.autocast():
            loss = loss_fn(model(xb), yb)
        held = tracemalloc.get_traced_memory()[0] - base
        (loss if recipe.scaler is None else recipe.scaler.scale(loss)).backward()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    model.zero_grad()
    return held, peak

"""Pick the best available device: cuda, then opencl, then cpu (or what --device says)."""
import nr_core as nr

PREFERENCE = ("cuda", "opencl", "cpu")


def best_device(requested: str | None = None) -> str:
    if requested:
        return requested
    available = {d.kind: d for d in nr.__array_namespace_info__().devices()}
    for kind in PREFERENCE:
        if kind in available:
            return str(available[kind])
    return "cpu"


"""The inspection namespace: ``__array_namespace_info__()``."""
from __future__ import annotations

from .. import dtypes as _d
from ..plugins import REGISTRY
from .data_types import isdtype

__all__ = ["__array_namespace_info__"]


class Info:
    """What the namespace supports, per the 2024.12 inspection API."""

    __module__ = "nr_core"

    def capabilities(self) -> dict:
        """What the default device's backend can do (boolean masks need data-dependent shapes)."""
        dynamic = REGISTRY.backend_for(REGISTRY.default_device()).capabilities.data_dependent_shapes
        return {"boolean indexing": dynamic, "data-dependent shapes": dynamic, "max dimensions": 64}

    def default_device(self):
        return REGISTRY.default_device()

    def default_dtypes(self, *, device=None) -> dict:
        self._check_device(device)
        return {"real floating": _d.default_float, "complex floating": _d.default_complex,
                "integral": _d.default_int, "indexing": _d.int64}

    def dtypes(self, *, device=None, kind=None) -> dict:
        """The standard's dtypes the device supports. float16/bfloat16 are extensions (``nr.float16``): array-API
        consumers iterate over this table expecting the standard's dtypes only, so they are not listed."""
        dev = self._check_device(device)
        backend = REGISTRY.backend_for(dev)
        out = {}
        for dt in _d.ALL_DTYPES:
            if dt in _d.LOW_PRECISION:
                continue
            if backend.supports_dtype(dt, dev) and (kind is None or isdtype(dt, kind)):
                out[dt.name] = dt
        return out

    def devices(self) -> list:
        return REGISTRY.available_devices()

    def _check_device(self, device):
        dev, _ = REGISTRY.resolve(device)
        return dev


def __array_namespace_info__() -> Info:
    return Info()

"""Compiled host code for NumPy kernels, where the backend builds it (``NdarrayBackend.native``; the CPU backend
does, see ``nr_backend_cpu.native``): a C file beside the kernels and the ctypes signatures of its functions."""
from __future__ import annotations

import ctypes
import os

import numpy as np

PTR, LONG, INT = ctypes.c_void_p, ctypes.c_long, ctypes.c_int
FLOAT, DOUBLE = ctypes.c_float, ctypes.c_double


class Native:
    """The functions ``signatures`` (name -> argtypes) of the C file ``filename`` next to the module ``near``
    (a ``__file__``)."""

    def __init__(self, near: str, filename: str, signatures: dict) -> None:
        self.path = os.path.join(os.path.dirname(os.path.abspath(near)), filename)
        self.signatures = signatures
        self._held: dict = {}

    def functions(self, be, *arrays, dtype=np.float32):
        """The functions in signature order when every array given (None skipped) is a NumPy array of ``dtype``
        and ``be`` builds host code, else None (the caller takes its NumPy path)."""
        if any(a is not None and (type(a) is not np.ndarray or a.dtype != dtype) for a in arrays):
            return None
        lib = be.native(self.path)
        if lib is None:
            return None
        held = self._held.get(id(lib))
        if held is None:
            fns = []
            for name, argtypes in self.signatures.items():
                fn = getattr(lib, name)
                fn.argtypes, fn.restype = argtypes, None
                fns.append(fn)
            held = self._held[id(lib)] = (lib, tuple(fns))  # the library kept alive, so its id stays its own
        return held[1]


def addr(a) -> int:
    """The address of a NumPy array's first element."""
    return a.ctypes.data

"""The built-in "core" plugin: nr_core's own ops, one file per family (table entries, decompositions and kit
samples side by side), registered through the same ``nr_register_ops`` hook as any plugin's ops.

``nr_core/__init__.py`` registers this plugin at import, before the namespace is assembled; nr_nn and third
parties register theirs at discovery.
"""
from __future__ import annotations

from ..hookspecs import hookimpl
from . import (conversion, creation, elementwise, fft, indexing, linalg, manipulation, products, random,
               reductions, sets, sorting)

FAMILIES = (elementwise, conversion, reductions, products, manipulation, indexing, sorting, sets, creation, random,
            linalg, fft)


@hookimpl
def nr_register_ops(register):
    for family in FAMILIES:
        family.FAMILY.register(register)

"""The array namespace, split by function family as the standard is."""
from . import (creation, data_types, elementwise, fft, indexing, info, linalg, linalg_main, manipulation,  # noqa: F401
               operators, searching, sets, sorting, statistical, transfer)

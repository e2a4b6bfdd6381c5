"""The array namespace, split by function family as the standard is."""
from . import (creation, data_types, elementwise, indexing, info, linalg_main, manipulation, operators,  # noqa: F401
               searching, sets, sorting, statistical, transfer)

"""``torch.utils``: ``data`` is nr_data."""
from __future__ import annotations

import importlib as _importlib

data = _importlib.import_module(__name__ + ".data")  # nr_data itself, through the alias finder

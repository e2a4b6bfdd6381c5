"""nr-backend-dask: the ``dask`` device for neurarust, a third-party backend plugin over ``dask.array``.

Arrays on ``dask:0`` are lazy graphs of chunks, computed by Dask's threaded scheduler, or by a
``dask.distributed`` cluster when the program has a ``Client``. Importing this package is optional: nr_core finds
the backend through its ``nr.backends`` entry point. It offers the knobs a user of the device needs:

- ``set_scheduler`` / ``scheduler(...)``: pin the scheduler (``"threads"``, ``"synchronous"``, ``"processes"``, a
  Client) instead of the automatic choice;
- ``set_chunk_budget`` / ``chunk_budget(...)`` / ``NR_DASK_CHUNK_BUDGET``: the per-chunk memory budget;
- ``from_array(source, chunks=)``: an nr array over any array-like read block by block (an ``nr_data.NpyArray``,
  a NumPy memmap, a Zarr array), without loading it.
"""
from ._version import __version__
from .budget import ChunkBudgetError, chunk_budget, get_chunk_budget, set_chunk_budget
from .scheduling import scheduler, set_scheduler
from .sources import from_array

__all__ = ["ChunkBudgetError", "__version__", "chunk_budget", "from_array", "get_chunk_budget", "scheduler",
           "set_chunk_budget", "set_scheduler"]

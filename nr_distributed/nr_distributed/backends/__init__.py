"""The communication backends nr-distributed ships: ``mpi`` (mpi4py), ``nccl`` (CuPy) and ``threads`` (in-process)."""

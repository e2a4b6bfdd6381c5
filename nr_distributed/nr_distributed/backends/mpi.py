"""``mpi``: collectives through mpi4py's buffer-protocol calls (``Allreduce``, ``Iallreduce``, ``Bcast`` …), in
place on NumPy buffers at C speed; nothing on the data path is pickled.

Launched by ``mpiexec -n N`` (or ``srun``, or ``nr-run``), which gives the rank and world size. The group talks
on a duplicate of ``COMM_WORLD``, so the user's own MPI traffic never mixes with it. Blocking calls run under
the watchdog, and an unhandled exception aborts the job (``MPI_Abort``), so no rank waits forever for one
that failed.
"""
from __future__ import annotations

from ..backend import CommBackend, Work
from ..errors import DistBackendError
from ..faults import AbortOnException, Watchdog, record
from ..reduce_op import ReduceOp

INSTALL_HINT = ("pip install mpi4py mpich   (an MPI inside the environment, with mpiexec; or load your cluster's "
                "MPI, then pip install mpi4py)")


class _MPIWork(Work):
    def __init__(self, request, buf, watchdog: Watchdog) -> None:
        super().__init__("all_reduce")
        self._request, self._buf, self._watchdog = request, buf, watchdog  # the buffer lives until completion

    def _test(self) -> bool:
        return bool(self._request.Test())  # also what drives MPI's progress while backward runs

    def _wait(self) -> None:
        self._watchdog.begin("all_reduce (async)")
        try:
            self._request.Wait()
        finally:
            self._watchdog.end()
        self._buf = None


class MPIBackend(CommBackend):
    name = "mpi"

    def __init__(self, rank: int | None = None, world_size: int | None = None, timeout: float = 1800.0,
                 init_method: str | None = None) -> None:
        try:
            from mpi4py import MPI
        except Exception as exc:  # ImportError, or mpi4py that finds no MPI library (RuntimeError)
            raise DistBackendError(f"the 'mpi' backend needs mpi4py and an MPI library: {INSTALL_HINT}") from exc
        world = MPI.COMM_WORLD
        for given, actual, label in ((rank, world.Get_rank(), "rank"), (world_size, world.Get_size(), "world_size")):
            if given is not None and given != actual:
                raise ValueError(f"init_process_group(backend='mpi'): {label}={given} was passed but the MPI launcher "
                                 f"gave {actual}; leave it out (mpiexec -n N sets it)")
        super().__init__(world.Get_rank(), world.Get_size(), timeout)
        self.MPI = MPI
        self.comm = world.Dup()
        local = self.comm.Split_type(MPI.COMM_TYPE_SHARED)
        self.local_rank, self.local_world_size = local.Get_rank(), local.Get_size()
        local.Free()
        self._ops = {ReduceOp.SUM: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX}
        self._bool_ops = {ReduceOp.MIN: MPI.LAND, ReduceOp.MAX: MPI.LOR}
        self.watchdog = Watchdog(self.rank, self.world_size, timeout, self.abort)
        # one rank alone has nobody to wait for it: its exceptions stay ordinary
        self._excepthook = AbortOnException(self.rank, self.world_size, self.abort) if self.world_size > 1 else None
        record(self.rank, "running")

    def _op(self, buf, op: ReduceOp):
        return self._bool_ops[op] if buf.dtype.kind == "b" else self._ops[op]

    def _guarded(self, what: str, call, *args) -> None:
        self.watchdog.begin(what)
        try:
            call(*args)
        finally:
            self.watchdog.end()

    # ---- the protocol ----------------------------------------------------------------------------
    def allreduce(self, buf, op: ReduceOp) -> None:
        self._guarded("all_reduce", self.comm.Allreduce, self.MPI.IN_PLACE, buf, self._op(buf, op))

    def iallreduce(self, buf, op: ReduceOp) -> Work:
        return _MPIWork(self.comm.Iallreduce(self.MPI.IN_PLACE, buf, self._op(buf, op)), buf, self.watchdog)

    def broadcast(self, buf, src: int) -> None:
        self._guarded("broadcast", self.comm.Bcast, buf, src)

    def allgather(self, send, recv) -> None:
        self._guarded("all_gather", self.comm.Allgather, send, recv)

    def barrier(self) -> None:
        self._guarded("barrier", self.comm.Barrier)

    def reduce_scatter(self, send, recv, op: ReduceOp) -> None:
        self._guarded("reduce_scatter", self.comm.Reduce_scatter_block, send, recv, self._op(send, op))

    def gather(self, send, recv, dst: int) -> None:
        self._guarded("gather", self.comm.Gather, send, recv, dst)

    def scatter(self, send, recv, src: int) -> None:
        self._guarded("scatter", self.comm.Scatter, send, recv, src)

    # ---- life cycle ------------------------------------------------------------------------------
    def abort(self, reason: str) -> None:
        self.MPI.COMM_WORLD.Abort(1)

    def close(self) -> None:
        self.barrier()  # nobody frees the communicator while a peer still uses it
        self.watchdog.stop()
        if self._excepthook is not None:
            self._excepthook.uninstall()
        self.comm.Free()
        record(self.rank, "finished")

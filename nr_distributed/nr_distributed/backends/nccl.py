"""``nccl``: collectives on CUDA arrays through ``cupy.cuda.nccl``, one GPU per rank.

Written against CuPy's documented ``NcclCommunicator`` API (``allReduce``, ``bcast``, ``allGather``,
``reduceScatter``, ``abort``) and **not run yet**: the project's machines have no GPU. The ranks are started
by an MPI launcher, which also carries NCCL's unique id from rank 0 to the others (mpi4py, once, at init).
Collectives are queued on the backend's own CUDA stream after the work already queued on the current one, so
``iallreduce`` returns at once and overlaps the backward pass; ``Work.wait`` blocks on the stream's event
under the watchdog, which calls ``ncclCommAbort`` when the group's timeout passes.
"""
from __future__ import annotations

from ..backend import CommBackend, Work
from ..errors import DistBackendError
from ..faults import AbortOnException, Watchdog, record
from ..reduce_op import ReduceOp

INSTALL_HINT = ('pip install "nr-distributed[nccl]" (CuPy for CUDA 12, with NCCL) and mpi4py with an MPI; needs an '
                "NVIDIA GPU per rank")


class _NCCLWork(Work):
    def __init__(self, event, buf, backend: "NCCLBackend") -> None:
        super().__init__("all_reduce")
        self._event, self._buf, self._backend = event, buf, backend

    def _test(self) -> bool:
        return bool(self._event.done)

    def _wait(self) -> None:
        self._backend._block("all_reduce (async)", self._event)
        self._buf = None


class NCCLBackend(CommBackend):
    name = "nccl"
    device_kinds = ("cuda",)
    stages_through_host = False

    def __init__(self, rank: int | None = None, world_size: int | None = None, timeout: float = 600.0,
                 init_method: str | None = None) -> None:
        try:
            import cupy
            from cupy.cuda import nccl
        except Exception as exc:  # ImportError, or a CuPy without its CUDA libraries
            raise DistBackendError(f"the 'nccl' backend needs CuPy with NCCL: {INSTALL_HINT} "
                                   f"({type(exc).__name__}: {exc})") from exc
        try:
            from mpi4py import MPI
        except ImportError as exc:
            raise DistBackendError(f"the 'nccl' backend is started by an MPI launcher and needs mpi4py: "
                                   f"{INSTALL_HINT}") from exc
        world = MPI.COMM_WORLD
        if rank is not None and rank != world.Get_rank() or world_size is not None and world_size != world.Get_size():
            raise ValueError(f"init_process_group(backend='nccl'): rank={rank}, world_size={world_size} disagree with "
                             f"the launcher's {world.Get_rank()} of {world.Get_size()}; leave them out")
        super().__init__(world.Get_rank(), world.Get_size(), timeout)
        local = world.Split_type(MPI.COMM_TYPE_SHARED)
        self.local_rank, self.local_world_size = local.Get_rank(), local.Get_size()
        local.Free()
        count = cupy.cuda.runtime.getDeviceCount()
        if count < self.local_world_size:
            raise DistBackendError(f"init_process_group(backend='nccl'): {self.local_world_size} ranks on this machine "
                                   f"but only {count} GPU(s); NCCL needs one GPU per rank")
        self.cupy, self.nccl = cupy, nccl
        self.device = cupy.cuda.Device(self.local_rank)
        self.device.use()  # rank i of a machine drives its GPU i, as with torch.cuda.set_device(local_rank)
        uid = nccl.get_unique_id() if self.rank == 0 else None
        uid = world.bcast(uid, root=0)  # 128 bytes, once: the only pickled message
        self.comm = nccl.NcclCommunicator(self.world_size, uid, self.rank)
        self.stream = cupy.cuda.Stream(non_blocking=True)
        self._ops = {ReduceOp.SUM: nccl.NCCL_SUM, ReduceOp.PRODUCT: nccl.NCCL_PROD, ReduceOp.MIN: nccl.NCCL_MIN,
                     ReduceOp.MAX: nccl.NCCL_MAX}
        self._types = {"float32": nccl.NCCL_FLOAT32, "float64": nccl.NCCL_FLOAT64, "float16": nccl.NCCL_FLOAT16,
                       "int8": nccl.NCCL_INT8, "uint8": nccl.NCCL_UINT8, "int32": nccl.NCCL_INT32,
                       "uint32": nccl.NCCL_UINT32, "int64": nccl.NCCL_INT64, "uint64": nccl.NCCL_UINT64,
                       "bool": nccl.NCCL_UINT8}
        self.watchdog = Watchdog(self.rank, self.world_size, timeout, self.abort)
        # one rank alone has nobody to wait for it: its exceptions stay ordinary
        self._excepthook = AbortOnException(self.rank, self.world_size, self.abort) if self.world_size > 1 else None
        record(self.rank, "running")

    # ---- helpers -------------------------------------------------------------------------------
    def _wire(self, buf, op: ReduceOp | None = None) -> tuple[int, int, int]:
        """(pointer, element count, NCCL type) of ``buf``; complex arrays travel as pairs of reals."""
        if buf.dtype.kind == "c":
            if op not in (None, ReduceOp.SUM):
                raise TypeError(f"nccl backend: {op!r} on a complex array is not supported (NCCL has no complex "
                                "type; SUM is, as a sum of real and imaginary parts)")
            buf = buf.view(buf.real.dtype)
        t = self._types.get(buf.dtype.name)
        if t is None:
            raise TypeError(f"nccl backend: dtype {buf.dtype.name} has no NCCL type")
        return buf.data.ptr, buf.size, t

    def _enqueue(self):
        """Our stream waits for what the current stream has queued (the gradient being ready)."""
        self.stream.wait_event(self.cupy.cuda.get_current_stream().record())
        return self.stream.ptr

    def _block(self, what: str, event) -> None:
        self.watchdog.begin(what)
        try:
            event.synchronize()
        finally:
            self.watchdog.end()

    def _run(self, what: str, call) -> None:
        call(self._enqueue())
        event = self.stream.record()
        self._block(what, event)

    # ---- the protocol ----------------------------------------------------------------------------
    # bools travel as uint8, where MIN is AND and MAX is OR
    def allreduce(self, buf, op: ReduceOp) -> None:
        p, n, t = self._wire(buf, op)
        self._run("all_reduce", lambda s: self.comm.allReduce(p, p, n, t, self._ops[op], s))

    def iallreduce(self, buf, op: ReduceOp) -> Work:
        p, n, t = self._wire(buf, op)
        self.comm.allReduce(p, p, n, t, self._ops[op], self._enqueue())
        return _NCCLWork(self.stream.record(), buf, self)

    def broadcast(self, buf, src: int) -> None:
        p, n, t = self._wire(buf)
        self._run("broadcast", lambda s: self.comm.bcast(p, n, t, src, s))

    def allgather(self, send, recv) -> None:
        p, n, t = self._wire(send)
        q = self._wire(recv)[0]
        self._run("all_gather", lambda s: self.comm.allGather(p, q, n, t, s))

    def reduce_scatter(self, send, recv, op: ReduceOp) -> None:
        p, _, t = self._wire(send, op)
        q, n, _ = self._wire(recv, op)
        self._run("reduce_scatter", lambda s: self.comm.reduceScatter(p, q, n, t, self._ops[op], s))

    def barrier(self) -> None:
        token = self.cupy.zeros(1, dtype=self.cupy.int32)
        self.allreduce(token, ReduceOp.SUM)

    # ---- life cycle ------------------------------------------------------------------------------
    def abort(self, reason: str) -> None:
        self.comm.abort()  # unblocks this rank's pending NCCL kernels
        from mpi4py import MPI
        MPI.COMM_WORLD.Abort(1)

    def close(self) -> None:
        self.barrier()
        self.watchdog.stop()
        if self._excepthook is not None:
            self._excepthook.uninstall()
        self.comm.destroy()
        record(self.rank, "finished")

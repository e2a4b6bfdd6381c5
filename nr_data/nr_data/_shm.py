"""Batches between processes: a worker writes a batch's arrays into one shared-memory block and sends only the
block's name and layout; the main process copies the bytes out and unlinks the block."""
from __future__ import annotations

import os
import secrets
from multiprocessing import shared_memory

import numpy as np

from ._layout import Leaf, assign_offsets, fill

_SHM_DIR = "/dev/shm"  # where POSIX shared memory shows up on Linux; used only to sweep leftovers


def new_prefix() -> str:
    """A name prefix unique to one loader iterator (short: macOS caps shm names at 31 characters)."""
    return f"nr{os.getpid():x}{secrets.token_hex(3)}_"


class Packed:
    """What travels through the result queue: the block's name (None for a batch without arrays), its size and
    the batch's skeleton."""

    __slots__ = ("name", "nbytes", "skeleton")

    def __init__(self, name: str | None, nbytes: int, skeleton) -> None:
        self.name = name
        self.nbytes = nbytes
        self.skeleton = skeleton

    def __getstate__(self):
        return (self.name, self.nbytes, self.skeleton)

    def __setstate__(self, state) -> None:
        self.name, self.nbytes, self.skeleton = state


def pack(skeleton, leaves: list[Leaf], name: str) -> Packed:
    """Write the leaves into a new shared-memory block called ``name``."""
    nbytes = assign_offsets(leaves)
    if nbytes == 0:
        fill(np.empty(0, np.uint8), leaves)
        return Packed(None, 0, skeleton)
    shm = shared_memory.SharedMemory(name=name, create=True, size=nbytes)
    try:
        buf = np.frombuffer(shm.buf, dtype=np.uint8, count=nbytes)
        fill(buf, leaves)
        del buf  # release the export so that close() can unmap
    except BaseException:
        shm.close()
        shm.unlink()
        raise
    shm.close()
    return Packed(name, nbytes, skeleton)


def unpack(packed: Packed) -> np.ndarray:
    """The block's bytes in a fresh host buffer; the block is unlinked."""
    host = np.empty(packed.nbytes, dtype=np.uint8)
    if packed.name is None:
        return host
    shm = shared_memory.SharedMemory(name=packed.name)
    try:
        src = np.frombuffer(shm.buf, dtype=np.uint8, count=packed.nbytes)
        np.copyto(host, src)
        del src
    finally:
        shm.close()
        shm.unlink()
    return host


def discard(packed) -> None:
    """Unlink the block of a batch that will never be read (shutdown, a stale epoch)."""
    name = getattr(packed, "name", None)
    if name is None:
        return
    try:
        shm = shared_memory.SharedMemory(name=name)
    except FileNotFoundError:
        return
    shm.close()
    shm.unlink()


def sweep(prefix: str) -> int:
    """Unlink blocks left behind by killed workers (Linux only, where they are visible as files); returns how many."""
    try:
        names = [n for n in os.listdir(_SHM_DIR) if n.startswith(prefix)]
    except OSError:
        return 0
    for name in names:
        discard(Packed(name, 0, None))
    return len(names)

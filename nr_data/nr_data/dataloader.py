"""DataLoader: batches from a dataset through a sampler, in this process or in worker processes."""
from __future__ import annotations

import contextlib
import numbers
import warnings
from collections.abc import Callable

import numpy as np
from nr_core import random as _nr_random

from ._device import BatchMover
from ._fetch import make_fetcher
from ._random import check_generator, rng
from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler


class _InfiniteConstantSampler(Sampler):
    """The sampler of an iterable dataset: ``None`` forever (the workers decide when the stream ends)."""

    def __iter__(self):
        while True:
            yield None


class _Position:
    """The pass over a loader in progress: the generator state its draws started from, batches yielded so far."""

    __slots__ = ("start", "batches", "done", "fresh")

    def __init__(self, start: dict) -> None:
        self.start, self.batches, self.done = start, 0, False
        self.fresh = True  # the pass started a new iterator (drew its worker base seed), not persistent workers'


def _generator_state(generator) -> dict:
    return _nr_random.get_state() if generator is None else generator.bit_generator.state


@contextlib.contextmanager
def _replaying(generator, saved: dict | None):
    """Draws made inside come from the state a saved pass started from; the generator is left where it was saved
    (the global one untouched: its own state is the caller's to restore, with ``nr.random.set_state``)."""
    if saved is None:
        yield
        return
    if generator is None:
        now = _nr_random.get_state()
        _nr_random.set_state(saved["start"])
        try:
            yield
        finally:
            _nr_random.set_state(now)
    else:
        generator.bit_generator.state = saved["start"]
        try:
            yield
        finally:
            generator.bit_generator.state = saved["generator"]


def _generator_at(state: dict) -> np.random.Generator:
    """A new generator in ``state`` (a copy: drawing from it moves nothing else)."""
    gen = np.random.default_rng()
    gen.bit_generator.state = state
    return gen


def _check(cond: bool, msg: str, exc=ValueError) -> None:
    if not cond:
        raise exc(f"DataLoader: {msg}")


class DataLoader:
    """Iterate a dataset in batches, with PyTorch's arguments and semantics.

    ``generator`` (None, an int seed or a numpy Generator) drives shuffling and worker seeds; with None they draw
    from the global state that ``nr.random.seed(n)`` sets. ``num_workers > 0`` loads in worker processes (fork where
    available, else spawn; or ``multiprocessing_context``) that send batches through shared memory. ``device=``
    moves each batch there; ``progress=True`` shows a tqdm bar. ``state_dict()`` / ``load_state_dict()`` save and
    restore the position inside an epoch, so a resumed run sees the rest of the same epoch (see ``state_dict``).
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool = False,
                 sampler: Sampler | None = None, batch_sampler: Sampler | None = None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False, drop_last: bool = False,
                 timeout: float = 0, worker_init_fn: Callable | None = None, generator=None,
                 prefetch_factor: int = 2, persistent_workers: bool = False, device=None, progress: bool = False,
                 multiprocessing_context=None) -> None:
        _check(isinstance(num_workers, numbers.Integral) and num_workers >= 0,
               f"num_workers option should be a non-negative integer, got {num_workers!r}")
        _check(timeout >= 0, f"timeout option should be non-negative, got {timeout!r}")
        _check(isinstance(prefetch_factor, numbers.Integral) and prefetch_factor >= 1,
               f"prefetch_factor option should be a positive integer, got {prefetch_factor!r}")
        _check(not persistent_workers or num_workers > 0, "persistent_workers option needs num_workers > 0")
        _check(batch_size is None or isinstance(batch_size, numbers.Integral) and batch_size > 0,
               f"batch_size should be a positive integer or None, got {batch_size!r}")
        self._is_iterable = isinstance(dataset, IterableDataset)
        if self._is_iterable:
            _check(not shuffle, f"IterableDataset has no shuffle; expected unspecified shuffle option, got {shuffle}")
            _check(sampler is None, f"IterableDataset takes no sampler, got {sampler}")
            _check(batch_sampler is None, f"IterableDataset takes no batch_sampler, got {batch_sampler}")
        else:
            _check(hasattr(dataset, "__getitem__"), f"dataset of type {type(dataset).__name__} has no __getitem__ "
                   "(map-style) nor derives from IterableDataset", TypeError)
        _check(sampler is None or not shuffle, "sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            _check(batch_size == 1 and not shuffle and sampler is None and not drop_last,
                   "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        self.dataset = dataset
        self.generator = check_generator(generator, "DataLoader")
        if sampler is None:
            if self._is_iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=self.generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = int(num_workers)
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if self._auto_collation else default_convert)
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = int(prefetch_factor)
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = multiprocessing_context
        self.device = device
        self.progress = progress
        self._mover = BatchMover(device, pin_memory) if device is not None else None
        if pin_memory and device is None:
            warnings.warn("DataLoader: pin_memory=True has no effect without device=", stacklevel=2)
        self._iterator = None
        self._position: _Position | None = None  # the pass in progress, for state_dict
        self._resume: dict | None = None  # a saved pass to replay at the next __iter__
        self._skip = 0  # index batches the next iterator skips (a map-style resume)
        self._base_seed_override: int | None = None

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _draw_base_seed(self) -> int:
        if self._base_seed_override is not None:
            return self._base_seed_override
        return int(rng(self.generator).integers(0, 2**62))

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        from ._multiprocess import MultiProcessIter
        return MultiProcessIter(self)

    def __iter__(self):
        saved, self._resume = self._resume, None
        skip = 0 if saved is None else saved["batches"]
        self._position = _Position(_generator_state(self.generator) if saved is None else saved["start"])
        if saved is not None and not saved["fresh"] and self.persistent_workers:
            # the saved pass reused running workers, so its draws began after their base seed: new workers here
            # take one that leaves the replayed draws alone (derived from the saved state, for repeatable resumes)
            self._base_seed_override = int(_generator_at(saved["start"]).integers(0, 2**62))
        with _replaying(self.generator, saved):
            if not self._is_iterable:  # skip indices, not loaded batches
                self._skip = self._position.batches = skip
            try:
                it = self._start_pass()
            finally:
                self._skip, self._base_seed_override = 0, None
            if self._is_iterable:  # a stream can only be replayed
                for _ in range(skip):
                    next(it, None)
        if self.progress:
            from tqdm.auto import tqdm
            total = len(self) if hasattr(self.dataset, "__len__") else None
            return iter(tqdm(it, total=total, unit="batch"))
        return it

    def _start_pass(self):
        if self.persistent_workers:
            if self._iterator is None or self._iterator._shutdown:  # first epoch, or workers stopped by an error
                self._iterator = self._get_iterator()
            else:
                self._position.fresh = False
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def state_dict(self) -> dict:
        """Where this loader stands: its own generator's state (None when it draws from the global state, which
        ``nr.random.get_state()`` saves) and, inside a pass, the generator state the pass started from and the
        batches it yielded. ``load_state_dict`` makes the next pass the rest of that one: the same order (drawn
        again from the saved state), without loading the skipped samples of a map-style dataset. Random draws
        inside worker processes (random transforms) are not replayed."""
        pos = self._position
        in_pass = pos is not None and not pos.done
        return {"generator": None if self.generator is None else self.generator.bit_generator.state,
                "start": pos.start if in_pass else None, "batches": pos.batches if in_pass else 0,
                "fresh": pos.fresh if in_pass else True}

    def load_state_dict(self, state: dict) -> None:
        """Restore ``state_dict()``'s result: the generator now, the position at the next ``iter()``."""
        _check(isinstance(state, dict) and {"generator", "start", "batches", "fresh"} <= state.keys(),
               f"load_state_dict expects the dict of DataLoader.state_dict(), got {state!r:.80}", TypeError)
        own, saved = self.generator is not None, state["generator"] is not None
        _check(own == saved, "load_state_dict: the state was saved from a loader with "
               f"{'its own' if saved else 'the global'} generator, this one uses "
               f"{'its own' if own else 'the global one'}")
        batches = state["batches"]
        _check(isinstance(batches, numbers.Integral) and batches >= 0,
               f"load_state_dict: batches should be a non-negative integer, got {batches!r}")
        _check(self._is_iterable or batches <= len(self),
               f"load_state_dict: {batches} batches yielded, but an epoch of this loader has {len(self)}")
        if own:
            self.generator.bit_generator.state = state["generator"]
        if self._iterator is not None and state["start"] is not None:
            self._iterator._shutdown_workers()  # the replayed pass starts its own workers, as the saved one did
            self._iterator = None
        self._resume = None if state["start"] is None else dict(state)

    def __len__(self) -> int:
        if self._is_iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)


class BaseIter:
    """State shared by both iterators: the sampler's iterator, the base seed of workers, the device mover."""

    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._is_iterable = loader._is_iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._collate_fn = loader.collate_fn
        self._index_sampler = loader._index_sampler
        self._mover = loader._mover
        self._base_seed = loader._draw_base_seed()  # drawn even without workers: same order for any num_workers

    def _reset(self, loader: DataLoader) -> None:
        """Start a pass over the sampler (each iterator calls it once from its constructor, then per epoch)."""
        self._position = loader._position
        self._sampler_iter = iter(self._index_sampler)
        for _ in range(loader._skip):  # a resumed pass: these batches were seen before the interruption
            next(self._sampler_iter, None)

    def __iter__(self):
        return self

    def _finish(self, batch):
        self._position.batches += 1
        return batch if self._mover is None else self._mover(batch)

    def _end(self) -> None:
        self._position.done = True


class _SingleProcessIter(BaseIter):
    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._reset(loader)
        self._fetcher = make_fetcher(self._dataset, self._is_iterable, self._auto_collation, self._collate_fn,
                                     self._drop_last)

    def __next__(self):
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            self._end()
            raise
        try:
            batch = self._fetcher.fetch(index)
        except StopIteration:
            self._end()
            raise
        except Exception as exc:
            if hasattr(exc, "add_note"):
                exc.add_note(f"nr_data.DataLoader: raised while loading {self._fetcher.where}")
            raise
        return self._finish(batch)

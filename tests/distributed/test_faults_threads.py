"""Failures on the in-process backend end every rank quickly, with the failed rank named."""
from __future__ import annotations

import time

import numpy as np
import pytest

import nr_core as nr
import nr_distributed as dist


def test_a_rank_that_raises_stops_the_others_at_their_next_collective():
    def body():
        x = nr.asarray(np.ones(3))
        for step in range(100):
            if dist.get_rank() == 2 and step == 3:
                raise ValueError("bad batch on purpose")
            dist.all_reduce(x)
        return "finished"

    t0 = time.perf_counter()
    with pytest.raises(dist.DistError, match="rank 2 of 3 failed: ValueError: bad batch on purpose") as info:
        dist.launch_threads(body, 3, timeout=30)
    assert time.perf_counter() - t0 < 10  # the peers did not wait for their 30 s timeout
    assert isinstance(info.value.__cause__, ValueError)


def test_a_rank_that_is_late_times_the_others_out():
    def body():
        if dist.get_rank() == 0:
            time.sleep(2.5)
        dist.barrier()

    t0 = time.perf_counter()
    with pytest.raises(dist.DistError, match=r"rank 1 of 2 failed: .*barrier on rank 1: the other ranks did not "
                                             r"join within 1 s"):
        dist.launch_threads(body, 2, timeout=1)
    assert time.perf_counter() - t0 < 10
    assert not dist.is_initialized()


def test_ranks_in_different_collectives_all_fail_saying_which():
    def body():
        if dist.get_rank() == 0:
            return "left early"          # its destroy_process_group meets the other's barrier
        dist.barrier()

    with pytest.raises(dist.DistError, match=r"the ranks called different collectives \(rank 0 in "
                                             r"destroy_process_group, rank 1 in barrier\)"):
        dist.launch_threads(body, 2, timeout=5)

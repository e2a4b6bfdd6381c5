"""DistributedDataParallel on the in-process ``threads`` backend: the same training as one process on the whole
batch (checked against nr and PyTorch), and DDP's rules (no_sync, unused parameters, buffers, model checks)."""
from __future__ import annotations

import numpy as np
import pytest

import ddp_models as M
import nr_core as nr
import nr_distributed as dist
import nr_nn as nn

DDP = dist.DistributedDataParallel


def run(fn, n: int = 2, args: tuple = ()):
    return dist.launch_threads(fn, n, args=args, timeout=30)


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
@pytest.mark.parametrize("micro", [1, 2])
def test_two_ranks_train_like_one_process_on_the_whole_batch(kind, micro):
    data = M.batches(kind)
    single = M.train(M.build(kind), data)
    np.testing.assert_allclose(M.max_rel(single, M.torch_reference(kind, data)), 0, atol=1e-9)

    def body():
        r, n = dist.get_rank(), dist.get_world_size()
        ddp = DDP(M.build(kind, seed=0 if r == 0 else 5 + r))  # rank 0's weights are broadcast at wrap time
        return M.train(ddp, data, r, n, micro=micro, ddp=ddp)

    for params in run(body):
        assert M.max_rel(params, single) < 1e-9


def test_no_sync_leaves_gradients_local_then_averages_their_sum():
    x = np.random.default_rng(3).normal(size=(2, 4, 6))   # rank, samples, features

    def body():
        r = dist.get_rank()
        ddp = DDP(M.build("mlp"))
        with ddp.no_sync():
            ddp(nr.asarray(x[r, :2])).sum().backward()
        local = [p.grad.numpy() for p in ddp.parameters()]
        ddp(nr.asarray(x[r, 2:])).sum().backward()
        return local, [p.grad.numpy() for p in ddp.parameters()]

    def grads(samples):
        m = M.build("mlp")
        m(nr.asarray(samples)).sum().backward()
        return [p.grad.numpy() for p in m.parameters()]

    out = run(body)
    for r, (local, synced) in enumerate(out):
        for a, b in zip(local, grads(x[r, :2])):
            np.testing.assert_allclose(a, b, rtol=1e-12)          # under no_sync: this rank's own gradient
        for a, b in zip(synced, grads(x.reshape(8, 6))):
            np.testing.assert_allclose(a, b / 2, rtol=1e-12)      # then: the sum over micro-batches, averaged


def test_wrapping_broadcasts_rank_zero_parameters_and_buffers():
    def body():
        r = dist.get_rank()
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double()
        model.load_state_dict(M.weights(model, seed=10 + r) | {"1.num_batches_tracked": nr.asarray(r * 5)})
        DDP(model)
        return {k: v.numpy() for k, v in model.state_dict().items()}

    expected = M.weights(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double(), seed=10)
    for state in run(body):
        for key, value in expected.items():
            if key.endswith("num_batches_tracked"):
                assert state[key] == 0
            else:
                np.testing.assert_array_equal(state[key], value)


@pytest.mark.parametrize("broadcast_buffers", [True, False])
def test_buffers_follow_rank_zero_before_each_forward(broadcast_buffers):
    g = np.random.default_rng(4)
    x, w, bias = g.normal(size=(2, 6, 3)), g.normal(size=(4, 3)), g.normal(size=4)

    def body():
        r = dist.get_rank()
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double()
        model[0].load_state_dict({"weight": w, "bias": bias})
        ddp = DDP(model, broadcast_buffers=broadcast_buffers)
        ddp(nr.asarray(x[r])).sum().backward()     # each rank updates its running stats from its own data
        ddp.eval()
        with nr.no_grad():
            ddp(nr.asarray(x[r]))                  # starts by taking rank 0's buffers (when broadcasting)
        return model[1].running_mean.numpy()

    own = [0.1 * (x[r] @ w.T + bias).mean(axis=0) for r in range(2)]  # momentum 0.1 from zeros
    for r, got in enumerate(run(body)):
        np.testing.assert_allclose(got, own[0] if broadcast_buffers else own[r], rtol=1e-12)


def test_find_unused_parameters_averages_what_some_rank_used():
    x = np.random.default_rng(5).normal(size=(2, 4, 3))

    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.trunk, self.left, self.never = nn.Linear(3, 3), nn.Linear(3, 1), nn.Linear(3, 1)

        def forward(self, x, use_left):
            h = self.trunk(x)
            return self.left(h).sum() if use_left else h.sum()

    def make():
        m = Branchy().double()
        m.load_state_dict(M.weights(m, seed=2))
        return m

    def body():
        r = dist.get_rank()
        ddp = DDP(make(), find_unused_parameters=True)
        ddp(nr.asarray(x[r]), use_left=(r == 0)).backward()
        return {n: None if p.grad is None else p.grad.numpy() for n, p in ddp.module.named_parameters()}

    refs = []
    for r in range(2):
        m = make()
        m(nr.asarray(x[r]), use_left=(r == 0)).backward()
        refs.append({n: None if p.grad is None else p.grad.numpy() for n, p in m.named_parameters()})
    for got in run(body):
        np.testing.assert_allclose(got["trunk.weight"], (refs[0]["trunk.weight"] + refs[1]["trunk.weight"]) / 2,
                                   rtol=1e-12)
        np.testing.assert_allclose(got["left.weight"], refs[0]["left.weight"] / 2, rtol=1e-12)  # rank 1: zero
        assert got["never.weight"] is None and got["never.bias"] is None  # no rank used it: left untouched


def test_an_unused_parameter_without_detection_raises_pytorchs_error():
    class HalfUsed(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.idle = nn.Linear(2, 2), nn.Linear(2, 2)

        def forward(self, x):
            return self.used(x)

    def body():
        ddp = DDP(HalfUsed())
        x = nr.asarray([[1.0, 2.0]])
        with pytest.raises(RuntimeError, match=r"find_unused_parameters=True.*rank \d: idle\.weight, idle\.bias"):
            ddp(x).sum().backward()
        with pytest.raises(RuntimeError, match="Expected to have finished reduction in the prior iteration"):
            ddp(x)
        return True

    assert run(body) == [True, True]


def test_a_backward_that_stops_half_way_is_refused_at_the_next_forward():
    def body():
        model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
        ddp = DDP(model)

        def fail(grad):
            raise ValueError("hook failed")

        model[0].weight.register_hook(fail)  # runs after DDP's own hook: DDP's bucket work has started
        x = nr.asarray([[1.0, 2.0]])
        with pytest.raises(ValueError, match="hook failed"):
            ddp(x).sum().backward()
        with pytest.raises(RuntimeError, match="previous backward pass of this DistributedDataParallel raised"):
            ddp(x)
        return True

    assert run(body) == [True, True]


def test_models_that_differ_between_ranks_are_refused_at_wrap_time():
    def body():
        r = dist.get_rank()
        with pytest.raises(RuntimeError, match=r"parameter '0.weight' has shape \(4, 3\).* on rank 0, but shape "
                                               r"\(5, 3\).* on rank 1"):
            DDP(nn.Sequential(nn.Linear(3, 4 + r), nn.Linear(4 + r, 1)))
        with pytest.raises(RuntimeError, match="rank 0 has 2 parameters, while rank 1 has 4"):
            DDP(nn.Sequential(*[nn.Linear(2, 2) for _ in range(1 + r)]))
        return True

    assert run(body) == [True, True]


def test_buckets_reverse_order_respect_the_cap_and_start_before_backward_ends():
    def body():
        model = nn.Sequential(*[nn.Linear(64, 64) for _ in range(4)]).double()  # 4 x 33 KB of float64
        ddp = DDP(model, bucket_cap_mb=0.03)
        ddp(nr.ones((2, 64), dtype=nr.float64)).sum().backward()
        members = [[ddp.reducer.names[i] for i in b.members] for b in ddp.reducer.buckets]
        return members, ddp.last_timeline

    members, timeline = run(body)[0]
    assert members[0] == ["3.bias", "3.weight"]                      # the first bucket: about 1 MiB or the cap
    assert members[1:] == [["2.bias", "2.weight"], ["1.bias", "1.weight"], ["0.bias", "0.weight"]]
    launched = [b["launched"] for b in timeline["buckets"]]
    assert launched == sorted(launched) and launched[0] < timeline["backward_end"]
    assert all(b["completed"] <= timeline["reduced"] for b in timeline["buckets"])


def test_wrapper_surface():
    import nr_nn.parallel

    assert nr_nn.parallel.DistributedDataParallel is DDP
    assert nr_nn.parallel.SyncBatchNorm is dist.SyncBatchNorm
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DDP(nn.Linear(2, 2))

    def body():
        model = nn.Linear(2, 3)
        ddp = DDP(model)
        assert ddp.module is model and list(ddp.state_dict()) == ["module.weight", "module.bias"]
        with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a gradient"):
            DDP(nn.Linear(2, 2).requires_grad_(False))
        with pytest.raises(ValueError, match="bucket_cap_mb must be a positive number"):
            DDP(nn.Linear(2, 2), bucket_cap_mb=0)
        with pytest.raises(ValueError, match="device_ids must be None or one device holding every parameter"):
            DDP(nn.Linear(2, 2), device_ids=[0])
        return True

    assert run(body) == [True, True]

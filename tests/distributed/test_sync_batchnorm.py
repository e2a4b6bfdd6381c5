"""SyncBatchNorm over two in-process ranks equals PyTorch's BatchNorm on the union of their batches."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
import nr_distributed as dist
import nr_nn as nn


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5, 5)])
def test_statistics_outputs_and_gradients_match_full_batch_batchnorm(shape):
    torch = pytest.importorskip("torch")
    g = np.random.default_rng(0)
    x = g.normal(loc=2.0, size=(2,) + shape)            # rank, then the rank's batch
    up = g.normal(size=(2,) + shape)                     # the gradient flowing into the layer's output
    w, b = g.normal(size=3), g.normal(size=3)

    def body():
        r = dist.get_rank()
        bn = dist.SyncBatchNorm(3).double()
        with nr.no_grad():
            bn.weight.copy_(nr.asarray(w))
            bn.bias.copy_(nr.asarray(b))
        xr = nr.asarray(x[r], requires_grad=True)
        out = bn(xr)
        (out * nr.asarray(up[r])).sum().backward()
        return (out.detach().numpy(), xr.grad.numpy(), bn.weight.grad.numpy(), bn.bias.grad.numpy(),
                bn.running_mean.numpy(), bn.running_var.numpy(), int(bn.num_batches_tracked.item()))

    ref = torch.nn.BatchNorm1d(3) if len(shape) == 2 else torch.nn.BatchNorm2d(3)
    ref = ref.double()
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(w))
        ref.bias.copy_(torch.from_numpy(b))
    tx = torch.from_numpy(x.reshape((-1,) + shape[1:])).requires_grad_(True)
    tout = ref(tx)
    (tout * torch.from_numpy(up.reshape((-1,) + shape[1:]))).sum().backward()
    n = shape[0]
    results = dist.launch_threads(body, 2, timeout=30)
    for r, (out, gx, gw, gb, rm, rv, steps) in enumerate(results):
        np.testing.assert_allclose(out, tout.detach().numpy()[r * n:(r + 1) * n], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(gx, tx.grad.numpy()[r * n:(r + 1) * n], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(rm, ref.running_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(rv, ref.running_var.numpy(), rtol=1e-12)
        assert steps == 1
    # each rank holds the weight gradient of its own samples; DDP would average them (x2 for the sum)
    np.testing.assert_allclose(results[0][2] + results[1][2], ref.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(results[0][3] + results[1][3], ref.bias.grad.numpy(), rtol=1e-10)


def test_convert_sync_batchnorm_shares_state_and_falls_back_without_a_group():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Sequential(nn.Flatten(), nn.BatchNorm1d(8)))
    model.eval()
    bn = model[1]
    weight, running = bn.weight, bn.running_mean
    converted = dist.SyncBatchNorm.convert_sync_batchnorm(model)
    assert converted is model
    assert isinstance(model[1], dist.SyncBatchNorm) and isinstance(model[2][1], dist.SyncBatchNorm)
    assert model[1].weight is weight and model[1].running_mean is running and not model[1].training
    root = dist.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(4))
    assert isinstance(root, dist.SyncBatchNorm)
    # no process group: plain batch norm
    x = np.random.default_rng(1).normal(size=(5, 4))
    root.train()
    out = root(nr.asarray(x, dtype=nr.float32)).detach().numpy()
    np.testing.assert_allclose(out, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), rtol=1e-4, atol=1e-5)

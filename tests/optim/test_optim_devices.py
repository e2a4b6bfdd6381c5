"""Every optimizer runs on every available device through nr ops: same result as on the CPU, state on the device."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
import nr_optim as optim
from _optim_problems import ALL, PROBLEMS, nr_params, set_nr_grads

DEVICES = [str(d) for d in nr.__array_namespace_info__().devices() if str(d) != "cpu"]


def _run(name, kwargs, device, steps=5):
    prob = PROBLEMS["linear"]
    params = nr_params(prob, dtype=nr.float32, device=device)
    opt = getattr(optim, name)(params, **kwargs)
    if name == "LBFGS":
        for _ in range(2):  # each step() is several iterations
            opt.step(lambda: set_nr_grads(prob, params))
    else:
        for _ in range(steps):
            set_nr_grads(prob, params)
            opt.step()
    return params, opt


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name, kwargs", ALL + [("LBFGS", dict(max_iter=4, line_search_fn="strong_wolfe"))],
                         ids=[a for a, _ in ALL] + ["LBFGS"])
def test_same_result_as_cpu(device, name, kwargs):
    params, opt = _run(name, kwargs, device)
    ref, _ = _run(name, kwargs, "cpu")
    for p, r in zip(params, ref):
        assert str(p.device) == device
        np.testing.assert_allclose(p.to_device("cpu").numpy(), r.numpy(), rtol=2e-4, atol=1e-5)
        for value in opt.state[p].values():
            if isinstance(value, nr.Tensor):
                assert str(value.device) == device

"""Parity harness against PyTorch CPU: copy torch's initialised state into the nr module, run both on the same
float64 inputs, then compare outputs, every parameter gradient and every input gradient to 1e-6 relative."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import nr_core as nr  # noqa: E402

RTOL = 1e-6
ATOL = 1e-9


def flatten(out) -> list:
    """Every array in a (possibly nested) tuple/list output, None entries dropped, in order."""
    if out is None:
        return []
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flatten(o)]
    return [out]


def host(t) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return t.detach().numpy()


def assert_close(ours, ref, what: str) -> None:
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} != torch's {ref.shape}"
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=ATOL, equal_nan=True, err_msg=what)


def copy_state(nr_mod, t_mod) -> None:
    nr_mod.to(nr.float64)
    nr_mod.load_state_dict({k: v.detach().numpy() for k, v in t_mod.state_dict().items()}, strict=True)


def _pair_input(a, grad: bool):
    if isinstance(a, np.ndarray):
        floating = a.dtype.kind == "f"
        t = torch.tensor(a, requires_grad=grad and floating)
        n = nr.asarray(a, requires_grad=grad and floating)
        return t, n
    return a, a


def check(nr_mod, t_mod, inputs, call=None, grad_inputs=True, seed: int = 0) -> None:
    """Full forward/backward parity of ``call(module, *inputs)`` (default ``module(*inputs)``).

    ``grad_inputs``: True (every floating input requires grad), False, or the indices of those that do.
    """
    if t_mod is not None:
        t_mod.double()
        copy_state(nr_mod, t_mod)
    call = call or (lambda m, *xs: m(*xs))
    wanted = range(len(inputs)) if grad_inputs is True else (grad_inputs or ())
    pairs = [_pair_input(a, i in wanted) for i, a in enumerate(inputs)]
    t_in, n_in = [p[0] for p in pairs], [p[1] for p in pairs]
    t_out, n_out = flatten(call(t_mod, *t_in)), flatten(call(nr_mod, *n_in))
    assert len(t_out) == len(n_out), f"{len(n_out)} outputs, torch gives {len(t_out)}"
    for i, (t, n) in enumerate(zip(t_out, n_out)):
        assert_close(host(n), host(t), f"output {i}")
    rng = np.random.default_rng(seed + 1000)
    t_loss = n_loss = None
    for t, n in zip(t_out, n_out):
        if not (t.requires_grad and t.dtype.is_floating_point):
            continue
        w = rng.standard_normal(tuple(t.shape))
        tl, nl = (t * torch.tensor(w)).sum(), (n * nr.asarray(w)).sum()
        t_loss, n_loss = (tl, nl) if t_loss is None else (t_loss + tl, n_loss + nl)
    if t_loss is None:
        return
    t_loss.backward()
    n_loss.backward()
    if t_mod is not None:
        for name, tp in t_mod.named_parameters():
            np_ = nr_mod.get_parameter(name)
            if tp.grad is None:
                assert np_.grad is None or not np.any(np_.grad.numpy()), f"{name}: torch has no gradient"
                continue
            assert np_.grad is not None, f"{name}: no gradient, torch has one"
            assert_close(np_.grad.numpy(), tp.grad.numpy(), f"grad of {name}")
    for i, (t, n) in enumerate(zip(t_in, n_in)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            if t.grad is None:
                continue
            assert n.grad is not None, f"input {i}: no gradient, torch has one"
            assert_close(n.grad.numpy(), t.grad.numpy(), f"grad of input {i}")


def randn(*shape, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)

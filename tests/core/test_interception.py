"""``dispatch.intercepting``: while an interceptor is active, every op of the namespace reaches it (hot paths
included), results are unchanged, interceptors nest, and nothing is left behind afterwards."""
import numpy as np

import nr_core as nr
from nr_core import dispatch


def test_every_op_passes_the_interceptor_and_results_are_unchanged():
    seen = []

    def spy(op, inputs, params, proceed):
        seen.append(op.name)
        return proceed(inputs, params)

    a, b = nr.asarray([1.0, 2.0, 3.0]), nr.asarray([4.0, 5.0, 6.0])
    expected = ((a * b + 1.0)[1:] @ nr.ones((2,))).item()
    with dispatch.intercepting(spy):
        c = nr.zeros((3,))
        c += a                                 # in-place operator
        got = ((a * b + 1.0)[1:] @ nr.ones((2,))).item()   # hot paths: a * b, + scalar, basic slicing
        c[0] = 7.0
    assert got == expected
    assert seen[:1] == ["zeros"] and {"add", "multiply", "getitem", "matmul", "setitem"} <= set(seen)
    assert c.tolist() == [7.0, 2.0, 3.0]
    seen.clear()
    (a * b).sum()
    assert seen == [] and dispatch._intercept is None


def test_interceptors_nest_outermost_first_and_may_replace_results():
    order = []

    def outer(op, inputs, params, proceed):
        order.append(("outer", op.name))
        return proceed(inputs, params)

    def doubling(op, inputs, params, proceed):
        order.append(("inner", op.name))
        out = proceed(inputs, params)
        return out * 2 if op.name == "exp" else out

    x = nr.asarray([0.0, 1.0])
    with dispatch.intercepting(outer), dispatch.intercepting(doubling):
        y = nr.exp(x)
    np.testing.assert_allclose(y.numpy(), 2 * np.exp([0.0, 1.0]), rtol=1e-6)
    assert order[:2] == [("outer", "exp"), ("inner", "exp")]
    np.testing.assert_allclose(nr.exp(x).numpy(), np.exp([0.0, 1.0]), rtol=1e-6)  # hot path back, undoubled


def test_a_write_under_no_grad_keeps_the_parameter_a_leaf():
    w = nr.asarray([1.0, 2.0], requires_grad=True)
    with dispatch.intercepting(lambda op, i, p, proceed: proceed(i, p)), nr.no_grad():
        w[0] = 5.0
    assert w.requires_grad and w.is_leaf and w.tolist() == [5.0, 2.0]


def test_host_reads_are_reported_inside_the_block_only():
    reads = []
    x = nr.asarray([2.5])
    with dispatch.intercepting(lambda op, i, p, proceed: proceed(i, p), host_read=lambda t, how: reads.append(how)):
        assert float(x) == 2.5 and bool(x) and x.item() == 2.5 and x.tolist() == [2.5]
        assert int(nr.asarray([3])) == 3 and x.numpy()[0] == 2.5
    float(x)
    assert reads == ["__float__", "__bool__", "item", "tolist", "__int__", "numpy"]
    from nr_core import array_object
    assert array_object._host_read is None

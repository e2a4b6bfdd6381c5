"""The mapping table op by op: small functions exported at opsets 13 (LayerNormalization decomposed), 17 and 18
(Reduce* axes as inputs), run in onnxruntime and the ReferenceEvaluator, compared with nr's own results."""
import io

import numpy as np
import pytest

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F
import nr_nn.onnx as nx

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")
from onnx.reference import ReferenceEvaluator  # noqa: E402

rng = np.random.default_rng(0)
X = rng.normal(size=(3, 4, 5)).astype(np.float32)
IMG = rng.normal(size=(2, 3, 7, 6)).astype(np.float32)
IDX = np.array([2, 0, 3], np.int64)
W_T = nr.asarray(rng.normal(size=(3, 2, 3, 3)).astype(np.float32))
W_G = nr.asarray(rng.normal(size=(6, 1, 3, 3)).astype(np.float32))

CASES = {
    "expm1_log1p_trunc": (lambda x: nr.expm1(x) + nr.log1p(nr.abs(x)) + nr.trunc(x * 3.0), X),
    "log2_log10_square": (lambda x: nr.log2(nr.abs(x) + 1.0) * nr.log10(nr.abs(x) + 2.0) + nr.square(x), X),
    "remainder_floor_divide": (lambda x: nr.remainder(x, 0.7) + nr.floor_divide(x, 0.3), X),
    "int_floor_divide": (lambda x: nr.astype(nr.floor_divide(nr.astype(x * 10.0, nr.int64), 3), nr.float32)
                         + nr.astype(nr.remainder(nr.astype(x * 10.0, nr.int64), -4), nr.float32), X),
    "where_clip_compare": (lambda x: nr.where(x > 0.2, nr.clip(x, -0.5, 0.5), x * -2.0)
                           + nr.astype(nr.logical_xor(x < 0, x != x), nr.float32), X),
    "reductions": (lambda x: nr.sum(x, axis=1) + nr.mean(x, axis=(1,)) * nr.max(x, axis=1) - nr.min(x, axis=1)
                   + nr.prod(x[:, :2], axis=1), X),
    "std_var_logsumexp": (lambda x: nr.std(x, axis=-1) + nr.var(x, axis=-1, correction=1)
                          + nr.logsumexp(x, axis=-1), X),
    "argmax_all_any": (lambda x: nr.astype(nr.argmax(x, axis=2), nr.float32)
                       + nr.astype(nr.all(x > -3.0, axis=2), nr.float32) + nr.astype(nr.any(x > 1.0), nr.float32), X),
    "cumsum_flip_tril": (lambda x: nr.cumulative_sum(nr.flip(x, axis=1), axis=1) + nr.tril(x[0]), X),
    "getitem": (lambda x: x[::-1, None, 1:4:2, -1] * 2.0 + x[..., 0][:, None, 1:3, None][:, :, :, 0], X),
    "getitem_index_array": (lambda x: x[:, nr.asarray(IDX)] + x[1][nr.asarray(IDX)], X),
    "take_concat_stack": (lambda x: nr.concat([nr.take(x, nr.asarray(IDX), axis=1), x[:, :1]], axis=1)
                          + nr.stack([x[:, 0], x[:, 1]], axis=1)[:, :1], X),
    "shapes": (lambda x: nr.squeeze(nr.expand_dims(x, axis=0), axis=0) @ nr.broadcast_to(nr.eye(5), (3, 5, 5))
               + nr.reshape(nr.permute_dims(x, (0, 2, 1)), (3, 4, 5)), X),
    "activations": (lambda x: F.gelu(x, approximate="tanh") + F.silu(x) + F.elu(x) + F.softplus(x)
                    + F.leaky_relu(x, 0.1) + F.hardswish(x) + F.gelu(x) + F.log_softmax(x, dim=0), X),
    "conv_transpose": (lambda x: F.conv_transpose2d(x, W_T,
                                                    stride=2, padding=1, output_padding=1), IMG),
    "conv_groups_dilation": (lambda x: F.conv2d(x, W_G,
                                                groups=3, dilation=2, padding=2, stride=(2, 1)), IMG),
    "pooling": (lambda x: F.avg_pool2d(x, 3, stride=2, padding=1)
                + F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True)[..., :4, :3], IMG),
    "avg_pool_exclude_pad": (lambda x: F.avg_pool2d(x, 2, padding=1, count_include_pad=False), IMG),
    "adaptive_pools": (lambda x: F.adaptive_avg_pool2d(x, (3, 2)) + F.adaptive_max_pool2d(x, (3, 2)), IMG),
    "pad_modes": (lambda x: F.pad(x, (1, 2, 0, 1), mode="reflect") + F.pad(x, (1, 2, 0, 1), value=0.5), IMG),
    "norms": (lambda x: F.group_norm(x, 3) + F.instance_norm(x) + F.layer_norm(x, (7, 6)), IMG),
    "interpolate": (lambda x: F.interpolate(x, scale_factor=2, mode="nearest")[..., :7, :6], IMG),
}


def _check(fn, x, opset):
    t = nr.asarray(x)
    with nr.no_grad():
        want = fn(t).numpy()
    buf = io.BytesIO()
    nx.export(fn, (t,), buf, input_names=["x"], opset_version=opset)
    got = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    ref = ReferenceEvaluator(onnx.load_from_string(buf.getvalue())).run(None, {"x": x})[0]
    np.testing.assert_allclose(ref, want, rtol=1e-5, atol=1e-5)
    return buf


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("opset", [17, 18])
def test_op_exports_and_runs(name, opset):
    fn, x = CASES[name]
    _check(fn, x, opset)


def test_layer_norm_below_opset_17_is_decomposed():
    ln = nn.LayerNorm(5)
    buf = _check(lambda x: ln(x), X, 13)
    import onnx
    ops = {n.op_type for n in onnx.load_from_string(buf.getvalue()).graph.node}
    assert "LayerNormalization" not in ops and {"ReduceMean", "Sqrt", "Div"} <= ops


def test_multiple_inputs_and_outputs_with_shared_dynamic_axis():
    lstm = nn.LSTM(3, 4, batch_first=True)
    lstm.eval()
    x = nr.asarray(rng.normal(size=(5, 6, 3)).astype(np.float32))
    h0 = nr.asarray(rng.normal(size=(1, 5, 4)).astype(np.float32))
    c0 = nr.asarray(rng.normal(size=(1, 5, 4)).astype(np.float32))

    def f(x, h, c):
        out, (hn, cn) = lstm(x, (h, c))
        return out, hn, cn

    buf = io.BytesIO()
    nx.export(f, (x, h0, c0), buf, input_names=["x", "h", "c"], output_names=["out", "hn", "cn"],
              dynamic_axes={"x": {0: "n"}, "h": {1: "n"}, "c": {1: "n"}})
    sess = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    for n in (2, 5):
        args = (x[:n], h0[:, :n], c0[:, :n])
        got = sess.run(None, {"x": args[0].numpy(), "h": args[1].numpy(), "c": args[2].numpy()})
        with nr.no_grad():
            wants = f(*args)
        for g, w in zip(got, wants):
            np.testing.assert_allclose(g, w.numpy(), rtol=0, atol=1e-5)


class Noisy(nn.Module):
    """A reparameterised sample: the graph must draw, not replay the draws made while tracing."""

    def forward(self, x):
        return x + nr.random.normal(x.shape, mean=1.0, std=0.5) + nr.random.uniform((x.shape[0], 1), 2.0, 3.0)


def test_random_draws_export_as_random_ops():
    buf = io.BytesIO()
    proto = nx.export(Noisy(), nr.zeros((4, 1000)), buf, input_names=["x"], dynamic_axes={"x": [0]})
    ops = {n.op_type for n in proto.graph.node}
    assert {"RandomNormalLike", "RandomUniformLike"} <= ops
    sess = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    a = sess.run(None, {"x": np.zeros((3, 1000), np.float32)})[0]
    b = sess.run(None, {"x": np.zeros((3, 1000), np.float32)})[0]
    assert a.shape == (3, 1000) and not np.array_equal(a, b)
    # mean 1 + U(2, 3) per row, spread 0.5 within a row
    assert 2.9 < a.mean() < 4.1 and abs(a.std(axis=1).mean() - 0.5) < 0.05
    with nr.no_grad():
        c = nx.from_model(onnx.load_from_string(buf.getvalue()))(nr.zeros((3, 1000))).numpy()
    assert c.shape == (3, 1000) and 2.9 < c.mean() < 4.1 and abs(c.std(axis=1).mean() - 0.5) < 0.05

"""More layers through the exporter, each with a dynamic batch axis, checked in onnxruntime against nr: GRU and
RNN stacks, projected bidirectional LSTM, masked attention, the full Transformer, Embedding with padding_idx,
1-d and transposed convolutions, group/instance/batch norm, Bilinear, uneven adaptive pooling."""
import io

import numpy as np
import pytest

import nr_core as nr
import nr_nn as nn
import nr_nn.onnx as nx

ort = pytest.importorskip("onnxruntime")


class First(nn.Module):
    """The first output of a layer that returns a tuple (RNNs, attention)."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, *args):
        return self.m(*args)[0]


class MaskedAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(5))

    def forward(self, x):
        return self.attn(x, x, x, attn_mask=self.mask)[0]


def _cases():
    n = nr.random.normal
    return {
        "gru_bidirectional": (First(nn.GRU(3, 5, num_layers=2, bidirectional=True, batch_first=True)),
                              (n((4, 6, 3)),), 0),
        "rnn_relu_seq_first": (First(nn.RNN(3, 5, nonlinearity="relu")), (n((6, 4, 3)),), 1),
        "lstm_projected": (First(nn.LSTM(3, 6, proj_size=2, bidirectional=True)), (n((6, 4, 3)),), 1),
        "masked_attention": (MaskedAttention(), (n((2, 5, 8)),), 0),
        "transformer": (nn.Transformer(16, 2, 1, 1, 32, dropout=0.0, batch_first=True),
                        (n((3, 5, 16)), n((3, 4, 16))), 0),
        "embedding_padding_idx": (nn.Embedding(10, 4, padding_idx=0),
                                  (nr.asarray(np.array([[0, 3, 9], [1, 2, 0]])),), 0),
        "conv1d_transposed": (nn.Sequential(nn.Conv1d(2, 4, 3, padding="same"), nn.ConvTranspose1d(4, 2, 4, stride=2)),
                              (n((3, 2, 9)),), 0),
        "norms_activations": (nn.Sequential(nn.GroupNorm(2, 4), nn.PReLU(4), nn.SiLU(), nn.GELU(),
                                            nn.InstanceNorm2d(4, affine=True)), (n((2, 4, 3, 3)),), 0),
        "bilinear": (nn.Bilinear(3, 4, 5), (n((6, 3)), n((6, 4))), 0),
        "adaptive_uneven": (nn.AdaptiveAvgPool2d((3, 2)), (n((2, 3, 7, 5)),), 0),
        "batchnorm1d_softmax": (nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.Softmax(dim=1)), (n((5, 4)),), 0),
    }


@pytest.mark.parametrize("name", sorted(_cases()))
def test_layer_exports_with_a_dynamic_batch(name):
    nr.random.seed(1)
    model, args, batch_axis = _cases()[name]
    model.eval()
    names = [f"in{i}" for i in range(len(args))]
    buf = io.BytesIO()
    nx.export(model, args, buf, input_names=names, dynamic_axes={n: {batch_axis: "b"} for n in names})
    sess = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    for keep in (1, args[0].shape[batch_axis]):
        sub = tuple(a[(slice(None),) * batch_axis + (slice(0, keep),)] for a in args)
        with nr.no_grad():
            want = model(*sub).numpy()
        got = sess.run(None, {n: a.numpy() for n, a in zip(names, sub)})[0]
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5, err_msg=f"{name}, batch {keep}")


def test_two_dynamic_axes_batch_and_sequence():
    nr.random.seed(2)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    layer.eval()
    buf = io.BytesIO()
    proto = nx.export(layer, nr.random.normal((3, 5, 8)), buf, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "b", 1: "seq"}, "y": {0: "b", 1: "seq"}})
    assert [d.dim_param or d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim] == ["b", "seq", 8]
    sess = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    for b, length in [(1, 2), (4, 9)]:
        x = nr.random.normal((b, length, 8))
        with nr.no_grad():
            want = layer(x).numpy()
        np.testing.assert_allclose(sess.run(None, {"x": x.numpy()})[0], want, rtol=0, atol=1e-5)

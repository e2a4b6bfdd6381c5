"""``torch.nn.modules`` and its files (``torch.nn.modules.conv.Conv2d``...): each file is a module made here from
``LAYOUT``, holding nr_nn's classes under PyTorch's file names (the same class objects as ``neurarust.nn``'s)."""
from __future__ import annotations

import sys as _sys
from types import ModuleType as _ModuleType

import nr_nn as _nr_nn

# PyTorch's file under torch/nn/modules -> the nr_nn classes it holds
LAYOUT = {
    "module": "Module",
    "container": "ModuleDict ModuleList ParameterDict ParameterList Sequential",
    "linear": "Bilinear Identity Linear NonDynamicallyQuantizableLinear",
    "conv": "Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d",
    "activation": "CELU ELU GELU GLU Hardsigmoid Hardswish Hardtanh LeakyReLU LogSigmoid LogSoftmax Mish "
                  "MultiheadAttention PReLU ReLU ReLU6 SELU SiLU Sigmoid Softmax Softmin Softplus Softsign Tanh "
                  "Tanhshrink Threshold",
    "batchnorm": "BatchNorm1d BatchNorm2d BatchNorm3d",
    "instancenorm": "InstanceNorm1d InstanceNorm2d InstanceNorm3d",
    "normalization": "GroupNorm LayerNorm",
    "dropout": "AlphaDropout Dropout Dropout1d Dropout2d Dropout3d",
    "pooling": "AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d AdaptiveMaxPool1d AdaptiveMaxPool2d "
               "AvgPool1d AvgPool2d AvgPool3d MaxPool1d MaxPool2d MaxPool3d",
    "flatten": "Flatten Unflatten",
    "pixelshuffle": "PixelShuffle PixelUnshuffle",
    "upsampling": "Upsample UpsamplingBilinear2d UpsamplingNearest2d",
    "sparse": "Embedding",
    "rnn": "GRU GRUCell LSTM LSTMCell RNN RNNBase RNNCell",
    "transformer": "Transformer TransformerDecoder TransformerDecoderLayer TransformerEncoder "
                   "TransformerEncoderLayer",
    "loss": "BCELoss BCEWithLogitsLoss CTCLoss CosineEmbeddingLoss CrossEntropyLoss GaussianNLLLoss "
            "HingeEmbeddingLoss HuberLoss KLDivLoss L1Loss MSELoss MarginRankingLoss MultiLabelMarginLoss "
            "MultiMarginLoss NLLLoss PoissonNLLLoss SmoothL1Loss SoftMarginLoss TripletMarginLoss",
}


def _file(name: str, classes: str) -> _ModuleType:
    mod = _ModuleType(f"{__name__}.{name}", f"``torch.nn.modules.{name}``: nr_nn's {', '.join(classes.split())}.")
    for cls in classes.split():
        setattr(mod, cls, getattr(_nr_nn, cls))
    mod.__all__ = classes.split()
    _sys.modules[mod.__name__] = mod  # so ``import neurarust.nn.modules.conv`` finds it
    return mod


for _name, _classes in LAYOUT.items():
    globals()[_name] = _file(_name, _classes)
    globals().update({c: getattr(_nr_nn, c) for c in _classes.split()})
del _name, _classes

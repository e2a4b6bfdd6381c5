"""Every nr_nn name of shared/API.md exists with PyTorch's spelling, and the package imports on its own."""
import nr_nn as nn
import nr_nn.functional as F

LAYERS = """Linear Bilinear Conv1d Conv2d Conv3d ConvTranspose2d MaxPool1d MaxPool2d AvgPool1d AvgPool2d
AdaptiveAvgPool2d AdaptiveMaxPool2d BatchNorm1d BatchNorm2d LayerNorm GroupNorm InstanceNorm2d Dropout Dropout2d
Embedding RNN LSTM GRU MultiheadAttention TransformerEncoderLayer TransformerDecoderLayer Transformer Flatten
Unflatten Identity Sequential ModuleList ModuleDict ParameterList""".split()
ACTIVATIONS = "ReLU LeakyReLU PReLU ELU SELU GELU SiLU Mish Sigmoid Tanh Softmax LogSoftmax Softplus Hardtanh".split()
LOSSES = """MSELoss L1Loss SmoothL1Loss HuberLoss CrossEntropyLoss NLLLoss BCELoss BCEWithLogitsLoss KLDivLoss
PoissonNLLLoss CosineEmbeddingLoss MarginRankingLoss TripletMarginLoss HingeEmbeddingLoss MultiLabelMarginLoss
CTCLoss""".split()
INIT = """uniform_ normal_ constant_ ones_ zeros_ xavier_uniform_ xavier_normal_ kaiming_uniform_ kaiming_normal_
orthogonal_ calculate_gain""".split()
UTILS = "clip_grad_norm_ clip_grad_value_ parameters_to_vector vector_to_parameters".split()
FUNCTIONAL = """scaled_dot_product_attention pad interpolate one_hot embedding conv1d conv2d conv3d conv_transpose2d
max_pool2d avg_pool2d softmax log_softmax layer_norm batch_norm group_norm instance_norm dropout cross_entropy
nll_loss mse_loss ctc_loss relu gelu linear""".split()


def test_every_api_name_exists():
    for name in LAYERS + ACTIVATIONS + LOSSES:
        assert isinstance(getattr(nn, name), type), name
        assert issubclass(getattr(nn, name), nn.Module), name
    for name in INIT:
        assert callable(getattr(nn.init, name)), name
    for name in UTILS:
        assert callable(getattr(nn.utils, name)), name
    for name in FUNCTIONAL:
        assert callable(getattr(F, name)), name
    for name in ("Module", "Parameter", "save", "load"):
        assert hasattr(nn, name), name
    for hook in ("register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook"):
        assert callable(getattr(nn.Module, hook))

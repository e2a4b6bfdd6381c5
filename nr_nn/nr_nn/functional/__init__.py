"""``nr_nn.functional`` (import as ``F``): stateless layers, activations and losses with PyTorch's signatures."""
from .activation import (celu, elu, gelu, glu, hardsigmoid, hardswish, hardtanh, leaky_relu, log_softmax,
                         logsigmoid, mish, prelu, relu, relu6, selu, sigmoid, silu, softmax, softmin, softplus,
                         softsign, tanh, tanhshrink, threshold)
from .attention import multi_head_attention_forward, scaled_dot_product_attention
from .conv import (conv1d, conv2d, conv3d, conv_nd, conv_transpose1d, conv_transpose2d, conv_transpose3d,
                   conv_transpose_nd)
from .dropout import alpha_dropout, dropout, dropout1d, dropout2d, dropout3d
from .linear import bilinear, linear
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cosine_embedding_loss,
                   cosine_similarity, cross_entropy, ctc_loss, gaussian_nll_loss, hinge_embedding_loss, huber_loss,
                   kl_div, l1_loss, margin_ranking_loss, mse_loss, multi_margin_loss, multilabel_margin_loss,
                   nll_loss, pairwise_distance, poisson_nll_loss, smooth_l1_loss, soft_margin_loss,
                   triplet_margin_loss)
from .normalization import batch_norm, group_norm, instance_norm, layer_norm, local_response_norm, normalize
from .padding import pad
from .pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d, adaptive_max_pool1d,
                      adaptive_max_pool2d, avg_pool1d, avg_pool2d, avg_pool3d, lp_pool2d, max_pool1d, max_pool2d,
                      max_pool3d)
from .sampling import interpolate, pixel_shuffle, pixel_unshuffle, upsample
from .sparse import embedding, one_hot

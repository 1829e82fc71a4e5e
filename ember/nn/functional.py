"""ember.nn.functional: torch.nn.functional's API (each op lives in a _functional_*.py file)."""
from ._conv import conv as _conv, conv_transpose as _conv_t
from ._functional_act import *  # noqa: F401,F403
from ._functional_act import (softmax, log_softmax, softmin, relu, relu6, leaky_relu, elu, selu, celu,  # noqa: F401
                              gelu, silu, mish, hardswish, hardsigmoid, hardtanh, softplus, softsign,
                              tanhshrink, softshrink, hardshrink, threshold, logsigmoid, prelu, rrelu,
                              glu, sigmoid, tanh, dropout, dropout1d, dropout2d, dropout3d,
                              alpha_dropout, linear, bilinear, embedding, one_hot)
from ._functional_pool import (max_pool1d, max_pool2d, max_pool3d, max_pool1d_with_indices,  # noqa: F401
                               max_pool2d_with_indices, max_pool3d_with_indices, avg_pool1d, avg_pool2d, avg_pool3d, lp_pool2d,
                               adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d,
                               adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d,
                               max_unpool2d, interpolate, upsample, upsample_nearest,
                               upsample_bilinear, pad, pixel_shuffle, pixel_unshuffle, unfold, fold)
from ._functional_more import (relu_, elu_, leaky_relu_, hardtanh_, selu_, celu_, threshold_,  # noqa: F401
                               rrelu_, adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices,
                               adaptive_max_pool3d_with_indices, pdist, feature_alpha_dropout)
from ._functional_fracpool import (fractional_max_pool2d, fractional_max_pool3d,  # noqa: F401
                                   fractional_max_pool2d_with_indices, fractional_max_pool3d_with_indices)
from ._functional_attn import scaled_dot_product_attention, multi_head_attention_forward  # noqa: F401
from ._functional_extra import (ctc_loss, embedding_bag, affine_grid, grid_sample,  # noqa: F401
                                multilabel_margin_loss, triplet_margin_with_distance_loss,
                                channel_shuffle, lp_pool1d, lp_pool3d, gumbel_softmax,
                                max_unpool1d, max_unpool3d)
from ._functional_norm import (batch_norm, instance_norm, layer_norm, rms_norm, group_norm,  # noqa: F401
                               local_response_norm, normalize)
from ._functional_loss import (mse_loss, l1_loss, smooth_l1_loss, huber_loss, nll_loss,  # noqa: F401
                               cross_entropy, binary_cross_entropy, binary_cross_entropy_with_logits,
                               kl_div, poisson_nll_loss, gaussian_nll_loss, soft_margin_loss,
                               margin_ranking_loss, hinge_embedding_loss, cosine_similarity,
                               pairwise_distance, cosine_embedding_loss, triplet_margin_loss,
                               multi_margin_loss, multilabel_soft_margin_loss, linear_cross_entropy)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution over (N, C, L) input."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over (N, C, H, W) input."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over (N, C, D, H, W) input."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution (the gradient of conv2d w.r.t. its input)."""
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 3)

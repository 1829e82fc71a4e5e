"""torch.* spellings of nn.functional ops (torch.conv2d, torch.softmax, torch.layer_norm, ...).

They take ATen's argument order (e.g. ``torch.embedding(weight, indices)``, reductions as ints
0/1/2, ``dropout(input, p, train)`` with every argument required) and forward to
``ember.nn.functional``.
"""
from __future__ import annotations

import math

from .._tensor import Tensor, register_methods
from ._function import Function, xp
from ._inplace import inplace_fn

_RED = {0: "none", 1: "mean", 2: "sum"}


def _F():
    from ..nn import functional
    return functional


def _red(r) -> str:
    if isinstance(r, str):
        return r
    if r not in _RED:
        raise RuntimeError(f"{r} is not a valid value for reduction")
    return _RED[r]


def _single(v):
    if isinstance(v, (list, tuple)):
        return None if len(v) == 0 else v
    return v


# ---- convolutions and pooling: same argument order as nn.functional ---------------------------
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D convolution (torch.conv1d)."""
    return _F().conv1d(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D convolution (torch.conv2d)."""
    return _F().conv2d(input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """3-D convolution (torch.conv3d)."""
    return _F().conv3d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """1-D transposed convolution."""
    return _F().conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """2-D transposed convolution."""
    return _F().conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """3-D transposed convolution."""
    return _F().conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def adaptive_avg_pool1d(input, output_size) -> Tensor:
    """Adaptive average pooling over the last dim."""
    return _F().adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input, output_size):
    """Adaptive max pooling over the last dim: (values, indices)."""
    return _F().adaptive_max_pool1d(input, output_size, return_indices=True)


def avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False, count_include_pad=True) -> Tensor:
    """1-D average pooling."""
    return _F().avg_pool1d(input, kernel_size, _single(stride), padding, ceil_mode, count_include_pad)


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False) -> Tensor:
    """1-D max pooling."""
    return _F().max_pool1d(input, kernel_size, _single(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """1-D max pooling: (values, indices)."""
    return _F().max_pool1d(input, kernel_size, _single(stride), padding, dilation, ceil_mode, return_indices=True)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False) -> Tensor:
    """2-D max pooling."""
    return _F().max_pool2d(input, kernel_size, _single(stride), padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False) -> Tensor:
    """3-D max pooling."""
    return _F().max_pool3d(input, kernel_size, _single(stride), padding, dilation, ceil_mode)


# ---- normalisation ---------------------------------------------------------------------------------
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled) -> Tensor:
    """Batch normalisation (ATen argument order)."""
    return _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
                  cudnn_enabled) -> Tensor:
    """Instance normalisation (ATen argument order)."""
    return _F().instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True) -> Tensor:
    """Layer normalisation."""
    return _F().layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True) -> Tensor:
    """Group normalisation."""
    return _F().group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor:
    """RMS normalisation."""
    return _F().rms_norm(input, normalized_shape, weight, eps)


# ---- activations -----------------------------------------------------------------------------------
def softmax(input, dim, dtype=None) -> Tensor:
    """softmax along dim."""
    return _F().softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, dtype=None) -> Tensor:
    """log_softmax along dim."""
    return _F().log_softmax(input, dim, dtype=dtype)


def selu(input) -> Tensor:
    """SELU activation."""
    return _F().selu(input)


def celu(input, alpha=1.0) -> Tensor:
    """CELU activation."""
    return _F().celu(input, alpha)


def threshold(input, threshold, value) -> Tensor:
    """value where input <= threshold, input elsewhere."""
    return _F().threshold(input, threshold, value)


def hardshrink(input, lambd=0.5) -> Tensor:
    """Hard shrinkage."""
    return _F().hardshrink(input, lambd)


def prelu(input, weight) -> Tensor:
    """Parametric ReLU."""
    return _F().prelu(input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None) -> Tensor:
    """Randomised leaky ReLU."""
    return _F().rrelu(input, lower, upper, training)


# ---- dropout (every argument required, as in ATen) ---------------------------------------------
def dropout(input, p, train) -> Tensor:
    """Dropout with probability p when train."""
    return _F().dropout(input, p, train)


def alpha_dropout(input, p, train) -> Tensor:
    """Alpha dropout (keeps SELU's mean/variance)."""
    return _F().alpha_dropout(input, p, train)


def _feature_mask(input, p):
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    return input.new_empty(shape).bernoulli_(1 - p)


def feature_dropout(input, p, train) -> Tensor:
    """Dropout of whole channels (dim 1)."""
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not train or p == 0:
        return input
    if p == 1:
        return input * 0
    return input * (_feature_mask(input, p) / (1 - p))


def feature_alpha_dropout(input, p, train) -> Tensor:
    """Alpha dropout of whole channels (dim 1)."""
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not train or p == 0:
        return input
    if p == 1:
        return input * 0
    alpha = 1.7580993408473766
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    mask = _feature_mask(input, p)
    b = (mask - 1) * (alpha * a) + alpha * a * p
    return input * (mask * a) + b


# ---- losses (reduction as 0/1/2) ---------------------------------------------------------------
# torch.* spells these with an int reduction that defaults to 0 (none), unlike nn.functional's 'mean'
def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0) -> Tensor:
    """BCE on logits."""
    return _F().binary_cross_entropy_with_logits(input, target, weight, reduction=_red(reduction),
                                                 pos_weight=pos_weight)


def kl_div(input, target, reduction=0, *, log_target=False) -> Tensor:
    """KL divergence (input is log-probabilities)."""
    return _F().kl_div(input, target, reduction=_red(reduction), log_target=log_target)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0) -> Tensor:
    """Cosine embedding loss."""
    return _F().cosine_embedding_loss(input1, input2, target, margin, reduction=_red(reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0) -> Tensor:
    """Hinge embedding loss."""
    return _F().hinge_embedding_loss(input, target, margin, reduction=_red(reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0) -> Tensor:
    """Margin ranking loss."""
    return _F().margin_ranking_loss(input1, input2, target, margin, reduction=_red(reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction) -> Tensor:
    """Poisson negative log likelihood."""
    return _F().poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_red(reduction))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0,
             zero_infinity=False) -> Tensor:
    """Connectionist temporal classification loss (per sample by default, as torch.ctc_loss)."""
    return _F().ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, _red(reduction),
                         zero_infinity)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction=0) -> Tensor:
    """Triplet margin loss."""
    return _F().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=_red(reduction))


# ---- misc ------------------------------------------------------------------------------------------
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False) -> Tensor:
    """Rows of weight at indices (ATen order: weight first)."""
    return _F().embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                          scale_grad_by_freq=scale_grad_by_freq)


def bilinear(input1, input2, weight, bias=None) -> Tensor:
    """Bilinear map x1^T W x2 + b."""
    return _F().bilinear(input1, input2, weight, bias)


def cosine_similarity(x1, x2, dim=1, eps=1e-8) -> Tensor:
    """Cosine similarity along dim."""
    return _F().cosine_similarity(x1, x2, dim, eps)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False) -> Tensor:
    """p-norm distance between rows of x1 and x2."""
    return _F().pairwise_distance(x1, x2, p, eps, keepdim)


def pdist(input, p=2.0) -> Tensor:
    """Distances between all row pairs i < j of a 2-D input (condensed, row-major)."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if not input.dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    import ember
    n = input.shape[0]
    iu = ember.triu_indices(n, n, 1, device=input.device)
    diff = input[iu[0]] - input[iu[1]]
    return ember.linalg.vector_norm(diff, p, dim=-1)


def pixel_shuffle(input, upscale_factor) -> Tensor:
    """Rearrange (*, C*r*r, H, W) into (*, C, H*r, W*r)."""
    return _F().pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor) -> Tensor:
    """Inverse of pixel_shuffle."""
    return _F().pixel_unshuffle(input, downscale_factor)


def channel_shuffle(input, groups) -> Tensor:
    """Interleave the channels (dim 1) of `groups` groups."""
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if input.dim() < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"sizes {list(input.shape)}")
    c = input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    n = input.shape[0]
    rest = tuple(input.shape[2:])
    return input.reshape((n, groups, c // groups) + rest).transpose(1, 2).reshape(input.shape)


dropout_ = inplace_fn(dropout)
alpha_dropout_ = inplace_fn(alpha_dropout)
feature_dropout_ = inplace_fn(feature_dropout)
feature_alpha_dropout_ = inplace_fn(feature_alpha_dropout)
selu_ = inplace_fn(selu)
celu_ = inplace_fn(celu)
threshold_ = inplace_fn(threshold)
rrelu_ = inplace_fn(rrelu)
for _f, _n in ((dropout_, "dropout_"), (alpha_dropout_, "alpha_dropout_"), (feature_dropout_, "feature_dropout_"),
               (feature_alpha_dropout_, "feature_alpha_dropout_"), (selu_, "selu_"), (celu_, "celu_"),
               (threshold_, "threshold_"), (rrelu_, "rrelu_")):
    _f.__name__ = _n

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "adaptive_avg_pool1d", "adaptive_max_pool1d", "avg_pool1d", "max_pool1d", "max_pool1d_with_indices",
           "max_pool2d", "max_pool3d", "batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm",
           "softmax", "log_softmax", "selu", "celu", "threshold", "hardshrink", "prelu", "rrelu", "dropout",
           "alpha_dropout", "feature_dropout", "feature_alpha_dropout", "binary_cross_entropy_with_logits",
           "kl_div", "ctc_loss", "cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss",
           "poisson_nll_loss", "triplet_margin_loss", "embedding", "bilinear", "cosine_similarity",
           "pairwise_distance", "pdist", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "dropout_",
           "alpha_dropout_", "feature_dropout_", "feature_alpha_dropout_", "selu_", "celu_", "threshold_",
           "rrelu_"]


class ReLUGrad(Function):
    """ReLU's backward as a recorded op (torch's threshold_backward): g where the output is not
    zero (the output is >= 0 or NaN, so a NaN passes its gradient, as in torch). It also takes the
    output, with a zero derivative, so that a gradient taken with create_graph=True stays in the
    graph as torch's does (requires_grad and a grad_fn even when nothing else links it)."""
    save = (1,)

    @staticmethod
    def forward(ctx, g, y):
        return xp(g).multiply(g, y != 0).astype(g.dtype, copy=False)

    @staticmethod
    def backward(ctx, gg):
        (y,) = ctx.saved_tensors
        return gg * (y != 0), y.new_zeros(y.shape)

    def name(self):
        return "ThresholdBackwardBackward0"

"""torch.nn.functional names that are spellings of other functions: in-place activations
(relu_, elu_ ...), the *_with_indices pools, pdist, feature_alpha_dropout."""
from __future__ import annotations

import numpy as np

from .._tensor import _wrap
from . import _functional_act as A
from . import _functional_pool as Pl


def relu_(input):
    """relu in place."""
    return A.relu(input, inplace=True)


def elu_(input, alpha=1.0):
    """elu in place."""
    return A.elu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    """leaky_relu in place."""
    return A.leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """hardtanh in place."""
    return A.hardtanh(input, min_val, max_val, inplace=True)


def selu_(input):
    """selu in place."""
    return A.selu(input, inplace=True)


def celu_(input, alpha=1.0):
    """celu in place."""
    return A.celu(input, alpha, inplace=True)


def threshold_(input, threshold, value):
    """threshold in place."""
    return A.threshold(input, threshold, value, inplace=True)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """rrelu in place."""
    return A.rrelu(input, lower, upper, training, inplace=True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """(values, indices) of adaptive_max_pool1d."""
    return Pl.adaptive_max_pool1d(input, output_size, return_indices=True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """(values, indices) of adaptive_max_pool2d."""
    return Pl.adaptive_max_pool2d(input, output_size, return_indices=True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """(values, indices) of adaptive_max_pool3d."""
    return Pl.adaptive_max_pool3d(input, output_size, return_indices=True)


def pdist(input, p=2.0):
    """p-norm distances between the rows of an (N, M) input: the upper triangle of cdist, row by
    row (N*(N-1)/2 values)."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    i, j = np.triu_indices(input.shape[0], 1)
    from .. import linalg
    diff = input[_wrap(i)] - input[_wrap(j)]
    if p == 0:  # a count of non-zeros: torch's pdist gives it a zero gradient (vector_norm none)
        return linalg.vector_norm(diff.detach(), 0, dim=1) + diff.abs().clamp(max=0).sum(1)
    return linalg.vector_norm(diff, p, dim=1)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout dropping whole channels (one draw per sample and channel)."""
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    a = -1.7580993408473766
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    keep = _wrap(A._bernoulli_mask(shape, p, input).astype(input._data.dtype))
    q = 1 - p
    scale = (q + a * a * q * p) ** -0.5
    r = (input * keep + a * (1 - keep)) * scale - scale * a * p
    return input.copy_(r) if inplace else r

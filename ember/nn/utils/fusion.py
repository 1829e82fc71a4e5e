"""Folding an eval-mode BatchNorm into the convolution or linear layer before it
(torch.nn.utils.fusion): y = bn(conv(x)) becomes one convolution with scaled weights and a bias,
which saves BatchNorm's whole pass over the activations at inference time."""
from __future__ import annotations

import copy

from ...autograd.grad_mode import no_grad
from ..parameter import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]


def _scale_shift(rm, rv, eps, w, b):
    scale = (rv + eps).rsqrt()
    if w is not None:
        scale = scale * w
    shift = -rm * scale
    if b is not None:
        shift = shift + b
    return scale, shift


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose: bool = False):
    """(weight, bias) of the convolution equal to conv followed by the eval BatchNorm."""
    with no_grad():
        scale, shift = _scale_shift(bn_rm, bn_rv, bn_eps, bn_w, bn_b)
        shape = [1] * conv_w.dim()
        shape[1 if transpose else 0] = -1  # output channels: dim 0, or dim 1 of a transposed weight
        w = conv_w * scale.reshape(shape).to(conv_w.dtype)
        b = shift if conv_b is None else conv_b * scale + shift
    return (Parameter(w, conv_w.requires_grad),
            Parameter(b.to(conv_w.dtype), conv_b.requires_grad if conv_b is not None else conv_w.requires_grad))


def fuse_conv_bn_eval(conv, bn, transpose: bool = False):
    """A copy of conv with bn (both in eval mode) folded into its weight and bias."""
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(conv)
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("BatchNorm without running statistics cannot be fused")
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean,
                                                    bn.running_var, bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """(weight, bias) of the linear layer equal to linear followed by the eval BatchNorm."""
    if linear_w.shape[0] != bn_rm.shape[0] and bn_rm.shape[0] != 1:
        raise AssertionError("To fuse, linear.out_features == bn.num_features or bn.num_features == 1")
    with no_grad():
        scale, shift = _scale_shift(bn_rm, bn_rv, bn_eps, bn_w, bn_b)
        w = linear_w * scale.unsqueeze(-1)
        b = shift if linear_b is None else linear_b * scale + shift
    return (Parameter(w, linear_w.requires_grad),
            Parameter(b, linear_b.requires_grad if linear_b is not None else linear_w.requires_grad))


def fuse_linear_bn_eval(linear, bn):
    """A copy of linear with bn (both in eval mode) folded into its weight and bias."""
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean,
                                                      bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused

"""Normalisation: batch/instance/layer/group norm, local response norm, normalize (in ember ops)."""
from __future__ import annotations

import numpy as np

from .._tensor import _wrap
from ..autograd.grad_mode import no_grad, state as _gs
from ..ops import pointwise as P
from ..ops._function import Function, xp
from ..ops._kernels import channel_affine
from .._blas import parallel_elementwise


def _bshape(x, c_dim=1):
    return (1, -1) + (1,) * (x.dim() - 2)


class _BatchNormTrain(Function):
    """Batch statistics normalisation over dims (0, 2, ...) as one node: forward on arrays with the
    statistics computed by the caller, closed-form backward (in ember ops when differentiating
    twice, on arrays otherwise)."""
    save = (0, 1)

    @staticmethod
    def forward(ctx, x, w, b, mean=None, invstd=None, eps=1e-5, xc=None):
        ctx.stats = (mean, invstd, eps)
        N, C = x.shape[:2]
        if xc is None:  # x - mean, when the caller has not kept it from the statistics
            xc = x.reshape(N, C, -1) - mean.reshape(1, C, 1)
        scale = (invstd * w).reshape(1, C, 1)
        b3 = b.reshape(1, C, 1)

        def part(lo, hi):
            xc[:, lo:hi] *= scale[:, lo:hi]
            xc[:, lo:hi] += b3[:, lo:hi]
        parallel_elementwise(x, C, part, x.size)
        return xc.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        mean, invstd, eps = ctx.stats
        needs = ctx.needs_input_grad
        if not _gs.grad_enabled:
            return tuple(_wrap(a) if a is not None else None
                         for a in _bn_backward_arrays(x._data, w._data, g._data, mean, invstd, needs))
        dims = [0] + list(range(2, x.dim()))
        n = x.numel() // x.shape[1]
        shp = _bshape(x)
        m_ = x.mean(dims, keepdim=True)
        xc = x - m_
        inv = P.rsqrt((xc * xc).mean(dims, keepdim=True) + eps)
        xhat = xc * inv
        gb = g.sum(dims)
        gw = (g * xhat).sum(dims)
        gx = None
        if needs[0]:
            gx = (w.reshape(shp) * inv / n) * (g * n - gb.reshape(shp) - xhat * gw.reshape(shp))
        return gx, (gw if needs[1] else None), (gb if needs[2] else None)

    def name(self):
        return "NativeBatchNormBackward0"


class _BatchNormEval(Function):
    """Normalisation by running statistics as one node (inputs x, weight, bias, mean, var)."""
    save = (0, 1, 3, 4)

    @staticmethod
    def forward(ctx, x, w, b, rm, rv, eps=1e-5):
        ctx.eps = eps
        shp = (1, -1) + (1,) * (x.ndim - 2)
        scale = w / xp(x).sqrt(rv + eps)
        y = x * scale.reshape(shp)
        y += (b - rm * scale).reshape(shp)
        return y

    @staticmethod
    def backward(ctx, g):
        x, w, rm, rv = ctx.saved_tensors
        needs = ctx.needs_input_grad
        dims = [0] + list(range(2, x.dim()))
        shp = _bshape(x)
        inv = P.rsqrt(rv + ctx.eps)
        gx = g * (w * inv).reshape(shp) if needs[0] else None
        gw = (g * ((x - rm.reshape(shp)) * inv.reshape(shp))).sum(dims) if needs[1] else None
        gb = g.sum(dims) if needs[2] else None
        return gx, gw, gb, None, None

    def name(self):
        return "NativeBatchNormBackward0"


def _channel_dot(a, b):
    """sum over (n, spatial) of a * b per channel for (N, C, S) arrays, without a temporary."""
    return xp(a).einsum("ncs,ncs->c", a, b)


def _bn_backward_arrays(x, w, g, mean, invstd, needs):
    N, C = x.shape[:2]
    x3 = x.reshape(N, C, -1)
    g3 = g.reshape(N, C, -1)
    n = N * x3.shape[2]
    gb = xp(x).empty(C, x.dtype)
    gw = xp(x).empty(C, x.dtype)
    gx = xp(x).empty(x3.shape, x.dtype) if needs[0] else None

    def part(lo, hi):
        gs, xs = g3[:, lo:hi], x3[:, lo:hi]
        gb[lo:hi] = gs.sum(axis=(0, 2))
        gw[lo:hi] = (_channel_dot(gs, xs) - mean[lo:hi] * gb[lo:hi]) * invstd[lo:hi]  # sum g * xhat
        if gx is not None:
            a = w[lo:hi] * invstd[lo:hi]
            k = -a * invstd[lo:hi] * gw[lo:hi] / n
            c = -a * gb[lo:hi] / n - k * mean[lo:hi]
            out = gx[:, lo:hi]
            xp(x).multiply(gs, a.reshape(1, -1, 1), out=out)
            out += xs * k.reshape(1, -1, 1)
            out += c.reshape(1, -1, 1)
    parallel_elementwise(x, C, part, 3 * x.size)
    return (gx.reshape(x.shape) if gx is not None else None), (gw if needs[1] else None), \
        (gb if needs[2] else None)


def _fusable(input, *others) -> bool:
    d = input._data
    if d.dtype.kind != "f" or input._names is not None:
        return False
    for o in others:
        if o is not None and (o._data.dtype != d.dtype or o.dim() != 1 or o.shape[0] != input.shape[1]):
            return False
    return True


def _batch_stats(x, eps):
    """(mean, biased var, 1/sqrt(var + eps), x - mean as (N, C, S)) per channel of (N, C, ...)."""
    N, C = x.shape[:2]
    m = xp(x)
    x3 = x.reshape(N, C, -1)
    n = N * x3.shape[2]
    mean = m.empty(C, x.dtype)
    var = m.empty(C, x.dtype)
    xc = m.empty(x3.shape, x.dtype)

    def part(lo, hi):
        mean[lo:hi] = x3[:, lo:hi].sum(axis=(0, 2)) / n
        d = xc[:, lo:hi]
        m.subtract(x3[:, lo:hi], mean[lo:hi].reshape(1, -1, 1), out=d)
        var[lo:hi] = _channel_dot(d, d) / n
    parallel_elementwise(x, C, part, 2 * x.size)
    return mean, var, 1.0 / m.sqrt(var + eps), xc


def _ones_like_channels(input, value):
    t = _wrap(xp(input._data).full((input.shape[1],), value, dtype=input._data.dtype))
    return t


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Normalise over (N, *spatial) per channel; training uses batch stats and updates running ones."""
    if input.dim() < 2:
        raise ValueError(f"Expected 2D or higher input (got {input.dim()}D input)")
    n = input.numel() // input.shape[1]
    if training and n <= 1:
        raise ValueError("Expected more than 1 value per channel when training, got input size "
                         f"{input.shape}")
    if _fusable(input, weight, bias, running_mean, running_var) and input.numel() and \
            (training or (running_mean is not None and running_var is not None)):
        return _batch_norm_fused(input, running_mean, running_var, weight, bias, training, momentum, eps, n)
    dims = (0,) + tuple(range(2, input.dim()))
    if training:
        mean = input.mean(dims)
        diff = input - mean.reshape(_bshape(input))
        var = (diff * diff).mean(dims)
        if running_mean is not None:
            with no_grad():
                running_mean.mul_(1 - momentum).add_(mean.detach() * momentum)
        if running_var is not None:
            with no_grad():
                running_var.mul_(1 - momentum).add_(var.detach() * (momentum * n / (n - 1)))
        y = diff * P.rsqrt(var + eps).reshape(_bshape(input))
    else:
        mean, var = running_mean, running_var
        y = (input - mean.reshape(_bshape(input))) * P.rsqrt(var + eps).reshape(_bshape(input))
    if weight is not None:
        y = y * weight.reshape(_bshape(input))
    if bias is not None:
        y = y + bias.reshape(_bshape(input))
    return y


def _batch_norm_fused(input, running_mean, running_var, weight, bias, training, momentum, eps, n):
    x = input._data
    m = xp(x)
    C = input.shape[1]
    if training:
        mean, var, invstd, xc = _batch_stats(x, eps)
        if running_mean is not None:
            with no_grad():
                r = running_mean._data
                r *= 1 - momentum
                r += mean * momentum
                running_mean._bump_version()
        if running_var is not None:
            with no_grad():
                r = running_var._data
                r *= 1 - momentum
                r += var * (momentum * n / (n - 1))
                running_var._bump_version()
    else:
        mean, invstd, xc = running_mean._data, 1.0 / m.sqrt(running_var._data + eps), None
    w = weight if weight is not None else _ones_like_channels(input, 1)
    b = bias if bias is not None else _ones_like_channels(input, 0)
    if not training and _gs.grad_enabled and (input._rg or w._rg or b._rg):
        return _BatchNormEval.apply(input, w, b, running_mean, running_var, eps=eps)
    if not training:  # running statistics, nothing requires grad: one scale and shift per channel
        scale = invstd * w._data
        shift = b._data - mean * scale
        N = x.shape[0]
        x3 = x.reshape(N, C, -1)
        y = m.empty(x3.shape, x.dtype)
        if m is np:
            channel_affine(x3, scale, shift, y)
        else:
            m.multiply(x3, scale.reshape(1, C, 1), out=y)
            y += shift.reshape(1, C, 1)
        return _wrap(y.reshape(x.shape))
    return _BatchNormTrain.apply(input, w, b, mean=mean, invstd=invstd, eps=eps, xc=xc)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) plane over its spatial dims."""
    if use_input_stats:
        sp = 1
        for d in input.shape[2:]:
            sp *= d
        if sp == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                             f"torch.Size({list(input.shape)})")
    if use_input_stats and input.dim() >= 3 and input.shape[0] and _fusable(input, weight, bias) and \
            input.numel():
        N, C = input.shape[:2]
        # batch norm of one sample with N*C channels: one fused node, as torch does it
        w = weight.repeat(N) if weight is not None else None
        b = bias.repeat(N) if bias is not None else None
        x = input.reshape((1, N * C) + tuple(input.shape[2:]))
        y = batch_norm(x, None, None, w, b, True, 0.0, eps).reshape(input.shape)
        if running_mean is not None:
            _update_instance_stats(input, running_mean, running_var, momentum)
        return y
    dims = tuple(range(2, input.dim()))
    if use_input_stats:
        mean = input.mean(dims, keepdim=True)
        diff = input - mean
        var = (diff * diff).mean(dims, keepdim=True)
        if running_mean is not None:
            n = 1
            for d in dims:
                n *= input.shape[d]
            with no_grad():
                running_mean.mul_(1 - momentum).add_(mean.detach().mean(0).reshape(-1) * momentum)
                running_var.mul_(1 - momentum).add_(
                    var.detach().mean(0).reshape(-1) * (momentum * n / max(n - 1, 1)))
        y = diff * P.rsqrt(var + eps)
    else:
        y = (input - running_mean.reshape(_bshape(input))) * P.rsqrt(running_var + eps).reshape(_bshape(input))
    if weight is not None:
        y = y * weight.reshape(_bshape(input))
    if bias is not None:
        y = y + bias.reshape(_bshape(input))
    return y


def _update_instance_stats(input, running_mean, running_var, momentum):
    with no_grad():
        dims = tuple(range(2, input.dim()))
        n = 1
        for d in dims:
            n *= input.shape[d]
        x = input.detach()
        mean = x.mean(dims, keepdim=True)
        diff = x - mean
        var = (diff * diff).mean(dims, keepdim=True)
        running_mean.mul_(1 - momentum).add_(mean.mean(0).reshape(-1) * momentum)
        running_var.mul_(1 - momentum).add_(var.mean(0).reshape(-1) * (momentum * n / max(n - 1, 1)))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing normalized_shape dims."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.dim() - k:]) != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size"
                           f"{list(input.shape)}")
    dims = tuple(range(input.dim() - k, input.dim()))
    mean = input.mean(dims, keepdim=True)
    diff = input - mean
    var = (diff * diff).mean(dims, keepdim=True)
    y = diff * P.rsqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def rms_norm(input, normalized_shape, weight=None, eps=None):
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    dims = tuple(range(input.dim() - len(normalized_shape), input.dim()))
    if eps is None:
        from .._dtype import finfo
        eps = finfo(input.dtype).eps
    y = input * P.rsqrt((input * input).mean(dims, keepdim=True) + eps)
    return y * weight if weight is not None else y


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise over channel groups (and spatial dims) per sample."""
    N, C = input.shape[:2]
    if C % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got "
                           f"input of shape {list(input.shape)} and num_groups={num_groups}")
    x = input.reshape(N, num_groups, -1)
    mean = x.mean(-1, keepdim=True)
    diff = x - mean
    var = (diff * diff).mean(-1, keepdim=True)
    y = (diff * P.rsqrt(var + eps)).reshape(input.shape)
    if weight is not None:
        y = y * weight.reshape(_bshape(input))
    if bias is not None:
        y = y + bias.reshape(_bshape(input))
    return y


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """AlexNet's LRN: x / (k + alpha/n * sum of squares over neighbouring channels) ** beta."""
    from ._functional_pool import avg_pool2d, avg_pool3d, pad
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    div = (input * input).unsqueeze(1)
    if dim == 3:
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.shape
        div = div.reshape(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.reshape(sizes)
    div = (div * alpha + k) ** beta
    return input / div


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p along dim, eps)."""
    norm = (input.abs() ** p).sum(dim, keepdim=True) ** (1.0 / p) if p != 2 else \
        (input * input).sum(dim, keepdim=True).sqrt()
    return input / P.clamp_min(norm, eps).expand_as(input)

"""Normalisation: batch/instance/layer/group norm, local response norm, normalize (in ember ops)."""
from __future__ import annotations

from ..autograd.grad_mode import no_grad
from ..ops import pointwise as P


def _bshape(x, c_dim=1):
    return (1, -1) + (1,) * (x.dim() - 2)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Normalise over (N, *spatial) per channel; training uses batch stats and updates running ones."""
    if input.dim() < 2:
        raise ValueError(f"Expected 2D or higher input (got {input.dim()}D input)")
    dims = (0,) + tuple(range(2, input.dim()))
    n = input.numel() // input.shape[1]
    if training:
        if n <= 1:
            raise ValueError("Expected more than 1 value per channel when training, got input size "
                             f"{list(input.shape)}")
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


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) plane over its spatial dims."""
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

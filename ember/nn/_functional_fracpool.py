"""Fractional max pooling (Graham, 2014): fractional_max_pool2d/3d and their modules' math.

Each (sample, channel) plane gets pseudo-random pooling regions from one uniform per spatial dim
(``_random_samples``, drawn with ``rand`` as torch draws them, so a seeded call pools the same
regions as torch): region i starts at int((i + u) * alpha) - int(u * alpha) with
alpha = (in - pool) / (out - 1), and the last one ends at the input's edge. The backward routes
each output's gradient to its argmax (a scatter-add written in ember ops).
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap
from ..ops._function import Function, xp

_DIM_WORDS = ("time", "height", "width")


def _tuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _starts(u, size_in, size_out, pool):
    """Start of each pooling region along one dim, per plane (u: (planes,) float64)."""
    m = xp(u)
    if size_out == 1:
        return m.full((u.shape[0], 1), size_in - pool, dtype=np.int64)
    alpha = (size_in - pool) / (size_out - 1)
    i = m.arange(size_out - 1, dtype=np.float64)
    first = ((i[None, :] + u[:, None]) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)[:, None]
    last = m.full((u.shape[0], 1), size_in - pool, dtype=np.int64)
    return m.concatenate([first, last], axis=1)


class _FractionalMaxPool(Function):
    """(values, flat argmax indices) of the pooling regions; backward scatters into the input."""

    differentiable_outputs = (0,)

    @staticmethod
    def forward(ctx, x, samples, kernel=(), out_size=()):
        m = xp(x)
        nd = len(kernel)
        lead = x.shape[:-nd]
        spatial = x.shape[-nd:]
        planes = int(np.prod(lead))
        xf = x.reshape((planes,) + spatial)
        u = samples.reshape(planes, nd).astype(np.float64)
        # torch's sample columns: (width, height) in 2-D but (time, height, width) in 3-D
        idx = []
        for d in range(nd):
            col = 1 - d if nd == 2 else d
            s = _starts(u[:, col], spatial[d], out_size[d], kernel[d])  # (planes, out_d)
            idx.append(s[:, :, None] + m.arange(kernel[d])[None, None, :])  # (planes, out_d, k_d)
        # gather every region: (planes, out..., k...)
        P = m.arange(planes).reshape((planes,) + (1,) * (2 * nd))
        gathered_idx = [P]
        for d in range(nd):
            shape = [planes] + [1] * (2 * nd)
            shape[1 + d] = out_size[d]
            shape[1 + nd + d] = kernel[d]
            gathered_idx.append(idx[d].reshape(shape))
        win = xf[tuple(gathered_idx)]
        flat = win.reshape((planes,) + tuple(out_size) + (-1,))
        isnan = m.isnan(flat)
        # a NaN wins (torch propagates it); otherwise the first maximum
        arg = m.where(isnan.any(-1), isnan.argmax(-1), flat.argmax(-1))
        vals = m.take_along_axis(flat, arg[..., None], -1)[..., 0]
        # flat input index of the winner: region start + offset inside the region, per dim
        sub = np.unravel_index(arg, tuple(kernel)) if m is np else m.unravel_index(arg, tuple(kernel))
        lin = m.zeros(arg.shape, np.int64)
        for d in range(nd):
            start = idx[d][:, :, 0].reshape((planes,) + tuple(out_size[d] if e == d else 1 for e in range(nd)))
            lin = lin * spatial[d] + (start + sub[d])
        ctx.geometry = (lead, spatial)
        ctx.argmax = lin.reshape(lead + tuple(out_size))
        return vals.reshape(lead + tuple(out_size)), ctx.argmax

    @staticmethod
    def backward(ctx, grad, _gidx):
        lead, spatial = ctx.geometry
        flat_g = grad.reshape(tuple(lead) + (-1,))
        flat_i = _wrap(ctx.argmax.reshape(tuple(lead) + (-1,)))
        gx = flat_g.new_zeros(tuple(lead) + (int(np.prod(spatial)),)).scatter_add(-1, flat_i, flat_g)
        return gx.reshape(tuple(lead) + tuple(spatial)), None

    def name(self):
        return f"FractionalMaxPool{len(self.geometry[1])}DBackward0"


def _fractional(input: Tensor, nd: int, kernel_size, output_size, output_ratio, return_indices,
                _random_samples):
    fn = "fractional_max_pool2d()" if nd == 2 else "fractional_max_pool3d_out()"
    if output_size is None and output_ratio is None:
        raise ValueError(f"fractional_max_pool{nd}d requires specifying either an output_size or an output_ratio")
    kernel = _tuple(kernel_size, nd)
    spatial = tuple(input.shape[-nd:])
    if output_size is None:
        ratio = _tuple(output_ratio, nd)
        output_size = tuple(int(spatial[d] * ratio[d]) for d in range(nd))
    out_size = _tuple(output_size, nd)
    if _random_samples is None:
        n_batch = 1 if input.dim() == nd + 1 else input.size(0)
        import ember
        _random_samples = ember.rand(n_batch, input.size(-nd - 1), nd, dtype=input.dtype, device=input.device)
    if _random_samples.dim() != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {_random_samples.dim()}")
    if _random_samples.size(2) != nd:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got {_random_samples.size(2)}.")
    words = _DIM_WORDS[3 - nd:]
    for d in range(nd):
        if out_size[d] + kernel[d] - 1 > spatial[d]:
            raise RuntimeError(f"{fn}: pool {words[d]} {kernel[d]} too large relative to input {words[d]} "
                               f"{spatial[d]}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{fn}: Expected {nd + 1}D or {nd + 2}D tensor, but got: {list(input.shape)}")
    vals, idx = _FractionalMaxPool.apply(input, _random_samples.detach(), kernel=kernel, out_size=out_size)
    return (vals, idx) if return_indices else vals


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """2-D fractional max pooling over (N, C, H, W) or (C, H, W) input."""
    return _fractional(input, 2, kernel_size, output_size, output_ratio, return_indices, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """3-D fractional max pooling over (N, C, T, H, W) or (C, T, H, W) input."""
    return _fractional(input, 3, kernel_size, output_size, output_ratio, return_indices, _random_samples)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """(values, indices) of fractional_max_pool2d."""
    return _fractional(input, 2, kernel_size, output_size, output_ratio, True, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """(values, indices) of fractional_max_pool3d."""
    return _fractional(input, 3, kernel_size, output_size, output_ratio, True, _random_samples)

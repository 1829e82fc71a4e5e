"""Reductions over dims: sum and mean here (the pattern); more in reduction_*.py."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap
from ._function import Function, xp


def dims_arg(t: Tensor, dim):
    """Normalise dim (None, int, name, or a sequence) to a sorted tuple of positive dims, or None."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer, str)):
        dim = (dim,)
    out = []
    for d in dim:
        if isinstance(d, str):
            d = t._name_to_dim(d)
        out.append(t._wrap_dim(int(d)))
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return tuple(sorted(out))


def _reduced_names(t: Tensor, dims, keepdim):
    if t._names is None:
        return None
    if dims is None:
        return None if not keepdim else t._names
    if keepdim:
        return t._names
    return tuple(n for i, n in enumerate(t._names) if i not in dims)


def expand_grad(g: Tensor, in_shape, dims, keepdim) -> Tensor:
    """Undo a reduction's shape change on a gradient: unsqueeze reduced dims, expand to input."""
    if dims is None:
        return g.reshape((1,) * len(in_shape)).expand(in_shape) if in_shape else g.reshape(())
    if not keepdim:
        for d in dims:
            g = g.unsqueeze(d)
    return g.expand(in_shape)


class Sum(Function):
    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, dtype=None):
        ctx.in_shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        if dtype is None and x.dtype.kind in "bui" :
            dtype = np.int64
        r = xp(x).sum(x, axis=dims, keepdims=keepdim, dtype=dtype)
        return xp(x).asarray(r) if not hasattr(r, "shape") or r.__class__ is not x.__class__ else r

    @staticmethod
    def backward(ctx, g):
        return expand_grad(g, ctx.in_shape, ctx.dims, ctx.keepdim)


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum of elements (over dims)."""
    dims = dims_arg(input, dim)
    if dims == () and dim is not None and not isinstance(dim, (list, tuple)):
        dims = None
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dims = None
    r = Sum.apply(input, dims=dims, keepdim=keepdim, dtype=dtype.np if dtype is not None else None)
    if r._data.__class__ is not input._data.__class__ or r._data.dtype == np.float64 and input._data.dtype != np.float64 and dtype is None and input.is_floating_point():
        pass
    n = _reduced_names(input, dims, keepdim)
    if n is not None:
        r._names = n
    return _o(r, out)


class Mean(Function):
    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False):
        ctx.in_shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        n = x.size if dims is None else int(np.prod([x.shape[d] for d in dims]))
        ctx.n = n
        r = xp(x).mean(x, axis=dims, keepdims=keepdim, dtype=np.float32 if x.dtype == np.float16 else None)
        return xp(x).asarray(r).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return expand_grad(g / ctx.n, ctx.in_shape, ctx.dims, ctx.keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean (floating/complex dtypes only, as torch)."""
    if dtype is not None:
        input = input.to(dtype)
    if not (input.is_floating_point() or input.is_complex()):
        from .pointwise import _type_word
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_type_word(input.dtype)}")
    dims = dims_arg(input, dim)
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dims = None
    r = Mean.apply(input, dims=dims, keepdim=keepdim)
    n = _reduced_names(input, dims, keepdim)
    if n is not None:
        r._names = n
    return _o(r, out)


def _o(r, out):
    if out is None:
        return r
    from ._binary import _out
    return _out(r, out)


__all__ = ["sum", "mean"]

"""Vector and matrix norms of ``ember.linalg`` (vector_norm, matrix_norm, norm, cond, vecdot).

The vector norm's backward follows torch: zero gradient where the norm is zero, ties of the inf-norm
share the gradient, and the 0-"norm" has no gradient at all.
"""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ._function import Function, xp


def _word(dt):
    from .pointwise import _type_word
    return _type_word(dt)


def _check_dtype(A, fname):
    from ..linalg import _check_dtype as c
    c(A, fname)


def _o(r, out):
    if out is None:
        return r
    from ._binary import _out
    return _out(r, out)


def svdvals(A):
    from ..linalg import svdvals as s
    return s(A)


def inv(A):
    from ..linalg import inv as i
    return i(A)


# ---- norms --------------------------------------------------------------------------------------
def _dims(t, dim):
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        dim = (dim,)
    out = tuple(sorted(t._wrap_dim(int(d)) if t.dim() else 0 for d in dim))
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return out


class VectorNorm(Function):
    save = (0,)
    save_output = True

    @staticmethod
    def forward(ctx, x, ord=2.0, dims=None, keepdim=False):
        ctx.ord, ctx.dims, ctx.keepdim, ctx.in_shape = ord, dims, keepdim, x.shape
        m = xp(x)
        a = m.abs(x)
        kw = {"axis": dims, "keepdims": keepdim}
        if ord == 2:
            r = m.sqrt(m.sum(a * a, **kw))
        elif ord == math.inf:
            r = m.max(a, **kw)
        elif ord == -math.inf:
            r = m.min(a, **kw)
        elif ord == 0:
            r = m.sum(a != 0, **kw).astype(a.dtype)
        elif ord == 1:
            r = m.sum(a, **kw)
        else:
            r = m.power(m.sum(m.power(a, ord), **kw), 1.0 / ord)
        return m.asarray(r, dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        p = ctx.ord
        n = ctx.output
        if not ctx.keepdim and ctx.dims is not None:
            for d in ctx.dims:
                g, n = g.unsqueeze(d), n.unsqueeze(d)
        elif ctx.dims is None and not ctx.keepdim:
            g, n = g.reshape((1,) * x.dim()), n.reshape((1,) * x.dim())
        if p == 0:
            return None  # torch leaves the gradient of the 0-"norm" undefined
        if p == 1:
            return g * x.sgn()
        if p == 2:
            safe = n + (n == 0).to(n.dtype)
            return g * x / safe
        if p in (math.inf, -math.inf):
            mask = (x.abs() == n).to(n.dtype)
            count = mask.sum(ctx.dims, keepdim=True) if ctx.dims is not None else mask.sum()
            return x.sgn() * (g / count) * mask
        from .pointwise import where
        ax = x.abs()
        zero = ax == 0
        scale = where(zero, ax * 0, ax.pow(p - 2))
        safe = n + (n == 0).to(n.dtype)
        return x * scale * g / safe.pow(p - 1)

    def name(self):
        return "LinalgVectorNormBackward0"


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None) -> Tensor:
    """The ord-norm of x over dim (all elements when dim is None)."""
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord}")
    if not (x.is_floating_point() or x.is_complex()):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {_word(x.dtype)}")
    if dtype is not None and x.dtype is not dtype:
        x = x.to(dtype)
    dims = _dims(x, dim)
    if x.dim() == 0 and dims is not None:
        dims = None
    if ord in (math.inf, -math.inf) or ord < 0:
        empty = x.numel() == 0 if dims is None else any(x.shape[d] == 0 for d in dims)
        if empty:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {'-' if ord < 0 else ''}"
                               f"{'inf' if abs(ord) == math.inf else ord} norm on an empty tensor because "
                               "the operation does not have an identity")
    r = VectorNorm.apply(x, ord=float(ord), dims=dims, keepdim=keepdim)
    if keepdim and dims is None and x.dim():
        r = r.reshape((1,) * x.dim()) if r.dim() != x.dim() else r
    return _o(r, out)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None) -> Tensor:
    """Matrix norms: 'fro', 'nuc', inf, -inf, 1, -1, 2, -2 over the two dims."""
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    _check_dtype(A, "linalg.matrix_norm")
    if dtype is not None and A.dtype is not dtype:
        A = A.to(dtype)
    d0, d1 = (A._wrap_dim(d) for d in dim)
    if ord == "fro":
        return _o(vector_norm(A, 2, (d0, d1), keepdim), out)
    if ord in ("nuc", 2, -2):
        rest = [i for i in range(A.dim()) if i not in (d0, d1)]
        S = svdvals(A.permute(rest + [d0, d1]))
        r = S.sum(-1) if ord == "nuc" else (S.amax(-1) if ord == 2 else S.amin(-1))
        if keepdim:
            r = r.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
        return _o(r, out)
    if ord in (1, -1, math.inf, -math.inf):
        sum_d, red_d = (d0, d1) if ord in (1, -1) else (d1, d0)
        s = A.abs().sum(sum_d, keepdim=True)
        r = s.amax(red_d, keepdim=True) if ord > 0 else s.amin(red_d, keepdim=True)
        if not keepdim:
            r = r.squeeze(max(d0, d1)).squeeze(min(d0, d1))
        return _o(r, out)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None) -> Tensor:
    """Vector or matrix norm depending on ord/dim (torch.linalg.norm)."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype, out=out)
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype, out=out)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
    if A.dim() not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A.dim()}D.")
    if A.dim() == 1 and not isinstance(ord, str):
        return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)
    return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)


def cond(A, p=None, *, out=None) -> Tensor:
    """Condition number in the p-norm (2-norm by default)."""
    if p is None or p in (2, -2):
        S = svdvals(A)
        r = S[..., 0] / S[..., -1] if p != -2 else S[..., -1] / S[..., 0]
        return _o(r, out)
    return _o(matrix_norm(A, p) * matrix_norm(inv(A), p), out)


def vecdot(x, y, *, dim=-1, out=None) -> Tensor:
    """Dot product of vectors along dim (conjugating x)."""
    xc = x.conj() if x.is_complex() else x
    return _o((xc * y).sum(dim), out)

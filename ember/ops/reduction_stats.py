"""Statistics: var/std (+ _mean forms), median/nanmedian, mode, kthvalue, and norm."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap, register_methods
from ._function import Function, xp
from .reduction import (_acc_dtype, _arr, _named, _o, expand_grad, keep, one_dim, reduce_dims,
                        return_types, select_op, type_word)
from .reduction_minmax import _EvenPick, _empty_dim_error


# ---- var / std ------------------------------------------------------------------------------------
def _var_args(name, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # std(input, unbiased) overload
        if unbiased is not None:
            raise TypeError(f"{name}() received an invalid combination of arguments")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both "
                        "'unbiased' and 'correction'")
    if correction is None:
        correction = 0 if unbiased is False else 1
    if not (input.is_floating_point() or input.is_complex()):
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return reduce_dims(input, dim), keepdim, correction


def _centered(m, x, dims):
    acc = _acc_dtype(x.dtype)
    xa = x if acc is None else x.astype(acc)
    n = xa.size if dims is None else int(np.prod([x.shape[d] for d in dims]))
    mu = m.sum(xa, axis=dims, keepdims=True) / n if n else m.sum(xa, axis=dims, keepdims=True) * np.nan
    return xa - mu, n


class _VarBase(Function):
    save = (0,)
    save_output = True

    @classmethod
    def forward(cls, ctx, x, dims=None, keepdim=False, correction=1, name="var"):
        m = xp(x)
        d, n = _centered(m, x, dims)
        dof = n - correction
        if dof <= 0:
            warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less "
                          "than the reduction factor (input numel divided by output numel).",
                          UserWarning, stacklevel=4)
        sq = (d * m.conj(d)).real if d.dtype.kind == "c" else d * d
        r = m.sum(sq, axis=dims, keepdims=keepdim) / builtins_max(dof, 0)
        if cls is Std or cls is StdMean:
            r = m.sqrt(r)
        ctx.in_shape, ctx.dims, ctx.keepdim, ctx.dof = x.shape, dims, keepdim, dof
        out_dt = x.real.dtype if x.dtype.kind == "c" else x.dtype
        return _arr(m, r, out_dt)

    @staticmethod
    def _dvar(ctx, g):
        (x,) = ctx.saved_tensors
        g = expand_grad(g, ctx.in_shape, ctx.dims, ctx.keepdim)
        mu = x.mean(ctx.dims, keepdim=True) if ctx.dims is not None else x.mean()
        return g, (x - mu) / ctx.dof


class Var(_VarBase):
    @staticmethod
    def backward(ctx, g):
        g, c = _VarBase._dvar(ctx, g)
        return 2 * g * c


class Std(_VarBase):
    @staticmethod
    def backward(ctx, g):
        from .pointwise import where
        y = ctx.output
        g = where(y == 0, 0, g / where(y == 0, 1, y))  # std is flat at 0: torch masks the 0/0
        g, c = _VarBase._dvar(ctx, g)
        return g * c


def builtins_max(a, b):
    return a if a > b else b


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance over dims with Bessel's ``correction`` (default 1; ``unbiased=False`` means 0)."""
    dims, keepdim, c = _var_args("var", input, dim, unbiased, keepdim, correction)
    r = Var.apply(input, dims=dims, keepdim=keepdim, correction=c, name="var")
    return _o(_named(r, input, dims, keepdim), out)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation over dims with Bessel's ``correction``."""
    dims, keepdim, c = _var_args("std", input, dim, unbiased, keepdim, correction)
    r = Std.apply(input, dims=dims, keepdim=keepdim, correction=c, name="std")
    return _o(_named(r, input, dims, keepdim), out)


class _MomentMean(Function):
    """(var or std, mean) in one node, as torch's VarMeanBackward0 / StdMeanBackward0."""

    save = (0,)
    save_output = True  # std_mean's backward reads the std (live when differentiating twice)
    _materialize = False  # an unused output contributes nothing (not 0 * nan)

    @classmethod
    def forward(cls, ctx, x, dims=None, keepdim=False, correction=1, name="var_mean"):
        base = Std if cls is StdMean else Var
        r = base.forward(ctx, x, dims=dims, keepdim=keepdim, correction=correction, name=name)
        m = xp(x)
        d, n = _centered(m, x, dims)
        ctx.n = n
        mu = _arr(m, m.sum(x if _acc_dtype(x.dtype) is None else x.astype(np.float32), axis=dims,
                             keepdims=keepdim) / n if n else m.sum(x, axis=dims, keepdims=keepdim) * np.nan,
                  x.dtype)
        return r, mu

    @classmethod
    def backward(cls, ctx, g, gm):
        out = None
        if g is not None:
            if cls is StdMean:
                from .pointwise import where
                y = ctx.output
                g = where(y == 0, 0, g / where(y == 0, 1, y))
                g, c = _VarBase._dvar(ctx, g)
                out = g * c
            else:
                g, c = _VarBase._dvar(ctx, g)
                out = 2 * g * c
        if gm is not None:
            part = expand_grad(gm / ctx.n, ctx.in_shape, ctx.dims, ctx.keepdim)
            out = part if out is None else out + part
        return out


StdMean = type("StdMean", (_MomentMean,), {})
VarMean = type("VarMean", (_MomentMean,), {})


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over dims."""
    dims, keepdim, c = _var_args("var_mean", input, dim, unbiased, keepdim, correction)
    v, mu = VarMean.apply(input, dims=dims, keepdim=keepdim, correction=c, name="var_mean")
    return _named(v, input, dims, keepdim), _named(mu, input, dims, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over dims."""
    dims, keepdim, c = _var_args("std_mean", input, dim, unbiased, keepdim, correction)
    v, mu = StdMean.apply(input, dims=dims, keepdim=keepdim, correction=c, name="std_mean")
    return _named(v, input, dims, keepdim), _named(mu, input, dims, keepdim)


# ---- median / nanmedian / kthvalue / mode -------------------------------------------------------
def _isnan(m, x):
    if x.dtype.kind in "fc" or x.dtype == D.bfloat16.np:
        return m.isnan(x)
    return m.zeros(x.shape, dtype=bool)


def _median_pick(x, dim, ignore_nan=False):
    """Index of the lower median along dim: its position in a stable sort (NaN sorts last)."""
    m = xp(x)
    s = m.argsort(x, axis=dim, kind="stable")
    n = x.shape[dim]
    nans = m.sum(_isnan(m, x), axis=dim, keepdims=True)
    if ignore_nan:
        valid = n - nans
        k = m.where(valid > 0, (valid - 1) // 2, (n - 1) // 2)
    else:
        k = m.where(nans > 0, n - nans, (n - 1) // 2)  # the first NaN, if any
    return m.take_along_axis(s, k.astype(np.int64), axis=dim)


def _kth_pick(x, dim, k=1):
    m = xp(x)
    s = m.argsort(x, axis=dim, kind="stable")
    return m.take(s, [k - 1], axis=dim)


def _mode_pick(x, dim):
    """Most frequent value (smallest on ties), at its last occurrence."""
    m = xp(x)
    xm = m.moveaxis(x, dim, -1)
    s = m.argsort(xm, axis=-1, kind="stable")
    v = m.take_along_axis(xm, s, axis=-1)
    n = v.shape[-1]
    pos = m.arange(n)
    start = m.ones(v.shape, dtype=bool)
    start[..., 1:] = v[..., 1:] != v[..., :-1]
    end = m.ones(v.shape, dtype=bool)
    end[..., :-1] = start[..., 1:]
    run_start = m.maximum.accumulate(m.where(start, pos, 0), axis=-1)
    run_end = m.flip(m.minimum.accumulate(m.flip(m.where(end, pos, n), axis=-1), axis=-1), axis=-1)
    best = m.argmax(run_end - run_start, axis=-1)[..., None]
    last = m.take_along_axis(run_end, best, axis=-1)
    idx = m.take_along_axis(s, last, axis=-1)
    return m.moveaxis(idx, -1, dim)


Median = select_op("MedianBackward1", _median_pick)
Nanmedian = select_op("NanmedianBackward1", lambda x, dim: _median_pick(x, dim, True))
Kthvalue = select_op("Kthvalue", _kth_pick)
Mode = select_op("Mode", _mode_pick)
MedianBackward0 = type("MedianBackward0", (_EvenPick,), {})
NanmedianBackward0 = type("NanmedianBackward0", (_EvenPick,), {})


def _select_result(name, cls, input, dim, keepdim, **kw):
    d = one_dim(input, dim)
    _empty_dim_error(name, input, (d,))
    v, i = cls.apply(input, dim=d, keepdim=keepdim, **kw)
    _named(v, input, (d,), keepdim)
    _named(i, input, (d,), keepdim)
    return getattr(return_types, name)((v, i))


def _median(name, input, dim, keepdim, ignore_nan):
    if input.dtype is D.bool_ or input.is_complex():
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{type_word(input.dtype)}'")
    if dim is None:
        cls = NanmedianBackward0 if ignore_nan else MedianBackward0

        def fn(x):
            m = xp(x)
            if x.size == 0:
                return m.asarray(np.nan, dtype=x.dtype) if x.dtype.kind == "f" else m.zeros((), x.dtype)
            flat = x.reshape(-1)
            return flat[_median_pick(flat, 0, ignore_nan)].reshape(())
        return cls.apply(input, fn=fn)
    return _select_result(name, Nanmedian if ignore_nan else Median, input, dim, keepdim)


def median(input, dim=None, keepdim=False, *, out=None):
    """Lower median (NaN if any); with ``dim``, (values, indices)."""
    return _median("median", input, dim, keepdim, False)


def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """Lower median of the non-NaN values; with ``dim``, (values, indices)."""
    return _median("nanmedian", input, dim, keepdim, True)


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """k-th smallest element along ``dim`` as (values, indices)."""
    if input.is_complex():
        raise NotImplementedError(f"\"kthvalue_cpu\" not implemented for '{type_word(input.dtype)}'")
    d = one_dim(input, dim)
    _empty_dim_error("kthvalue", input, (d,))
    n = input.shape[d] if input.dim() else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    return _select_result("kthvalue", Kthvalue, input, d, keepdim, k=int(k))


def mode(input, dim=-1, keepdim=False, *, out=None):
    """Most frequent value along ``dim`` (smallest on ties) and its last index."""
    if input.is_complex():
        raise NotImplementedError(f"\"mode_cpu\" not implemented for '{type_word(input.dtype)}'")
    return _select_result("mode", Mode, input, dim, keepdim)


# ---- norm -----------------------------------------------------------------------------------------
class LinalgVectorNorm(Function):
    save = (0,)
    save_output = True

    @staticmethod
    def forward(ctx, x, p=2.0, dims=None, keepdim=False):
        ctx.p, ctx.dims, ctx.keepdim, ctx.in_shape = p, dims, keepdim, x.shape
        m = xp(x)
        a = m.abs(x)
        acc = _acc_dtype(a.dtype)
        if acc is not None:
            a = a.astype(acc)
        red = dict(axis=dims, keepdims=keepdim)
        if p == math.inf:
            r = m.max(a, **red)
        elif p == -math.inf:
            r = m.min(a, **red)
        elif p == 0:
            r = m.sum(a != 0, **red).astype(a.dtype)
        elif p == 1:
            r = m.sum(a, **red)
        elif p == 2:
            r = m.sqrt(m.sum(a * a, **red))
        else:
            r = m.sum(a ** p, **red) ** (1.0 / p)
        return _arr(m, r, x.real.dtype if x.dtype.kind == "c" else x.dtype)

    @staticmethod
    def backward(ctx, g):
        from .pointwise import where
        (x,) = ctx.saved_tensors
        y = ctx.output
        p, dims, n = ctx.p, ctx.dims, x.dim()
        if not ctx.keepdim:
            g, y = keep(g, dims, n), keep(y, dims, n)
        sg = x.sgn()
        if p == 0:
            return None
        if p == 1:
            return g * sg
        if p in (math.inf, -math.inf):
            mask = x.abs() == y
            cnt = mask.sum(dims, keepdim=True) if dims is not None else mask.sum()
            return g * sg * mask / cnt
        if p == 2:
            return where(y == 0, 0, g / where(y == 0, 1, y)) * x
        a = x.abs()
        safe = where(a == 0, 1, a)
        r = sg * safe.pow(p - 1) * g / where(y == 0, 1, y).pow(p - 1)
        return where((a == 0) | (y == 0), 0, r)


def _vector_norm(input, p, dims, keepdim):
    if p < 0 or p == math.inf:
        name = "inf" if p == math.inf else ("-inf" if p == -math.inf else f"{p:g}")
        if dims is None and input.numel() == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {name} norm on an empty tensor "
                               "because the operation does not have an identity")
        for d in dims or ():
            if input.shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {name} norm on the dimension "
                                   f"{d}because this dimension is empty and the operation does not "
                                   "have an identity")
    r = LinalgVectorNorm.apply(input, p=float(p), dims=dims, keepdim=keepdim)
    return _named(r, input, dims, keepdim)


def _nuclear(input, dims, keepdim):
    if input.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if input.dtype in (D.float16, D.bfloat16):
        raise RuntimeError(f"linalg.matrix_norm: Low precision dtypes not supported. Got {type_word(input.dtype)}")
    if dims is None:
        dims = tuple(range(input.dim()))
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}")
    d0, d1 = dims
    x = input._data
    m = xp(x)
    a = m.moveaxis(x, (d0, d1), (-2, -1))
    r = _arr(m, m.linalg.svd(a, compute_uv=False).sum(-1), a.real.dtype)
    if keepdim:
        r = m.expand_dims(r, tuple(sorted((d0, d1))))
    return _wrap(r)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """Vector p-norm (or Frobenius/nuclear matrix norm) over dims."""
    if p is None:
        p = "fro"
    if not (input.is_floating_point() or input.is_complex()):
        kind = "matrix_norm" if p == "nuc" else "vector_norm"
        raise RuntimeError(f"linalg.{kind}: Expected a floating point or complex tensor as input. "
                           f"Got {type_word(input.dtype)}")
    if dtype is not None and input.dtype is not dtype:
        input = input.to(dtype)
    dims = reduce_dims(input, dim) if dim is not None else None
    if p == "nuc":
        return _o(_nuclear(input, dims, keepdim), out)
    if p == "fro":
        p = 2.0
    elif isinstance(p, str):
        raise RuntimeError(f"norm(): unsupported p={p!r}")
    return _o(_vector_norm(input, p, dims, keepdim), out)


__all__ = ["var", "std", "var_mean", "std_mean", "median", "nanmedian", "kthvalue", "mode", "norm"]

register_methods({
    "var": var, "std": std, "median": median, "nanmedian": nanmedian, "kthvalue": kthvalue,
    "mode": mode, "norm": norm,
})

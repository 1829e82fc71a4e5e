"""Extremes and scans: max/min (value, per-dim named tuple, or elementwise), amax/amin,
argmax/argmin, aminmax, cumsum/cumprod, cummax/cummin, diff."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap, register_methods
from ._function import Function, xp
from ._inplace import inplace_fn
from .reduction import (Flip, Select, _arr, _named, _o, expand_grad, keep, one_dim, reduce_dims,
                        return_types, type_word)


def _empty_full_error(name: str, input: Tensor, exc=RuntimeError, full_msg=True):
    if input._data.size == 0:
        tail = " Specify the reduction dim with the 'dim' argument." if full_msg else ""
        raise exc(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.{tail}")


def _empty_dim_error(name: str, input: Tensor, dims, sep="(): "):
    if input._data.ndim == 0 or dims is None:
        return
    for d in dims:
        if input._data.shape[d] == 0:
            raise IndexError(f"{name}{sep}Expected reduction dim {d} to have non-zero size.")


def _no_complex(name: str, input: Tensor, tag: str = ""):
    """torch rejects complex inputs to ordering ops: some as unsupported, some as unimplemented."""
    if input.is_complex():
        if not tag:
            raise RuntimeError(f"{name}(): does not support complex input")
        raise NotImplementedError(f"\"{tag}\" not implemented for '{type_word(input.dtype)}'")


# ---- full max()/min(): gradient shared evenly among the elements equal to the result ------------
class _EvenPick(Function):
    """A full reduction to one of the input's elements; ties (or NaNs) share the gradient evenly."""

    save = (0,)
    save_output = True

    @staticmethod
    def forward(ctx, x, fn=None):
        return xp(x).asarray(fn(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        y = ctx.output
        mask = x.isnan() if bool(xp(y._data).isnan(y._data)) else x == y
        return g * mask / mask.sum()


MaxBackward1 = type("MaxBackward1", (_EvenPick,), {})
MinBackward1 = type("MinBackward1", (_EvenPick,), {})


def _full_extreme(input, name, npfn):
    _no_complex(name, input, f"{name}_all")
    _empty_full_error(name, input)
    cls = MaxBackward1 if name == "max" else MinBackward1
    return cls.apply(input, fn=lambda x: getattr(xp(x), npfn)(x))


def _arg_pick(npfn):
    return lambda x, dim: xp(x).expand_dims(getattr(xp(x), npfn)(x, axis=dim), dim)


MaxSel = type("Max", (Select,), {"pick": staticmethod(_arg_pick("argmax"))})
MinSel = type("Min", (Select,), {"pick": staticmethod(_arg_pick("argmin"))})


def _extreme(name, input, dim, keepdim, out):
    from . import pointwise as P
    if isinstance(dim, Tensor):  # max(a, b) is the elementwise maximum
        return (P.maximum if name == "max" else P.minimum)(input, dim, out=out)
    if dim is None:
        return _o(_full_extreme(input, name, name), out)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    d = one_dim(input, dim)
    _no_complex(name, input)
    _empty_dim_error(name, input, (d,))
    v, i = (MaxSel if name == "max" else MinSel).apply(input, dim=d, keepdim=keepdim)
    _named(v, input, (d,), keepdim)
    _named(i, input, (d,), keepdim)
    r = getattr(return_types, name)((v, i))
    if out is not None:
        out[0].copy_(v) if out[0].shape == v.shape else out[0].resize_(v.shape).copy_(v)
        out[1].copy_(i) if out[1].shape == i.shape else out[1].resize_(i.shape).copy_(i)
        return getattr(return_types, name)(tuple(out))
    return r


def max(input, dim=None, keepdim=False, *, out=None):
    """Largest element; with ``dim``, (values, indices) along it; with a tensor, elementwise max."""
    return _extreme("max", input, dim, keepdim, out)


def min(input, dim=None, keepdim=False, *, out=None):
    """Smallest element; with ``dim``, (values, indices) along it; with a tensor, elementwise min."""
    return _extreme("min", input, dim, keepdim, out)


# ---- amax / amin ----------------------------------------------------------------------------------
class _AExtreme(Function):
    """amax/amin: the gradient is shared evenly among the elements equal to the extreme."""

    save = (0,)
    save_output = True

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, fn="max"):
        ctx.in_shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        m = xp(x)
        return _arr(m, getattr(m, fn)(x, axis=dims, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        y = ctx.output
        n = x.dim()
        y = keep(y, ctx.dims, n) if not ctx.keepdim else y
        mask = x == y
        cnt = mask.sum(ctx.dims, keepdim=True) if ctx.dims is not None else mask.sum()
        return expand_grad(g, ctx.in_shape, ctx.dims, ctx.keepdim) * mask / cnt


Amax = type("Amax", (_AExtreme,), {})
Amin = type("Amin", (_AExtreme,), {})


def _aextreme(name, input, dim, keepdim, out):
    dims = reduce_dims(input, dim if dim is not None else ())
    _no_complex(name, input, f"{name[1:]}_values_cpu")
    if dims is None:
        _empty_full_error(name, input)
    _empty_dim_error(name, input, dims)
    cls = Amax if name == "amax" else Amin
    r = cls.apply(input, dims=dims, keepdim=keepdim, fn=name[1:])
    return _o(_named(r, input, dims, keepdim), out)


def amax(input, dim=(), keepdim=False, *, out=None):
    """Maximum over dims (all dims by default); ties share the gradient evenly."""
    return _aextreme("amax", input, dim, keepdim, out)


def amin(input, dim=(), keepdim=False, *, out=None):
    """Minimum over dims (all dims by default); ties share the gradient evenly."""
    return _aextreme("amin", input, dim, keepdim, out)


# ---- argmax / argmin --------------------------------------------------------------------------------
def _argext(name, input, dim, keepdim):
    if input.dtype is D.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    _no_complex(name, input)
    x = input._data
    m = xp(x)
    fn = getattr(m, name)
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        r = _arr(m, fn(x.reshape(-1)), np.int64)
        return _wrap(r.reshape((1,) * x.ndim) if keepdim else r)
    d = one_dim(input, dim)
    if x.ndim == 0:
        return _wrap(m.zeros((), dtype=np.int64))
    _empty_dim_error(name, input, (d,))
    if x.shape[d] == 0:  # another dim is empty
        shape = list(x.shape)
        if keepdim:
            shape[d] = 1
        else:
            del shape[d]
        return _wrap(m.zeros(shape, dtype=np.int64))
    r = _arr(m, fn(x, axis=d), np.int64)
    if keepdim:
        r = m.expand_dims(r, d)
    return _named(_wrap(r), input, (d,), keepdim)


def argmax(input, dim=None, keepdim=False):
    """Index of the (first) largest element, flat or along ``dim``."""
    return _argext("argmax", input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    """Index of the (first) smallest element, flat or along ``dim``."""
    return _argext("argmin", input, dim, keepdim)


# ---- aminmax ----------------------------------------------------------------------------------------
class Aminmax(Function):
    save = (0,)
    _materialize = False

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False):
        ctx.in_shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        m = xp(x)
        lo = _arr(m, m.min(x, axis=dims, keepdims=keepdim))
        hi = _arr(m, m.max(x, axis=dims, keepdims=keepdim))
        ctx.s_lo, ctx.s_hi = lo, hi
        return lo, hi

    @staticmethod
    def backward(ctx, glo, ghi):
        (x,) = ctx.saved_tensors
        n = x.dim()
        out = None
        for g, y in ((glo, ctx.s_lo), (ghi, ctx.s_hi)):
            if g is None:
                continue
            y = _wrap(y)
            mask = x == (keep(y, ctx.dims, n) if not ctx.keepdim else y)
            cnt = mask.sum(ctx.dims, keepdim=True) if ctx.dims is not None else mask.sum()
            part = expand_grad(g, ctx.in_shape, ctx.dims, ctx.keepdim) * mask / cnt
            out = part if out is None else out + part
        return out


def aminmax(input, *, dim=None, keepdim=False, out=None):
    """(min, max) over all elements or along ``dim`` in one pass."""
    _no_complex("aminmax", input, "aminmax_cpu")
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                               "operation has no identity.")
        dims = None
    else:
        d = one_dim(input, dim)
        dims = None if input.dim() == 0 else (d,)
        _empty_dim_error("aminmax", input, dims, sep=": ")
    lo, hi = Aminmax.apply(input, dims=dims, keepdim=keepdim)
    return return_types.aminmax((_named(lo, input, dims, keepdim), _named(hi, input, dims, keepdim)))


# ---- cumsum / cumprod -------------------------------------------------------------------------------
def _scan_dtype(x, dtype):
    if dtype is not None:
        return dtype
    return np.int64 if x.dtype.kind in "bui" else x.dtype


def _rev_cumsum(g: Tensor, dim: int) -> Tensor:
    return Flip.apply(cumsum(Flip.apply(g, dims=(dim,)), dim), dims=(dim,))


class Cumsum(Function):
    @staticmethod
    def forward(ctx, x, dim=0, dtype=None):
        ctx.dim = dim
        m = xp(x)
        res = _scan_dtype(x, dtype)
        acc = np.float32 if res in (np.float16, D.bfloat16.np) else res
        if x.ndim == 0:
            return x.astype(res)
        return m.cumsum(x.astype(acc, copy=False), axis=dim).astype(res, copy=False)

    @staticmethod
    def backward(ctx, g):
        if g.dim() == 0:
            return g
        return _rev_cumsum(g, ctx.dim)


class Cumprod(Function):
    save = (0,)
    save_output = True

    @staticmethod
    def forward(ctx, x, dim=0, dtype=None):
        ctx.dim = dim
        m = xp(x)
        res = _scan_dtype(x, dtype)
        acc = np.float32 if res in (np.float16, D.bfloat16.np) else res
        if x.ndim == 0:
            return x.astype(res)
        return m.cumprod(x.astype(acc, copy=False), axis=dim).astype(res, copy=False)

    @staticmethod
    def backward(ctx, g):
        from .pointwise import where
        (x,) = ctx.saved_tensors
        y = ctx.output
        if x.dim() == 0:
            return g
        d = ctx.dim
        x, y = x.conj(), y.conj()
        zero = x == 0
        if not bool(xp(zero._data).any(zero._data)):
            return _rev_cumsum(g * y, d) / x
        return _cumprod_grad_exact(x, g, d)


def _cumprod_grad_exact(x: Tensor, g: Tensor, d: int) -> Tensor:
    """grad_k = L_k * sum_{j>=k} g_j * prod_{k<i<=j} x_i with L_k = prod_{i<k} x_i.

    Division-free (so exact with zeros, and differentiable again); O(n^2) memory along ``d``, used
    only when the input holds zeros.
    """
    from .pointwise import where
    last = x.dim() - 1
    if d != last:
        x, g = x.transpose(d, last), g.transpose(d, last)
    n = x.shape[-1]
    m = xp(x._data)
    tri = m.arange(n)
    gt = _wrap(tri[None, :] > tri[:, None])    # [k, j]: j > k
    ge = _wrap(tri[None, :] >= tri[:, None])
    big = x.unsqueeze(-2).expand(tuple(x.shape[:-1]) + (n, n))
    span = cumprod(where(gt, big, 1), -1)       # prod_{k<i<=j} x_i (1 where j <= k)
    one = x.narrow(-1, 0, 1).detach() * 0 + 1
    left = cumprod(_Cat.apply(one, x.narrow(-1, 0, n - 1), dim=last), -1)
    r = left * (g.unsqueeze(-2) * span * ge).sum(-1)
    return r.transpose(d, last) if d != last else r


def _scan(cls, input, dim, dtype, out):
    d = one_dim(input, dim)
    r = cls.apply(input, dim=d, dtype=None if dtype is None else dtype.np)
    if input._names is not None:
        r._names = input._names
    return _o(r, out)


def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sum along ``dim`` (integers and bool accumulate in int64)."""
    return _scan(Cumsum, input, dim, dtype, out)


def cumprod(input, dim, *, dtype=None, out=None):
    """Cumulative product along ``dim`` (integers and bool accumulate in int64)."""
    return _scan(Cumprod, input, dim, dtype, out)


# ---- cummax / cummin ------------------------------------------------------------------------------
def _cum_pick(ufunc):
    def pick(x, dim):
        m = xp(x)
        v = getattr(m, ufunc).accumulate(x, axis=dim)
        hit = x == v  # a new running extreme (ties move the index forward, as torch does)
        if x.dtype.kind in "fc" or x.dtype == D.bfloat16.np:
            hit = hit | (m.isnan(x) & m.isnan(v))
        shape = [1] * x.ndim
        shape[dim] = x.shape[dim]
        pos = m.arange(x.shape[dim]).reshape(shape)
        return m.maximum.accumulate(m.where(hit, pos, 0), axis=dim)
    return pick


class _CumSel(Select):
    @staticmethod
    def backward(ctx, g, _gi=None):
        from .reduction import ScatterAdd
        idx = _wrap(ctx.s_idx)
        if not ctx.in_shape:
            return g
        return ScatterAdd.apply(g, idx, shape=ctx.in_shape, dim=ctx.dim)


Cummax = type("Cummax", (_CumSel,), {"pick": staticmethod(_cum_pick("maximum"))})
Cummin = type("Cummin", (_CumSel,), {"pick": staticmethod(_cum_pick("minimum"))})


def _cumext(name, cls, input, dim):
    d = one_dim(input, dim)
    _no_complex(name, input, f"{name}_cpu")
    if input._data.size == 0:
        m = xp(input._data)
        return getattr(return_types, name)((_wrap(input._data.copy()),
                                            _wrap(m.zeros(input.shape, dtype=np.int64))))
    v, i = cls.apply(input, dim=d, keepdim=True)
    return getattr(return_types, name)((v, i))


def cummax(input, dim):
    """Running maximum along ``dim`` and the index where it was (last) reached."""
    return _cumext("cummax", Cummax, input, dim)


def cummin(input, dim):
    """Running minimum along ``dim`` and the index where it was (last) reached."""
    return _cumext("cummin", Cummin, input, dim)


# ---- diff -------------------------------------------------------------------------------------------
class _Cat(Function):
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim, ctx.sizes = dim, [a.shape[dim] for a in arrays]
        return xp(arrays[0]).concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        out, start = [], 0
        for n in ctx.sizes:
            out.append(g.narrow(ctx.dim, start, n))
            start += n
        return tuple(out)


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """n-th forward difference along ``dim`` (optionally with values prepended/appended)."""
    from .pointwise import result_type
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = one_dim(input, dim)
    parts = [input]
    for p, front in ((prepend, True), (append, False)):
        if p is None:
            continue
        if not isinstance(p, Tensor):
            from .creation import tensor
            p = tensor(p, device=input.device)
        if p.dim() != input.dim():
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        parts.insert(0, p) if front else parts.append(p)
    t = input
    if len(parts) > 1:
        rd = result_type(*parts)
        t = _Cat.apply(*[q if q.dtype is rd else q.to(rd) for q in parts], dim=d)
    for _ in range(n):
        size = t.shape[d]
        if size == 0:
            break
        a, b = t.narrow(d, 1, size - 1), t.narrow(d, 0, size - 1)
        t = a.logical_xor(b) if t.dtype is D.bool_ else a - b
    return t


__all__ = ["max", "min", "amax", "amin", "argmax", "argmin", "aminmax", "cumsum", "cumprod",
           "cummax", "cummin", "diff"]

register_methods({
    "max": max, "min": min, "amax": amax, "amin": amin, "argmax": argmax, "argmin": argmin,
    "aminmax": aminmax, "cumsum": cumsum, "cumprod": cumprod, "cummax": cummax, "cummin": cummin,
    "diff": diff, "cumsum_": inplace_fn(cumsum), "cumprod_": inplace_fn(cumprod),
})

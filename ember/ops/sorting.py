"""Sorting and searching: sort/argsort/msort, topk, unique/unique_consecutive, searchsorted,
bucketize, histc, bincount."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap, register_methods
from ._function import xp
from .reduction import _named, _o, one_dim, return_types, select_op, type_word


def _stable_argsort(x, dim, descending):
    """Stable argsort along dim; descending keeps equal elements in index order, NaN first."""
    m = xp(x)
    if x.dtype == np.bool_:
        x = x.view(np.uint8)
    if not descending:
        return m.argsort(x, axis=dim, kind="stable")
    n = x.shape[dim]
    # A stable ascending sort of the reversed array, read backwards, orders ties by index.
    s = m.argsort(m.flip(x, axis=dim), axis=dim, kind="stable")
    return (n - 1) - m.flip(s, axis=dim)


def _sort_pick(x, dim, descending=False):
    return _stable_argsort(x, dim, descending)


def _topk_pick(x, dim, k=1, largest=True):
    s = _stable_argsort(x, dim, largest)
    return xp(x).take(s, xp(x).arange(k), axis=dim)


Sort = select_op("Sort", _sort_pick)
Topk = select_op("Topk", _topk_pick)


def _no_complex_sort(input):
    if input.is_complex():
        raise RuntimeError(" Sort does not support complex dtypes on CPU")


def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """Sorted values and their original indices along ``dim`` (stable, as torch on CPU)."""
    _no_complex_sort(input)
    d = one_dim(input, dim)
    v, i = Sort.apply(input, dim=d, keepdim=True, descending=bool(descending))
    _named(v, input, (d,), True)
    _named(i, input, (d,), True)
    r = return_types.sort((v, i))
    if out is not None:
        for o, t in zip(out, r):
            o.resize_(t.shape).copy_(t) if o.shape != t.shape else o.copy_(t)
        return return_types.sort(tuple(out))
    return r


def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort ``input`` along ``dim``."""
    _no_complex_sort(input)
    d = one_dim(input, dim)
    x = input._data
    if x.ndim == 0:
        return _wrap(xp(x).zeros((), dtype=np.int64))
    return _named(_wrap(_stable_argsort(x, d, descending).astype(np.int64, copy=False)), input, (d,), True)


def msort(input, *, out=None):
    """Sort along the first dim (values only)."""
    return _o(sort(input, 0).values, out)


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The k largest (or smallest) elements along ``dim`` and their indices."""
    if input.is_complex():
        raise RuntimeError(" topk does not support complex dtypes on CPU")
    d = one_dim(input, dim)
    n = input.shape[d] if input.dim() else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if input.dim() == 0:  # torch hands back the element itself for k = 0 as well
        k = 1
    v, i = Topk.apply(input, dim=d, keepdim=True, k=int(k), largest=bool(largest))
    return return_types.topk((v, i))


def _unique_dim(input, dim) -> int:
    if input.dim() == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = one_dim(input, dim)
    if input.numel() == 0 and input.shape[d] != 0:
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot "
                           "be applied")
    return d


# ---- unique -----------------------------------------------------------------------------------------
def _unique_flat(m, a, sorted_, return_inverse, return_counts):
    kw = {"equal_nan": False} if m is np else {}
    res = m.unique(a, return_inverse=return_inverse, return_counts=return_counts, **kw)
    return res if isinstance(res, tuple) else (res,)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (or slices along ``dim``), sorted, with optional inverse and counts."""
    x = input._data
    m = xp(x)
    if dim is None:
        out = _unique_flat(m, x.reshape(-1), sorted, return_inverse, return_counts)
        vals = _wrap(out[0])
        rest = list(out[1:])
        if return_inverse:
            rest[0] = rest[0].astype(np.int64).reshape(x.shape)
    else:
        d = _unique_dim(input, dim)
        if x.shape[d] == 0:
            vals = _wrap(x.copy())
            rest = [m.zeros(x.shape[d], dtype=np.int64)] * return_inverse + \
                   [m.zeros(0, dtype=np.int64)] * return_counts
        else:
            res = m.unique(x, return_inverse=return_inverse, return_counts=return_counts, axis=d)
            out = res if isinstance(res, tuple) else (res,)
            vals = _wrap(m.ascontiguousarray(out[0]))
            rest = list(out[1:])
            if return_inverse:
                rest[0] = rest[0].astype(np.int64).reshape(-1)
    rest = [_wrap(r.astype(np.int64, copy=False)) for r in rest]
    if not rest:
        return vals
    return (vals, *rest)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive elements (or slices along ``dim``)."""
    x = input._data
    m = xp(x)
    if dim is None:
        a = x.reshape(-1)
        d = 0
    else:
        d = _unique_dim(input, dim)
        a = x
    n = a.shape[d] if a.ndim else 1
    a1 = a.reshape(1) if a.ndim == 0 else a
    if n == 0:
        first = m.zeros(0, dtype=bool)
    else:
        lead = m.take(a1, m.arange(1, n), axis=d) != m.take(a1, m.arange(n - 1), axis=d)
        if a1.ndim > 1:
            lead = m.any(lead, axis=tuple(i for i in range(a1.ndim) if i != d))
        first = m.concatenate([m.ones(1, dtype=bool), lead])
    starts = m.flatnonzero(first)
    vals = _wrap(m.take(a1, starts, axis=d))
    out = [vals]
    if return_inverse:
        inv = m.cumsum(first).astype(np.int64) - 1
        out.append(_wrap(inv.reshape(x.shape) if dim is None else inv))
    if return_counts:
        out.append(_wrap(m.diff(m.concatenate([starts, m.asarray([n])])).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


# ---- searchsorted / bucketize -----------------------------------------------------------------------
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None,
                 out=None):
    """Insertion indices of ``input`` values into the innermost dim of ``sorted_sequence``."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got "
                               "side of left while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    m = xp(seq)
    scalar = not isinstance(input, Tensor)
    vals = m.asarray(input) if scalar else input._data
    if sorter is not None:
        seq = m.take_along_axis(seq, sorter._data, axis=-1)
    sd = "right" if right else "left"
    if seq.ndim <= 1:
        r = m.searchsorted(seq, vals, side=sd)
    else:
        if scalar or vals.shape[:-1] != seq.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the "
                               "first N-1 dimensions of boundaries tensor and input value tensor must "
                               f"match, but we got boundaries tensor {list(seq.shape)} and input value "
                               f"tensor {list(vals.shape)}")
        s2, v2 = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1])
        r = m.stack([m.searchsorted(s2[i], v2[i], side=sd) for i in range(s2.shape[0])]) \
            if s2.shape[0] else m.zeros(v2.shape, dtype=np.int64)
        r = r.reshape(vals.shape)
    r = m.asarray(r).astype(np.int32 if out_int32 else np.int64)
    return _o(_wrap(r), out)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """Index of the bucket (given by 1-D ``boundaries``) each value falls into."""
    if boundaries.dim() != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.dim()})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


# ---- histc / bincount -------------------------------------------------------------------------------
def histc(input, bins=100, min=0, max=0, *, out=None):
    """Histogram with ``bins`` equal-width bins over [min, max] (data range when both are 0)."""
    if not input.is_floating_point():
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{type_word(input.dtype)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins} for dimension 0")
    x = input._data
    m = xp(x)
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if lo == hi and x.size:
        lo, hi = float(m.min(x)), float(m.max(x))
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        fmt = lambda v: "-nan" if v != v else ("inf" if v == np.inf else ("-inf" if v == -np.inf else f"{v:g}"))
        raise RuntimeError(f"torch.histc: range of [{fmt(lo)}, {fmt(hi)}] is not finite")
    a = x.reshape(-1).astype(np.float64)
    a = a[(a >= lo) & (a <= hi)]
    edges = m.linspace(lo, hi, bins + 1)
    pos = m.floor((a - lo) * bins / (hi - lo)).astype(np.int64)
    pos = m.clip(pos, 0, bins - 1)
    # nudge by the actual edges so rounding in the scale step never misplaces a value
    pos = m.where((pos > 0) & (a < edges[pos]), pos - 1, pos)
    pos = m.where((pos < bins - 1) & (a >= edges[m.minimum(pos + 1, bins)]), pos + 1, pos)
    r = m.bincount(pos, minlength=bins).astype(x.dtype)
    return _o(_wrap(r), out)


def bincount(input, weights=None, minlength=0):
    """Count of each non-negative integer value (optionally summing ``weights``)."""
    x = input._data
    m = xp(x)
    if x.dtype.kind not in "iu":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{type_word(input.dtype)}'")
    if x.ndim != 1 or (x.size and int(m.min(x)) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if x.size == 0:  # torch gives int64 counts here even when weights are given
        return _wrap(m.zeros(minlength, dtype=np.int64))
    if weights is not None:
        if weights.dim() != 1 or weights.shape[0] != x.shape[0]:
            raise RuntimeError("weights should be 1-d and have the same length as input")
        w = weights._data
        dt = np.float32 if w.dtype == np.float32 else np.float64
        r = m.bincount(x, weights=w.astype(np.float64), minlength=minlength).astype(dt)
    else:
        r = m.bincount(x, minlength=minlength).astype(np.int64)
    return _wrap(r)


__all__ = ["sort", "argsort", "msort", "topk", "unique", "unique_consecutive", "searchsorted",
           "bucketize", "histc", "bincount"]

register_methods({
    "sort": sort, "argsort": argsort, "msort": msort, "topk": topk, "unique": unique,
    "unique_consecutive": unique_consecutive, "histc": histc, "bincount": bincount,
})

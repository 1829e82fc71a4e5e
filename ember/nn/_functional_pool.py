"""Pooling, resampling (interpolate, adaptive pooling), pixel shuffle, unfold/fold (padding: _functional_pad)."""
from __future__ import annotations

import math

import numpy as np

from .._tensor import _wrap
from ..autograd.grad_mode import state as _gs
from ..ops._function import Function, xp
from ._conv import _tuple, _windows
from .._blas import parallel_elementwise
from ._functional_pad import pad  # noqa: F401  (re-exported: functional and others import it from here)


# ---- max / avg pooling ---------------------------------------------------------------------------
def _pool_out(s, k, st, p, d, ceil):
    num = s + 2 * p - d * (k - 1) - 1
    o = (-(-num // st) if ceil else num // st) + 1
    if ceil and (o - 1) * st >= s + p:  # the last window must start inside the input or left pad
        o -= 1
    return o


def _pool_geometry(x, k, st, p, d, ceil):
    nd = len(k)
    S = x.shape[-nd:]
    out = tuple(_pool_out(S[i], k[i], st[i], p[i], d[i], ceil) for i in range(nd))
    # right padding so every window fits (ceil_mode may need more than p)
    right = tuple(max(0, (out[i] - 1) * st[i] + d[i] * (k[i] - 1) + 1 - S[i] - p[i]) for i in range(nd))
    return out, right


class _MaxPool(Function):
    """Max over windows, one spatial dim at a time (the max is separable): per dim a running
    maximum over its kernel taps on strided views, no window copies. The arg-max tap per dim (the
    first maximum, as torch picks) is tracked only when indices or gradients are wanted."""
    differentiable_outputs = (0,)
    save = (0,)  # as torch's: only to link a create_graph gradient to the input (zero derivative)

    @staticmethod
    def forward(ctx, x, k=(), st=(), p=(), d=(), ceil=False, want=2):
        # want: 0 maxima only, 1 also the arg-max taps (for backward), 2 also torch's flat indices
        m = xp(x)
        nd = len(k)
        out, right = _pool_geometry(x, k, st, p, d, ceil)
        lead = x.ndim - nd
        S = x.shape[lead:]
        shape = x.shape[:lead] + out
        ctx.geom = (x.shape, k, st, p, d, out, right)
        if any(p) or any(right):
            fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
            xpad = m.full(x.shape[:lead] + tuple(S[i] + p[i] + right[i] for i in range(nd)), fill, x.dtype)
            xpad[(Ellipsis,) + tuple(slice(p[i], p[i] + S[i]) for i in range(nd))] = x
        else:
            xpad = x
        A0 = xpad.reshape((-1,) + xpad.shape[lead:])
        if x.dtype.kind == "f" and bool(m.isnan(x).any()):
            am, vals = _argmax_nan(m, _windows(A0[:, None], k, st, d, out), k, nd)
            idx = list(m.unravel_index(am, k)) if nd > 1 else [am]
            idx = [i.reshape(vals.shape[0:1] + out) for i in idx]
            vals = vals.reshape(vals.shape[0:1] + out)
        else:
            vals, idx = _separable_max(m, A0, k, st, d, out, bool(want))
        ctx.am = idx
        if want < 2:
            return vals.reshape(shape), m.empty((0,), np.int64)
        # flat input index (torch's return_indices): position inside the unpadded input plane
        pos = 0
        for i in range(nd):
            o_i = m.arange(out[i]).reshape((1,) + tuple(out[i] if j == i else 1 for j in range(nd)))
            pos = pos * S[i] + (o_i * st[i] + idx[i].astype(np.int64) * d[i] - p[i])
        return vals.reshape(shape), pos.reshape(shape).astype(np.int64)

    @staticmethod
    def backward(ctx, g, _gi=None):
        if _gs.grad_enabled:  # recording a gradient to differentiate again: link the input, as torch
            (x,) = ctx.saved_tensors
            return _MaxPoolBackward.apply(g, x, geom=ctx.geom, am=ctx.am)
        return _MaxPoolBackward.apply(g, geom=ctx.geom, am=ctx.am)

    def name(self):
        nd = len(self.geom[1])
        return f"MaxPool{nd}DWithIndicesBackward0"


def _separable_max(m, A0, k, st, d, out, track):
    """Maxima of (B, *padded) over windows and, with track, the first arg-max tap per dim."""
    nd = len(k)
    B = A0.shape[0]
    vals = m.empty((B,) + tuple(out), A0.dtype)
    idx = [m.empty((B,) + tuple(out), np.uint8 if k[i] < 256 else np.int32) for i in range(nd)] \
        if track else None

    def part(lo, hi):
        A = A0[lo:hi]
        got = {}
        for i in reversed(range(nd)):
            ax = 1 + i

            def tap(t, A=A, ax=ax, i=i):
                return A[(slice(None),) * ax + (slice(t * d[i], t * d[i] + (out[i] - 1) * st[i] + 1, st[i]),)]
            v = tap(0).copy() if k[i] > 1 else tap(0)
            for t in range(1, k[i]):
                m.maximum(v, tap(t), out=v)
            if track:
                # first tap equal to the maximum = number of leading taps that differ from it
                run = tap(0) != v
                a = run.astype(idx[i].dtype)
                for t in range(1, k[i] - 1):
                    run &= tap(t) != v
                    a += run
                if got:
                    sel = (m.arange(out[i]) * st[i]).reshape((1,) * ax + (out[i],) + (1,) * (nd - i - 1)) + \
                        a.astype(np.intp) * d[i]
                    for j in got:
                        got[j] = m.take_along_axis(got[j], sel, axis=ax)
                got[i] = a
            A = v
        vals[lo:hi] = A
        if track:
            for j in range(nd):
                idx[j][lo:hi] = got[j]
    parallel_elementwise(A0, B, part, vals.size * int(np.prod(k)) * (3 if track else 1))
    return vals, idx


def _argmax_nan(m, win, k, nd):
    """Arg-max tap and maximum per window, NaN winning (torch propagates NaN and points at it)."""
    K = int(np.prod(k))
    flat = win.reshape(win.shape[:2 + nd] + (K,))
    am = flat.argmax(axis=-1)
    vals = m.take_along_axis(flat, am[..., None], axis=-1)[..., 0]
    nanm = m.isnan(flat).any(axis=-1)
    am = m.where(nanm, m.isnan(flat).argmax(axis=-1), am)
    vals = m.where(nanm, m.nan, vals).astype(win.dtype)
    return am, vals


def _argmax_positions(m, geom, am):
    """Flat index into the padded input (batch planes flattened) of each window's arg-max."""
    shape, k, st, p, d, out, right = geom
    nd = len(k)
    lead = len(shape) - nd
    S = shape[lead:]
    padded = tuple(S[i] + p[i] + right[i] for i in range(nd))
    B = int(np.prod(shape[:lead])) if lead else 1
    plane = int(np.prod(padded))
    pos = m.arange(B, dtype=np.intp).reshape((B,) + (1,) * nd) * plane
    step = plane
    for i in range(nd):
        step //= padded[i]
        o_i = (m.arange(out[i], dtype=np.intp) * (st[i] * step)).reshape(
            (1,) + tuple(out[i] if j == i else 1 for j in range(nd)))
        pos = pos + o_i + am[i].reshape((B,) + out).astype(np.intp) * (d[i] * step)
    crop = (slice(None),) + tuple(slice(p[i], p[i] + S[i]) for i in range(nd))
    return pos.reshape(-1), B, padded, crop


class _MaxPoolBackward(Function):
    """Route each output gradient to its window's arg-max in the (padded) input: a plain scatter
    when windows do not overlap, an unbuffered add (ufunc.at) when they do."""

    @staticmethod
    def forward(ctx, g, x=None, geom=None, am=None):
        # x (the pooled input) is only an input for the graph: its derivative here is zero
        ctx.geom, ctx.am, ctx.x_shape = geom, am, None if x is None else x.shape
        m = xp(g)
        shape, k, st, p, d, out, right = geom
        pos, B, padded, crop = _argmax_positions(m, geom, am)
        g2 = g.reshape(-1)
        gx = m.zeros(B * int(np.prod(padded)), dtype=g.dtype)
        if all(st[i] >= d[i] * (k[i] - 1) + 1 for i in range(len(k))):  # each input in one window at most
            gx[pos] = g2
        elif hasattr(m.add, "at"):
            m.add.at(gx, pos, g2)
        else:  # pragma: no cover - backends without ufunc.at
            gx = m.bincount(pos, weights=g2, minlength=gx.shape[0]).astype(g.dtype)
        gx = gx.reshape((B,) + padded)
        return m.ascontiguousarray(gx[crop]).reshape(shape)

    @staticmethod
    def backward(ctx, gg, *_):
        gx = _MaxPoolGather.apply(gg, geom=ctx.geom, am=ctx.am)
        return gx if ctx.x_shape is None else (gx, gg.new_zeros(ctx.x_shape))

    def name(self):
        return f"MaxPool{len(self.geom[1])}DWithIndicesBackwardBackward0"


class _MaxPoolGather(Function):
    """The adjoint of _MaxPoolBackward (its gradient): each window's value of gg at the window's
    arg-max, shaped like the pooled output."""

    @staticmethod
    def forward(ctx, gg, geom=None, am=None):
        ctx.geom, ctx.am = geom, am
        m = xp(gg)
        shape, k, st, p, d, out, right = geom
        pos, B, padded, crop = _argmax_positions(m, geom, am)
        full = m.zeros((B,) + padded, dtype=gg.dtype)
        full[crop] = gg.reshape((B,) + tuple(shape[len(shape) - len(k):]))
        return full.reshape(-1)[pos].reshape(tuple(shape[:len(shape) - len(k)]) + tuple(out))

    @staticmethod
    def backward(ctx, ggg):
        return _MaxPoolBackward.apply(ggg, geom=ctx.geom, am=ctx.am)


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd):
    k = _tuple(kernel_size, nd)
    st = _tuple(stride if stride not in (None, [], ()) else kernel_size, nd)
    p, d = _tuple(padding, nd), _tuple(dilation, nd)
    for i in range(nd):
        if p[i] > k[i] // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p[i]}, "
                               f"kernel_size={k[i]} and dilation={d[i]}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"max_pool{nd}d: Expected {nd + 1}D or {nd + 2}D input, got {input.dim()}D")
    want = 2 if return_indices else int(_gs.grad_enabled and input._rg)
    vals, idx = _MaxPool.apply(input, k=k, st=st, p=p, d=d, ceil=ceil_mode, want=want)
    return (vals, idx) if return_indices else vals


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over sliding windows (optionally with flat indices of the maxima)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """(values, indices) of max_pool1d, whatever return_indices says (as torch)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 1)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """(values, indices) of max_pool2d, whatever return_indices says (as torch)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 2)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """(values, indices) of max_pool3d, whatever return_indices says (as torch)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 3)


class _AvgPool(Function):
    @staticmethod
    def forward(ctx, x, k=(), st=(), p=(), ceil=False, count_include_pad=True, divisor=None):
        m = xp(x)
        nd = len(k)
        d = (1,) * nd
        out, right = _pool_geometry(x, k, st, p, d, ceil)
        lead = x.ndim - nd
        xpad = m.pad(x, ((0, 0),) * lead + tuple((p[i], right[i]) for i in range(nd))) \
            if any(p) or any(right) else x
        x4 = xpad.reshape((-1, 1) + xpad.shape[lead:])
        win = _windows(x4, k, st, d, out)
        s = win.sum(axis=tuple(range(2 + nd, 2 + 2 * nd)))
        S = x.shape[lead:]
        if divisor is not None:
            div = m.asarray(float(divisor))
        else:
            # per-window element count: inside the input (+ left/right padding if counted)
            cnt = 1
            for i in range(nd):
                start = m.arange(out[i]) * st[i] - p[i]
                end = m.minimum(start + k[i], S[i] + (p[i] if count_include_pad else 0))
                lo = start if count_include_pad else m.maximum(start, 0)
                hi = end if count_include_pad else m.minimum(end, S[i])
                c = (hi - m.maximum(lo, -p[i])).astype(x.dtype)
                cnt = cnt * c.reshape(tuple(out[i] if j == i else 1 for j in range(nd)))
            div = cnt
        ctx.geom = (x.shape, k, st, p, out, right)
        ctx.div = div
        return (s / div).astype(x.dtype).reshape(x.shape[:lead] + out)

    @staticmethod
    def backward(ctx, g):
        return _AvgPoolBackward.apply(g, geom=ctx.geom, div=ctx.div)

    def name(self):
        return f"AvgPool{len(self.geom[1])}DBackward0"


class _AvgPoolBackward(Function):
    @staticmethod
    def forward(ctx, g, geom=None, div=None):
        ctx.geom, ctx.div = geom, div
        m = xp(g)
        shape, k, st, p, out, right = geom
        nd = len(k)
        lead = len(shape) - nd
        S = shape[lead:]
        padded = tuple(S[i] + p[i] + right[i] for i in range(nd))
        B = int(np.prod(shape[:lead])) if lead else 1
        gx = m.zeros((B,) + padded, dtype=g.dtype)
        g2 = (g.reshape((B,) + out) / div).astype(g.dtype)
        for kidx in np.ndindex(*k):
            sl = (slice(None),) + tuple(slice(kidx[i], kidx[i] + (out[i] - 1) * st[i] + 1, st[i])
                                        for i in range(nd))
            gx[sl] += g2
        crop = (slice(None),) + tuple(slice(p[i], p[i] + S[i]) for i in range(nd))
        return m.ascontiguousarray(gx[crop]).reshape(shape)

    @staticmethod
    def backward(ctx, gg):
        shape, k, st, p, out, right = ctx.geom
        return _AvgPool.apply(gg, k=k, st=st, p=p, ceil=False, divisor=None) * 0 + \
            _AvgPool.apply(gg, k=k, st=st, p=p, ceil=False)


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd):
    k = _tuple(kernel_size, nd)
    st = _tuple(stride if stride not in (None, [], ()) else kernel_size, nd)
    p = _tuple(padding, nd)
    for i in range(nd):
        if p[i] > k[i] // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p[i]}, kernel_size={k[i]} and dilation=1")
    return _AvgPool.apply(input, k=k, st=st, p=p, ceil=ceil_mode, count_include_pad=count_include_pad,
                          divisor=divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over sliding windows."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 3)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    k = _tuple(kernel_size, 2)
    out = avg_pool2d(input.pow(norm_type), k, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(k[0] * k[1]).pow(1.0 / norm_type)


# ---- separable linear resampling (adaptive avg pool, linear/bicubic/nearest interpolation) ------
class _Resample(Function):
    """y = x contracted with one matrix per trailing dim; backward contracts with the transposes."""

    @staticmethod
    def forward(ctx, x, mats=()):
        ctx.mats = mats
        m = xp(x)
        nd = len(mats)
        for i, M in enumerate(mats):
            ax = x.ndim - nd + i
            x = m.moveaxis(m.tensordot(x, M.astype(x.dtype, copy=False), axes=([ax], [1])), -1, ax)
        return m.ascontiguousarray(x)

    @staticmethod
    def backward(ctx, g):
        return _Resample.apply(g, mats=tuple(M.T for M in ctx.mats))

    def name(self):
        return "UpsampleBackward0"


def _adaptive_matrix(m, S, O):
    M = np.zeros((O, S))
    for i in range(O):
        a = (i * S) // O
        b = -((-(i + 1) * S) // O)
        M[i, a:b] = 1.0 / (b - a)
    return m.asarray(M)


def _adaptive_avg(input, output_size, nd):
    out = _tuple(output_size, nd) if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    if len(out) != nd:
        raise ValueError(f"adaptive_avg_pool{nd}d: output_size must be {nd}")
    S = input.shape[-nd:]
    out = tuple(S[i] if out[i] is None else out[i] for i in range(nd))
    m = xp(input._data)
    if all(o == 1 for o in out):
        return input.mean(tuple(range(-nd, 0)), keepdim=True)
    return _Resample.apply(input, mats=tuple(_adaptive_matrix(m, S[i], out[i]) for i in range(nd)))


def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg(input, output_size, 1)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size."""
    return _adaptive_avg(input, output_size, 2)


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg(input, output_size, 3)


class _AdaptiveMax(Function):
    differentiable_outputs = (0,)

    @staticmethod
    def forward(ctx, x, out=()):
        m = xp(x)
        nd = len(out)
        S = x.shape[-nd:]
        lead = x.shape[:-nd]
        vals = m.empty(lead + out, dtype=x.dtype)
        idx = m.empty(lead + out, dtype=np.int64)
        for o in np.ndindex(*out):
            sl, starts, sizes = [], [], []
            for i in range(nd):
                a = (o[i] * S[i]) // out[i]
                b = -((-(o[i] + 1) * S[i]) // out[i])
                sl.append(slice(a, b))
                starts.append(a)
                sizes.append(b - a)
            region = x[(Ellipsis,) + tuple(sl)].reshape(lead + (-1,))
            am = region.argmax(axis=-1)
            vals[(Ellipsis,) + o] = m.take_along_axis(region, am[..., None], -1)[..., 0]
            loc = m.stack(m.unravel_index(am, sizes), 0) if nd > 1 else am[None]
            pos = 0
            for i in range(nd):
                pos = pos * S[i] + (loc[i] + starts[i])
            idx[(Ellipsis,) + o] = pos
        ctx.shape = x.shape
        ctx.idx = idx
        ctx.nsp = nd
        return vals, idx

    @staticmethod
    def backward(ctx, g, _gi=None):
        return _ScatterPlanes.apply(g, idx=ctx.idx, shape=ctx.shape, nsp=ctx.nsp)

    def name(self):
        return "AdaptiveMaxPool2DBackward0"


def _scatter_planes_arr(g, idx, shape, nsp):
    """Scatter-add g into zeros(shape) at flat per-plane indices idx over the last nsp dims."""
    m = xp(g)
    lead = len(shape) - nsp
    plane = int(np.prod(shape[lead:]))
    B = int(np.prod(shape[:lead])) if lead else 1
    z = m.zeros(B * plane, dtype=g.dtype)
    gi = g.reshape(B, -1)
    ii = idx.reshape(B, -1) + (m.arange(B) * plane)[:, None]
    m.add.at(z, ii.reshape(-1), gi.reshape(-1))
    return z.reshape(shape)


class _ScatterPlanes(Function):
    @staticmethod
    def forward(ctx, g, idx=None, shape=(), nsp=2):
        ctx.idx, ctx.nsp = idx, nsp
        return _scatter_planes_arr(g, idx, shape, nsp)

    @staticmethod
    def backward(ctx, gg):
        d = gg._data
        lead = d.ndim - ctx.nsp
        B = int(np.prod(d.shape[:lead])) if lead else 1
        ii = ctx.idx.reshape(B, -1)
        return _wrap(xp(d).take_along_axis(d.reshape(B, -1), ii, 1).reshape(ctx.idx.shape))

    def name(self):
        return "MaxUnpool2DBackward0"


def adaptive_max_pool1d(input, output_size, return_indices=False):
    v, i = _AdaptiveMax.apply(input, out=_tuple(output_size, 1))
    return (v, i) if return_indices else v


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size."""
    out = _tuple(output_size, 2)
    out = tuple(input.shape[-2 + i] if out[i] is None else out[i] for i in range(2))
    v, i = _AdaptiveMax.apply(input, out=out)
    return (v, i) if return_indices else v


def adaptive_max_pool3d(input, output_size, return_indices=False):
    v, i = _AdaptiveMax.apply(input, out=_tuple(output_size, 3))
    return (v, i) if return_indices else v


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    k = _tuple(kernel_size, 2)
    st = _tuple(stride if stride is not None else kernel_size, 2)
    p = _tuple(padding, 2)
    H, W = input.shape[-2:]
    if output_size is None:
        oh = (H - 1) * st[0] - 2 * p[0] + k[0]
        ow = (W - 1) * st[1] - 2 * p[1] + k[1]
    else:
        oh, ow = tuple(output_size)[-2:]
    shape = tuple(input.shape[:-2]) + (oh, ow)
    return _ScatterPlanes.apply(input, idx=indices._data, shape=shape, nsp=2)


# ---- interpolate ----------------------------------------------------------------------------------
def _linear_matrix(m, S, O, align_corners, scale):
    M = np.zeros((O, S))
    for i in range(O):
        if align_corners:
            src = i * (S - 1) / (O - 1) if O > 1 else 0.0
        else:
            src = (i + 0.5) * scale - 0.5
            src = max(src, 0.0)
        i0 = min(int(math.floor(src)), S - 1)
        i1 = min(i0 + 1, S - 1)
        w1 = src - i0
        M[i, i0] += 1 - w1
        M[i, i1] += w1
    return m.asarray(M)


def _cubic_matrix(m, S, O, align_corners, scale):
    A = -0.75

    def c1(x):
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def c2(x):
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    M = np.zeros((O, S))
    for i in range(O):
        src = i * (S - 1) / (O - 1) if align_corners and O > 1 else \
            (0.0 if align_corners else (i + 0.5) * scale - 0.5)
        f = math.floor(src)
        t = src - f
        ws = (c2(t + 1), c1(t), c1(1 - t), c2(2 - t))
        for j, w in enumerate(ws):
            idx = min(max(f - 1 + j, 0), S - 1)
            M[i, idx] += w
    return m.asarray(M)


def _nearest_matrix(m, S, O, scale, exact):
    M = np.zeros((O, S))
    for i in range(O):
        src = math.floor((i + 0.5) * scale) if exact else math.floor(i * scale)
        M[i, min(src, S - 1)] = 1.0
    return m.asarray(M)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims (nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area)."""
    nd = input.dim() - 2
    if nd < 1:
        raise ValueError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                         f"for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                         f"nearest-exact (got {mode})")
    if align_corners is not None and mode in ("nearest", "nearest-exact", "area"):
        raise ValueError("align_corners option can only be set with the interpolating modes: linear | "
                         "bilinear | bicubic | trilinear")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    S = input.shape[2:]
    if size is not None:
        out = _tuple(size, nd)
        scales = [S[i] / out[i] for i in range(nd)]
    else:
        sf = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * nd
        if len(sf) != nd:
            raise ValueError("Input and scale_factor must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of {list(S)} and "
                             f"scale_factor of shape {tuple(sf)}. Please provide input tensor in "
                             "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) "
                             "format.")
        sf = [float(v) for v in sf]
        out = tuple(int(math.floor(S[i] * sf[i])) for i in range(nd))
        scales = [S[i] / out[i] if recompute_scale_factor else 1.0 / sf[i] for i in range(nd)]
    m = xp(input._data)
    ac = bool(align_corners)
    if mode == "area":
        return _adaptive_avg(input, out, nd)
    mats = []
    for i in range(nd):
        if mode in ("nearest", "nearest-exact"):
            mats.append(_nearest_matrix(m, S[i], out[i], scales[i], mode == "nearest-exact"))
        elif mode in ("linear", "bilinear", "trilinear"):
            mats.append(_linear_matrix(m, S[i], out[i], ac, scales[i]))
        elif mode == "bicubic":
            mats.append(_cubic_matrix(m, S[i], out[i], ac, scales[i]))
        else:
            raise NotImplementedError(f"interpolate mode '{mode}' is not supported")
    return _Resample.apply(input, mats=tuple(mats))


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, "bilinear", align_corners=True)


# ---- pixel shuffle, unfold/fold -------------------------------------------------------------------
def pixel_shuffle(input, upscale_factor):
    r = upscale_factor
    *lead, C, H, W = input.shape
    if C % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
                           f"square of upscale_factor, but input.size(-3)={C} is not divisible by {r * r}")
    x = input.reshape(*lead, C // (r * r), r, r, H, W)
    n = len(lead)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, C // (r * r), H * r, W * r)


def pixel_unshuffle(input, downscale_factor):
    r = downscale_factor
    *lead, C, H, W = input.shape
    x = input.reshape(*lead, C, H // r, r, W // r, r)
    n = len(lead)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, C * r * r, H // r, W // r)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks as columns: (N, C*kh*kw, L)."""
    from ._conv import ConvNd
    k = _tuple(kernel_size, 2)
    C = input.shape[1]
    from .. import eye
    w = eye(C * k[0] * k[1], dtype=input.dtype).reshape(C * k[0] * k[1], C, k[0], k[1])
    y = ConvNd.apply(input, w, stride=_tuple(stride, 2), padding=_tuple(padding, 2),
                     dilation=_tuple(dilation, 2), groups=1)
    return y.reshape(y.shape[0], y.shape[1], -1)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding blocks back into an image (the adjoint of unfold)."""
    from ._conv import ConvTransposeNd
    k = _tuple(kernel_size, 2)
    out = _tuple(output_size, 2)
    st, p, d = _tuple(stride, 2), _tuple(padding, 2), _tuple(dilation, 2)
    N, CK, L = input.shape
    C = CK // (k[0] * k[1])
    oh = (out[0] + 2 * p[0] - d[0] * (k[0] - 1) - 1) // st[0] + 1
    ow = (out[1] + 2 * p[1] - d[1] * (k[1] - 1) - 1) // st[1] + 1
    from .. import eye
    w = eye(CK, dtype=input.dtype).reshape(CK, C, k[0], k[1])
    x = input.reshape(N, CK, oh, ow)
    opad = tuple(out[i] - ((x.shape[2 + i] - 1) * st[i] - 2 * p[i] + d[i] * (k[i] - 1) + 1) for i in range(2))
    return ConvTransposeNd.apply(x, w, stride=st, padding=p, dilation=d, groups=1, output_padding=opad)

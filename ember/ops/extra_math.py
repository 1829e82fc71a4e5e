"""torch.* math the other modules lack: quantile, logcumsumexp, renorm, frexp, isin, histogram,
gradient, cumulative_trapezoid, the *_scatter family, index_reduce, window functions, and more.

Most are compositions of existing ember ops (so autograd and CuPy come for free); logcumsumexp
has its own node because the composition is not numerically stable.
"""
from __future__ import annotations

import builtins
import math
import sys

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap, register_methods
from ._binary import _out
from ._function import Function, xp
from ._inplace import inplace_fn
from . import pointwise as P
from .extra_special import i0, igamma, igammac, polygamma, mvlgamma
from .reduction import _return_type

# torch's field names (the shared table names these values/indices)
_frexp_t = _return_type("frexp", ("mantissa", "exponent"))
_histogram_t = _return_type("histogram", ("hist", "bin_edges"))
_histogramdd_t = _return_type("histogramdd", ("hist", "bin_edges"))
_trisolve_t = _return_type("triangular_solve", ("solution", "cloned_coefficient"))


def _E():
    return sys.modules["ember"]


def _wrap_dim(d: int, n: int) -> int:
    m = builtins.max(n, 1)
    if d < -m or d >= m:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-m}, {m - 1}], but got {d})")
    return d % m


# ---- quantile -----------------------------------------------------------------------------------
_INTERP = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, name):
    E = _E()
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dtype not in (D.float32, D.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _INTERP:
        raise ValueError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                         f"Got {interpolation}")
    scalar_q = not isinstance(q, Tensor)
    if scalar_q:
        qt = E.tensor([float(q)], dtype=input.dtype, device=input.device)
    else:
        if q.dim() > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.dtype != input.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        scalar_q = q.dim() == 0
        qt = q.reshape(-1)
    qd = qt._data
    if qd.size and (bool((qd < 0).any()) or bool((qd > 1).any())):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if dim is None:
        x = input.reshape(-1)
        d = 0
    else:
        d = _wrap_dim(dim, input.dim())
        x = input if input.dim() else input.reshape(1)
        x = x.movedim(d, -1)
    n_total = x.shape[-1]
    s = x.sort(dim=-1).values  # nan sorts last
    nanmask = x.isnan()
    if ignore_nan:
        n = (~nanmask).sum(-1, keepdim=True).to(input.dtype)  # valid count per row
    else:
        n = E.full(x.shape[:-1] + (1,), float(n_total), dtype=input.dtype, device=input.device)
    qv = qt.reshape((-1,) + (1,) * x.dim())  # (Q, 1, ..., 1)
    rank = qv * (n - 1).clamp(min=0)  # (Q, *rows, 1)
    if interpolation == "lower":
        rank = rank.floor()
    elif interpolation == "higher":
        rank = rank.ceil()
    elif interpolation == "nearest":
        rank = rank.round()
    lo = rank.floor().to(D.int64).clamp(0, n_total - 1)
    hi = rank.ceil().to(D.int64).clamp(0, n_total - 1)
    se = s.unsqueeze(0).expand((qt.shape[0],) + tuple(s.shape))
    vlo = se.gather(-1, lo)
    vhi = se.gather(-1, hi)
    if interpolation == "midpoint":
        w = E.where(hi > lo, 0.5, 0.0).to(input.dtype)
    elif interpolation == "linear":
        w = rank - rank.floor()
    else:
        w = E.zeros_like(rank)
    r = (vlo + (vhi - vlo) * w).squeeze(-1)  # (Q, *rows)
    bad = (n == 0) if ignore_nan else nanmask.any(-1, keepdim=True)
    r = E.where(bad.squeeze(-1).unsqueeze(0), math.nan, r)
    if keepdim:
        if dim is None:
            r = r.reshape((r.shape[0],) + (1,) * input.dim())
        elif input.dim():
            r = r.unsqueeze(d + 1)
    if scalar_q:
        r = r.squeeze(0)
    return r


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None) -> Tensor:
    """The q-th quantiles of input (along dim, or of all elements)."""
    return _out(_quantile(input, q, dim, keepdim, interpolation, False, "quantile"), out)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None) -> Tensor:
    """quantile ignoring NaN values."""
    return _out(_quantile(input, q, dim, keepdim, interpolation, True, "nanquantile"), out)


# ---- logcumsumexp -----------------------------------------------------------------------------------
def _lcse_array(a, axis):
    m = xp(a)
    if m is np:
        return np.logaddexp.accumulate(a, axis=axis) if a.size else a.copy()
    out = m.empty_like(a)  # CuPy has no ufunc.accumulate: a sequential scan over the axis
    a2, o2 = m.moveaxis(a, axis, 0), m.moveaxis(out, axis, 0)
    acc = None
    for i in range(a2.shape[0]):
        acc = a2[i] if acc is None else m.logaddexp(acc, a2[i])
        o2[i] = acc
    return out


class _LogCumSumExp(Function):
    save = (0,)
    save_output = True

    @staticmethod
    def forward(ctx, x, dim=0):
        ctx.dim = dim
        if x.ndim == 0:
            return x.copy()
        return _lcse_array(x, dim)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        y = ctx.output
        if x.dim() == 0:
            return g
        d = ctx.dim
        E = _E()
        # grad_i = sum_{j>=i} g_j exp(x_i - y_j), split by the sign of g to stay in log space
        def rev_lcse(t):
            return logcumsumexp(t.flip(d), d).flip(d)
        # -inf entries (empty prefixes) get zero gradient; keep every branch finite so that
        # double backward through the masked branches never produces nan
        xm = x.isneginf()
        xs = E.where(xm, 0.0, x)
        ys = E.where(y.isneginf(), 0.0, y)
        neg_inf = E.full_like(g, -math.inf)
        lg_pos = E.where(g > 0, E.where(g > 0, g, 1.0).log(), neg_inf) - ys
        lg_neg = E.where(g < 0, E.where(g < 0, -g, 1.0).log(), neg_inf) - ys
        r = (xs + rev_lcse(lg_pos)).exp() - (xs + rev_lcse(lg_neg)).exp()
        return E.where(xm, 0.0, r)


def logcumsumexp(input, dim, *, out=None) -> Tensor:
    """log(cumsum(exp(input))) along dim, computed stably."""
    d = _wrap_dim(dim, input.dim())
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{P._type_word(input.dtype)}'")
    return _out(_LogCumSumExp.apply(input, dim=d), out)


# ---- renorm / dist ------------------------------------------------------------------------------
def renorm(input, p, dim, maxnorm, *, out=None) -> Tensor:
    """Rescale each sub-tensor along dim whose p-norm exceeds maxnorm to have norm maxnorm."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError("renorm: input needs to be floating point or complex")
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.dim() <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.dim()} dimensions")
    d = _wrap_dim(dim, input.dim())
    others = [i for i in range(input.dim()) if i != d]
    norm = _E().linalg.vector_norm(input, p, dim=others, keepdim=True)
    factor = _E().where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)  # differentiable, as torch
    return _out(input * factor.to(input.dtype if input.dtype.is_floating_point else norm.dtype), out)


def dist(input, other, p=2) -> Tensor:
    """p-norm of (input - other)."""
    return _E().linalg.vector_norm(input - other, p)


# ---- frexp / isin / unravel_index --------------------------------------------------------------
class _Mantissa(Function):
    """frexp's mantissa; its derivative is 2**-exponent (the exponent is piecewise constant)."""

    @staticmethod
    def forward(ctx, x, ex=None):
        ctx.ex = ex
        return xp(x).ldexp(x, -ex).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        m = xp(g._data)
        return g * _wrap(m.ldexp(m.ones_like(g._data), -ctx.ex))

    def name(self):
        return "FrexpBackward0"


def frexp(input, *, out=None):
    """Decompose into mantissa in [0.5, 1) and integer exponent: input = mantissa * 2**exponent."""
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    ex = xp(input._data).frexp(input._data)[1].astype(np.int32)
    r = _frexp_t((_Mantissa.apply(input, ex=ex), _wrap(ex)))
    if out is not None:
        out[0].copy_(r[0])
        out[1].copy_(r[1])
        return out
    return r


def isin(elements, test_elements, *, assume_unique=False, invert=False) -> Tensor:
    """Whether each element of elements is in test_elements."""
    E = _E()
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments: expected at least one Tensor")
    ref = elements if isinstance(elements, Tensor) else test_elements
    a = elements._data if isinstance(elements, Tensor) else xp(ref._data).asarray(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else xp(ref._data).asarray(test_elements)
    m = xp(ref._data)
    r = m.isin(a, b, invert=invert)
    return _wrap(m.asarray(r, dtype=np.bool_))


def unravel_index(indices, shape):
    """Convert flat indices into a tuple of coordinate tensors for shape."""
    E = _E()
    if not isinstance(indices, Tensor):
        indices = E.tensor(indices)
    if indices.dtype.is_floating_point or indices.dtype.is_complex or indices.dtype == D.bool_:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(shape))
    total = 1
    for s in shape:
        total *= s
    idx = indices._data.astype(np.int64)
    if idx.size and (bool((idx < -total).any()) or bool((idx >= total).any())):
        raise RuntimeError("index out of range")
    idx = xp(idx).where(idx < 0, idx + total, idx)
    out = []
    for s in reversed(shape):
        out.append(_wrap(idx % s if s else idx * 0))
        idx = idx // s if s else idx
    return tuple(reversed(out))


# ---- histogram ----------------------------------------------------------------------------------
def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):
    """Histogram of input's values: (hist, bin_edges)."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have the same dtype, "
                           f"but got input {input.dtype}")
    m = xp(input._data)
    a = input._data.reshape(-1)
    w = None if weight is None else weight._data.reshape(-1)
    if isinstance(bins, Tensor):
        edges = bins._data
    else:
        lo, hi = (float(a.min()), float(a.max())) if range is None and a.size else (range or (0.0, 0.0))
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = m.linspace(lo, hi, int(bins) + 1, dtype=np.float64).astype(input._data.dtype)
    h, _ = m.histogram(a, bins=edges.astype(np.float64), weights=w, density=density)
    return _histogram_t((_wrap(h.astype(input._data.dtype)), _wrap(edges.astype(input._data.dtype))))


def histogramdd(input, bins=10, *, range=None, weight=None, density=False, out=None):
    """D-dimensional histogram of the rows of input (..., D): (hist, tuple of D bin_edges)."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same dtype, "
                           f"but got input {input.dtype}")
    nd = input.shape[-1]
    a = np.asarray(input._data.get() if hasattr(input._data, "get") else input._data).reshape(-1, nd)
    if isinstance(bins, int):
        nb = [bins] * nd
    elif all(isinstance(b, Tensor) for b in bins):
        nb = [np.asarray(b._data, dtype=np.float64) for b in bins]
    else:
        nb = [int(b) for b in bins]
    rng = None
    if range is not None:
        rng = [(float(range[2 * i]), float(range[2 * i + 1])) for i in builtins.range(nd)]
    elif not isinstance(nb[0], np.ndarray) and a.shape[0]:
        lo, hi = a.min(axis=0).astype(np.float64), a.max(axis=0).astype(np.float64)
        rng = [(lo[i] - 0.5, hi[i] + 0.5) if lo[i] == hi[i] else (lo[i], hi[i]) for i in builtins.range(nd)]
    w = None if weight is None else np.asarray(weight._data).reshape(-1)
    if rng is not None and not isinstance(nb[0], np.ndarray):  # edges as torch's linspace makes them
        from .creation import linspace
        dtype = D._NP2DT[np.dtype(input._data.dtype)]
        nb = [np.asarray(linspace(lo, hi, n + 1, dtype=dtype)._data, dtype=np.float64)
              for (lo, hi), n in zip(rng, nb)]
        rng = None
    h, edges = np.histogramdd(a.astype(np.float64), bins=nb, range=rng, weights=w, density=density)
    dt = input._data.dtype
    return _histogramdd_t((_wrap(xp(input._data).asarray(h.astype(dt))),
                           tuple(_wrap(xp(input._data).asarray(e.astype(dt))) for e in edges)))


# ---- gradient / cumulative_trapezoid -----------------------------------------------------------
def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Estimate the derivative along each dim with central differences (as numpy.gradient)."""
    E = _E()
    if edge_order not in (1, 2):
        raise RuntimeError(f"torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = list(range(input.dim())) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    dims = [_wrap_dim(d, input.dim()) for d in dims]
    if isinstance(spacing, (int, float)) or (isinstance(spacing, Tensor) and spacing.dim() == 0):
        sp = [float(spacing)] * len(dims)
    else:
        sp = list(spacing)
        if len(sp) == 1 and len(dims) > 1:
            sp = sp * len(dims)
        if len(sp) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing "
                               f"and dim arguments to have the same length, but got a spacing argument of "
                               f"length {len(sp)} and a dim argument of length {len(dims)}.")
    x = input if input.dtype.is_floating_point or input.dtype.is_complex else input.to(D.get_default_dtype())
    outs = []
    for d, h in zip(dims, sp):
        n = x.shape[d]
        if n < edge_order + 1:
            raise RuntimeError(f"torch.gradient expected each dimension size to be at least edge_order+1")
        if isinstance(h, Tensor) and h.dim() == 1:
            outs.append(_gradient_coords(x, d, h.to(x.dtype), edge_order))
            continue
        h = float(h)
        inner = (x.narrow(d, 2, n - 2) - x.narrow(d, 0, n - 2)) / (2 * h)
        if edge_order == 1:
            first = (x.narrow(d, 1, 1) - x.narrow(d, 0, 1)) / h
            last = (x.narrow(d, n - 1, 1) - x.narrow(d, n - 2, 1)) / h
        else:
            first = (-1.5 * x.narrow(d, 0, 1) + 2 * x.narrow(d, 1, 1) - 0.5 * x.narrow(d, 2, 1)) / h
            last = (0.5 * x.narrow(d, n - 3, 1) - 2 * x.narrow(d, n - 2, 1) + 1.5 * x.narrow(d, n - 1, 1)) / h
        outs.append(E.cat([first, inner, last], d))
    return tuple(outs)


def _gradient_coords(x, d, c, edge_order):
    E = _E()
    n = x.shape[d]
    shape = [1] * x.dim()
    shape[d] = -1
    dx = (c[1:] - c[:-1]).reshape(shape)
    a, b = dx.narrow(d, 0, n - 2), dx.narrow(d, 1, n - 2)
    f0, f1, f2 = x.narrow(d, 0, n - 2), x.narrow(d, 1, n - 2), x.narrow(d, 2, n - 2)
    inner = (-b / (a * (a + b))) * f0 + ((b - a) / (a * b)) * f1 + (a / (b * (a + b))) * f2
    h0, hl = dx.narrow(d, 0, 1), dx.narrow(d, n - 2, 1)
    first = (x.narrow(d, 1, 1) - x.narrow(d, 0, 1)) / h0
    last = (x.narrow(d, n - 1, 1) - x.narrow(d, n - 2, 1)) / hl
    return E.cat([first, inner, last], d)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1) -> Tensor:
    """Cumulative trapezoidal rule along dim."""
    d = _wrap_dim(dim, y.dim())
    n = y.shape[d]
    if n == 0:
        return y.narrow(d, 0, 0)
    avg = (y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1)) / 2
    if x is not None:
        if x.dim() == 1:
            shape = [1] * y.dim()
            shape[d] = -1
            dxs = (x[1:] - x[:-1]).reshape(shape)
        else:
            m = x.shape[d]
            dxs = x.narrow(d, 1, m - 1) - x.narrow(d, 0, m - 1)
        avg = avg * dxs
    elif dx is not None:
        avg = avg * dx
    return avg.cumsum(d)


# ---- *_scatter: out-of-place "write src into a view of a copy of input" --------------------------
def _scatter_into(input, src, view_fn):
    r = input.clone()
    v = view_fn(r)
    if tuple(v.shape) != tuple(src.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(v.shape)}")
    v.copy_(src)
    return r


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1) -> Tensor:
    """input with its diagonal (offset, dim1, dim2) replaced by src."""
    return _scatter_into(input, src, lambda r: r.diagonal(offset, dim1, dim2))


def select_scatter(input, src, dim, index) -> Tensor:
    """input with input.select(dim, index) replaced by src."""
    return _scatter_into(input, src, lambda r: r.select(dim, index))


def slice_scatter(input, src, dim=0, start=None, end=None, step=1) -> Tensor:
    """input with the slice start:end:step along dim replaced by src."""
    def view(r):
        key = [slice(None)] * r.dim()
        key[dim] = slice(start, end, step)
        return r[tuple(key)]
    return _scatter_into(input, src, view)


def as_strided_scatter(input, src, size, stride, storage_offset=None) -> Tensor:
    """input with the as_strided(size, stride, storage_offset) view replaced by src."""
    base = input.contiguous().clone()
    return _scatter_into(base, src, lambda r: r.as_strided(size, stride, storage_offset))


# ---- index_reduce / fill_diagonal_ ------------------------------------------------------------------
def index_reduce(input, dim, index, source, reduce, *, include_self=True, out=None) -> Tensor:
    """Reduce (prod, mean, amax, amin) slices of source into input at index along dim."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
                           f"{reduce}.")
    d = _wrap_dim(dim, input.dim())
    if index.dim() > 1:
        raise IndexError("index_reduce_(): Index is supposed to be a vector")
    if index.dtype not in (D.int64, D.int32):
        raise RuntimeError("index_reduce_(): Expected dtype int32/int64 for index")
    src = source if source.dim() else source.reshape(1)
    shape = [1] * src.dim()
    shape[d if input.dim() else 0] = -1
    idx = index.to(D.int64).reshape(shape).expand(src.shape)
    base = input if input.dim() else input.reshape(1)
    r = base.scatter_reduce(d if input.dim() else 0, idx, src.to(input.dtype), reduce, include_self=include_self)
    return _out(r.reshape(input.shape), out)


def fill_diagonal_(self, fill_value, wrap=False) -> Tensor:
    """Fill the main diagonal in place (all dims equal, or a tall 2-D matrix with optional wrap)."""
    nd = self.dim()
    if nd < 2:
        raise RuntimeError("dimensions must larger than 1")
    if nd > 2 and len(set(self.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    if nd == 2:
        rows, cols = self.shape
        n = rows if wrap else builtins.min(rows, cols)
        step = cols + 1
        flat_idx = [i * step for i in builtins.range((n * cols + cols) // step + 1) if i * step < n * cols] \
            if wrap else [i * (cols + 1) for i in builtins.range(builtins.min(rows, cols))]
        r_idx = [k // cols for k in flat_idx]
        c_idx = [k % cols for k in flat_idx]
    else:
        n = self.shape[0]
        r_idx = c_idx = list(builtins.range(n))
    E = _E()
    if nd == 2:
        key = (E.tensor(r_idx, dtype=D.int64), E.tensor(c_idx, dtype=D.int64))
    else:
        key = tuple(E.arange(self.shape[0]) for _ in builtins.range(nd))
    if len(r_idx) == 0:
        return self
    self[key] = fill_value
    return self


# ---- window functions -------------------------------------------------------------------------------
def _window(name, n, periodic, dtype, device, requires_grad, fn):
    E = _E()
    dt = dtype or D.get_default_dtype()
    if not dt.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    if n < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={n}")
    if n == 0:
        return E.empty(0, dtype=dt, device=device, requires_grad=requires_grad)
    if n == 1:
        return E.ones(1, dtype=dt, device=device, requires_grad=requires_grad)
    N = n + 1 if periodic else n
    k = np.arange(n, dtype=np.float64)
    w = fn(k, N)
    r = E.tensor(w, dtype=dt, device=device)
    return r.requires_grad_(requires_grad) if requires_grad else r


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    """Hann window."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, N: 0.5 - 0.5 * np.cos(2 * np.pi * k / (N - 1)))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None,
                   device=None, requires_grad=False):
    """Hamming window (alpha - beta cos)."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, N: alpha - beta * np.cos(2 * np.pi * k / (N - 1)))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False):
    """Blackman window."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, N: 0.42 - 0.5 * np.cos(2 * np.pi * k / (N - 1)) + 0.08 * np.cos(4 * np.pi * k / (N - 1)))


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False):
    """Bartlett (triangular) window."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, N: 1 - np.abs(2 * k / (N - 1) - 1))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  requires_grad=False):
    """Kaiser window with shape parameter beta."""
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, N: np.i0(beta * np.sqrt(np.clip(1 - (2 * k / (N - 1) - 1) ** 2, 0, None)))
                   / np.i0(beta))


# ---- creation odds and ends ---------------------------------------------------------------------
def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False) -> Tensor:
    """An (uninitialised; zeros in ember) tensor with the given size and stride."""
    E = _E()
    proto = E.empty(0, dtype=dtype or D.get_default_dtype(), device=device)
    return proto.new_empty_strided(tuple(size), tuple(stride), requires_grad=requires_grad)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False) -> Tensor:
    """An empty tensor whose memory is laid out in physical_layout's dim order."""
    E = _E()
    size, phys = tuple(size), tuple(physical_layout)
    if sorted(phys) != list(builtins.range(len(size))):
        raise RuntimeError(f"Dimension out of range / physical_layout {list(phys)} is not a permutation")
    t = E.empty([size[p] for p in phys], dtype=dtype, device=device)
    inv = [phys.index(i) for i in builtins.range(len(size))]
    t = t.permute(inv)
    t._base = None
    return t.requires_grad_(requires_grad) if requires_grad else t


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False) -> Tensor:
    """A 1-D tensor sharing memory with a Python buffer object."""
    arr = np.frombuffer(buffer, dtype=dtype.np, count=count, offset=offset)
    if not memoryview(buffer).readonly:
        arr.flags.writeable = True if arr.base is not None and not memoryview(buffer).readonly else arr.flags.writeable
    t = _wrap(arr)
    return t.requires_grad_(requires_grad) if requires_grad else t


def from_file(filename, shared=None, size=0, *, dtype=None, layout=None, device=None,
              pin_memory=False) -> Tensor:
    """A 1-D CPU tensor of ``size`` elements backed by a memory-mapped file: shared=True maps it
    read-write (created or extended as needed; writes reach the file), otherwise copy-on-write."""
    import os
    from .. import _dtype as D
    dt = dtype or D.get_default_dtype()
    size = int(size)
    need = size * np.dtype(dt.np).itemsize
    name = os.fspath(filename)
    if shared:
        try:
            fd = os.open(name, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as e:
            raise RuntimeError(f"unable to open file <{name}> in read-write mode: {e.strerror} ({e.errno})") from None
        try:
            if os.fstat(fd).st_size < need:
                os.ftruncate(fd, need)
        finally:
            os.close(fd)
        mode = "r+"
    else:
        try:
            have = os.path.getsize(name)
        except OSError as e:
            raise RuntimeError(f"unable to open file <{name}> in read-only mode: {e.strerror} ({e.errno})") from None
        if have < need:
            raise RuntimeError(f"file <{name}> size <{have}> is smaller than the required mapping size <{need}>")
        mode = "c"
    if size == 0:
        return _wrap(np.zeros(0, dt.np))
    # a plain ndarray view (ember tells devices apart by array type); it keeps the map alive
    return _wrap(np.memmap(name, dtype=dt.np, mode=mode, shape=(size,)).view(np.ndarray))


def binomial(count, prob, generator=None) -> Tensor:
    """Draw Binomial(count, prob) samples elementwise."""
    from .random import _gen
    g = _gen(generator, count.device)
    if g._device.type == "cpu":  # torch's own sampler, draw for draw
        from .random_gamma import binomial_cpu
        return _wrap(binomial_cpu(g, count._data, prob._data).astype(count._data.dtype))
    rng = g._sampler()
    c = count._data.astype(np.int64)
    r = rng.binomial(c, np.clip(prob._data.astype(np.float64), 0, 1))
    return _wrap(xp(count._data).asarray(r, dtype=count._data.dtype))


# ---- linear algebra helpers with torch's legacy names ---------------------------------------------
def cholesky_inverse(L, upper=False, *, out=None) -> Tensor:
    """Inverse of A from its Cholesky factor (A = L L^H, or U^H U when upper)."""
    A = L.mH @ L if upper else L @ L.mH
    return _out(_E().linalg.inv(A), out)


def cholesky_solve(B, L, upper=False, *, out=None) -> Tensor:
    """Solve A X = B given A's Cholesky factor."""
    A = L.mH @ L if upper else L @ L.mH
    return _out(_E().linalg.solve(A, B), out)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """Solve A X = b for triangular A: returns (solution, cloned_coefficient)."""
    E = _E()
    T = A.triu() if upper else A.tril()
    if unitriangular:
        eye = E.eye(A.shape[-1], dtype=A.dtype, device=A.device)
        T = T * (1 - eye) + eye
    if transpose:
        T = T.mT
    X = E.linalg.solve(T, b)
    return _trisolve_t((X, A.clone()))


def nuclear_norm(input, dim=None, keepdim=False, *, out=None) -> Tensor:
    """Sum of singular values (of the last two dims, or dim=(d0, d1))."""
    dims = (-2, -1) if dim is None else tuple(dim)
    return _out(_E().linalg.matrix_norm(input, "nuc", dim=dims, keepdim=keepdim), out)


register_methods({
    "quantile": quantile, "nanquantile": nanquantile, "logcumsumexp": logcumsumexp,
    "renorm": renorm, "renorm_": inplace_fn(renorm), "dist": dist, "frexp": frexp,
    "histogram": histogram, "histogramdd": histogramdd, "diagonal_scatter": diagonal_scatter, "select_scatter": select_scatter,
    "slice_scatter": slice_scatter, "as_strided_scatter": as_strided_scatter,
    "index_reduce": index_reduce, "index_reduce_": inplace_fn(index_reduce), "fill_diagonal_": fill_diagonal_,
    "cholesky_inverse": cholesky_inverse, "cholesky_solve": cholesky_solve,
    "triangular_solve": triangular_solve, "i0": i0, "i0_": inplace_fn(i0),
    "igamma": igamma, "igamma_": inplace_fn(igamma), "igammac": igammac, "igammac_": inplace_fn(igammac),
    "polygamma": lambda self, n: polygamma(n, self),
    "polygamma_": lambda self, n: inplace_fn(lambda s, n: polygamma(n, s))(self, n),
    "mvlgamma": lambda self, p: mvlgamma(self, p),
    "mvlgamma_": lambda self, p: inplace_fn(lambda s, p: mvlgamma(s, p))(self, p),
})

__all__ = ["quantile", "nanquantile", "logcumsumexp", "renorm", "dist", "frexp", "isin", "unravel_index",
           "histogram", "histogramdd", "gradient", "cumulative_trapezoid", "diagonal_scatter", "select_scatter",
           "slice_scatter", "as_strided_scatter", "index_reduce", "hann_window", "hamming_window",
           "blackman_window", "bartlett_window", "kaiser_window", "empty_strided", "empty_permuted",
           "frombuffer", "from_file", "binomial", "cholesky_inverse", "cholesky_solve", "triangular_solve",
           "nuclear_norm", "i0", "igamma", "igammac", "polygamma", "mvlgamma"]

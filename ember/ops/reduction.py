"""Reductions over dims: sum, nansum, mean, nanmean, prod, logsumexp, all/any, count_nonzero.

Also the shared machinery of every reducing/selecting op: ``dims_arg`` (dim normalisation),
``expand_grad``, the gather/scatter-add pair used by value-selecting backwards, and
``ember.return_types`` (torch's named result tuples such as ``torch.return_types.max``).
More reductions live in reduction_minmax.py, reduction_stats.py and sorting.py.
"""
from __future__ import annotations

import sys
import types

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap, register_methods
from ..autograd.grad_mode import state as _gs
from ._function import Function, xp
from ._kernels import full_sum


# ---- dims --------------------------------------------------------------------------------------
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
        out.append(t._wrap_dim(int(d)) if t._data.ndim else _wrap0(int(d)))
    if len(set(out)) != len(out):
        dup = next(d for d in out if out.count(d) > 1)
        raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
    return tuple(sorted(out))


def _wrap0(d: int) -> int:
    """A 0-dim tensor accepts dims -1 and 0, both meaning 0 (worked around here for the core)."""
    if d not in (-1, 0):
        raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], but got {d})")
    return 0


def reduce_dims(t: Tensor, dim):
    """dims for a backend reduction: None means all (also for ``dim=()`` and for 0-dim inputs)."""
    dims = dims_arg(t, dim)
    if dims is not None and (len(dims) == 0 or t._data.ndim == 0):
        return None
    return dims


def one_dim(t: Tensor, dim) -> int:
    """A single reduction dim (int or name), wrapped; 0 for a 0-dim tensor."""
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"dim must be an int, not {type(dim).__name__}")
    if isinstance(dim, str):
        return t._name_to_dim(dim)
    return t._wrap_dim(int(dim)) if t._data.ndim else _wrap0(int(dim))


def reduced_names(t: Tensor, dims, keepdim):
    """Dimension names surviving a reduction (None for unnamed tensors)."""
    if t._names is None:
        return None
    if keepdim:
        return t._names
    if dims is None:
        return None
    return tuple(n for i, n in enumerate(t._names) if i not in dims)


_reduced_names = reduced_names


def _named(r: Tensor, t: Tensor, dims, keepdim) -> Tensor:
    n = reduced_names(t, dims, keepdim)
    if n is not None and r._data.ndim == len(n):
        r._names = n
    return r


def expand_grad(g: Tensor, in_shape, dims, keepdim) -> Tensor:
    """Undo a reduction's shape change on a gradient: unsqueeze reduced dims, expand to input."""
    if not _gs.grad_enabled:  # plain backward records nothing: one broadcast view, no view ops
        a = g._data
        if dims is None:
            a = a.reshape((1,) * len(in_shape))
        elif not keepdim:
            ks = list(a.shape)
            for d in dims:
                ks.insert(d, 1)
            a = a.reshape(ks)
        return _wrap(broadcast_view(a, in_shape))
    if dims is None:
        return g.reshape((1,) * len(in_shape)).expand(in_shape) if in_shape else g.reshape(())
    if not keepdim:
        for d in dims:
            g = g.unsqueeze(d)
    return g.expand(in_shape)


def broadcast_view(a, shape):
    """A read-only view of backend array ``a`` (same ndim, size-1 dims where it differs) broadcast
    to ``shape`` (stride 0 on broadcast dims). NumPy's broadcast_to costs several microseconds in
    Python; building the view directly is what keeps per-step backward overhead low."""
    shape = tuple(shape)
    if a.shape == shape:
        return a
    if a.__class__ is np.ndarray and a.flags.c_contiguous and a.dtype.kind in "biufc":
        st = tuple(s if n == m else 0 for s, n, m in zip(a.strides, a.shape, shape))
        # read-only through a read-only buffer: setting flags.writeable on views grows NumPy's
        # internal caches (the flat-memory training-loop test notices)
        return np.ndarray(shape, a.dtype, memoryview(a).toreadonly(), 0, st)
    return xp(a).broadcast_to(a, shape)


def keep(g: Tensor, dims, ndim) -> Tensor:
    """A reduced tensor reshaped so it broadcasts against the input (keepdim form)."""
    if dims is None:
        return g.reshape((1,) * ndim)
    if g.dim() == ndim:
        return g
    for d in dims:
        g = g.unsqueeze(d)
    return g


def _arr(m, r, dtype=None):
    """Backend reductions may hand back NumPy scalars: make them arrays of the intended dtype."""
    r = m.asarray(r)
    return r if dtype is None or r.dtype == dtype else r.astype(dtype)


def _acc_dtype(npdt):
    """torch accumulates half types in float32 (and integers in int64 for sum/prod)."""
    if npdt == np.float16 or npdt == D.bfloat16.np:
        return np.float32
    return None


def type_word(dt) -> str:
    from .pointwise import _type_word
    return _type_word(dt)


def _o(r, out):
    if out is None:
        return r
    from ._binary import _out
    return _out(r, out)


def _dtype_np(dtype):
    return None if dtype is None else dtype.np


# ---- gather / scatter-add along one dim (value-selecting backwards) ----------------------------
def _grids(m, shape, dim, idx):
    g = []
    for i, n in enumerate(shape):
        if i == dim:
            g.append(idx)
        else:
            s = [1] * len(shape)
            s[i] = n
            g.append(m.arange(n).reshape(s))
    return tuple(g)


class Gather(Function):
    """Pick ``x`` at ``idx`` along ``dim`` (same rank); backward scatter-adds."""

    save = (1,)

    @staticmethod
    def forward(ctx, x, idx, dim=0):
        ctx.in_shape, ctx.dim = x.shape, dim
        return xp(x).take_along_axis(x, idx, axis=dim)

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        return ScatterAdd.apply(g, idx, shape=ctx.in_shape, dim=ctx.dim), None


class ScatterAdd(Function):
    """Zeros of ``shape`` with ``src`` added at ``idx`` along ``dim``; backward gathers."""

    save = (1,)

    @staticmethod
    def forward(ctx, src, idx, shape=(), dim=0):
        ctx.dim = dim
        m = xp(src)
        out = m.zeros(shape, dtype=src.dtype)
        if src.size:
            m.add.at(out, _grids(m, idx.shape, dim, idx), src)
        return out

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        return Gather.apply(g, idx, dim=ctx.dim), None


class Flip(Function):
    @staticmethod
    def forward(ctx, x, dims=()):
        ctx.dims = dims
        return xp(x).flip(x, axis=dims).copy()

    @staticmethod
    def backward(ctx, g):
        return Flip.apply(g, dims=ctx.dims)


class Select(Function):
    """Base of ops returning (values, indices) picked along one dim; the gradient goes to the picks.

    Subclasses define ``pick(x, dim, **kw)`` giving int64 indices along ``dim`` of an array with at
    least one dim (keeping ``dim``). ``keepdim=False`` drops ``dim`` from both outputs.
    """

    differentiable_outputs = (0,)

    @staticmethod
    def pick(x, dim, **kw):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, x, dim=0, keepdim=True, **kw):
        m = xp(x)
        ctx.in_shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        x1 = x.reshape(1) if x.ndim == 0 else x
        idx = m.asarray(cls.pick(x1, dim, **kw), dtype=np.int64)
        vals = m.take_along_axis(x1, idx, axis=dim)
        if x.ndim == 0:
            vals, idx = vals.reshape(()), idx.reshape(())
        elif not keepdim:
            vals, idx = m.squeeze(vals, axis=dim), m.squeeze(idx, axis=dim)
        ctx.s_idx = idx
        return vals, idx

    @staticmethod
    def backward(ctx, g, _gi=None):
        idx = _wrap(ctx.s_idx)
        shape = ctx.in_shape
        if not shape:
            return ScatterAdd.apply(g.reshape(1), idx.reshape(1), shape=(1,), dim=0).reshape(())
        if not ctx.keepdim:
            g, idx = g.unsqueeze(ctx.dim), idx.unsqueeze(ctx.dim)
        return ScatterAdd.apply(g, idx, shape=shape, dim=ctx.dim)


def select_op(name: str, pick) -> type:
    """A Select subclass whose autograd node prints as ``<name>``."""
    return type(name, (Select,), {"pick": staticmethod(pick)})


# ---- torch.return_types -------------------------------------------------------------------------
return_types = types.ModuleType("ember.return_types", "Named tuples returned by ops (as torch.return_types).")
sys.modules["ember.return_types"] = return_types


class _ReturnType(tuple):
    """A tuple with named fields printing as torch's ``torch.return_types.<op>(...)``."""

    __slots__ = ()
    _fields: tuple = ()
    n_fields = n_sequence_fields = 2
    n_unnamed_fields = 0

    def __new__(cls, seq, *rest):
        if rest:  # allow cls(a, b) as well as torch's cls((a, b))
            seq = (seq,) + rest
        seq = tuple(seq)
        if len(seq) != len(cls._fields):
            raise TypeError(f"torch.return_types.{cls.__name__} takes a {len(cls._fields)}-sequence "
                            f"({len(seq)}-sequence given)")
        return tuple.__new__(cls, seq)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"torch.return_types.{type(self).__name__}(\n{body})"

    __str__ = __repr__

    def __reduce__(self):
        return (type(self), (tuple(self),))


def _return_type(name: str, fields=("values", "indices")) -> type:
    ns = {"__slots__": (), "_fields": tuple(fields), "__module__": "ember.return_types",
          "__qualname__": name, "n_fields": len(fields), "n_sequence_fields": len(fields)}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: tuple.__getitem__(self, i))
    cls = type(name, (_ReturnType,), ns)
    setattr(return_types, name, cls)
    return cls


for _n in ("max", "min", "median", "nanmedian", "mode", "kthvalue", "sort", "topk", "cummax",
           "cummin", "slogdet", "qr", "svd", "eigh", "histogram", "frexp"):
    _return_type(_n)
_return_type("geqrf", ("a", "tau"))
_return_type("lu_unpack", ("P", "L", "U"))
_return_type("linalg_ldl_factor", ("LD", "pivots"))
_return_type("linalg_ldl_factor_ex", ("LD", "pivots", "info"))
_return_type("aminmax", ("min", "max"))
return_types.__all__ = [n for n in vars(return_types) if not n.startswith("_")]


# ---- sum / nansum ------------------------------------------------------------------------------
def _sum_dtype(x, dtype):
    """(accumulate dtype, result dtype) for sum-like reductions of array x."""
    if dtype is not None:
        return (_acc_dtype(dtype) or dtype), dtype
    if x.dtype.kind in "bui":
        return np.int64, np.int64
    acc = _acc_dtype(x.dtype)
    return (acc or x.dtype), x.dtype


class _DimNamed(Function):
    """torch names the full reduction ``XBackward0`` and the one given a dim ``XBackward1``."""

    def name(self):
        op = type(self).__dict__.get("_node_base", type(self))  # the op class, not its renamed node class
        return op.__name__ + ("Backward1" if self.__dict__.get("has_dim") else "Backward0")


class Sum(_DimNamed):
    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, dtype=None, has_dim=False):
        d = ctx.__dict__
        d["in_shape"], d["dims"], d["keepdim"], d["has_dim"] = x.shape, dims, keepdim, has_dim
        if dtype is None and x.__class__ is np.ndarray:
            # the ufunc directly (np.sum's Python wrapper costs more than a small sum), and
            # integer/bool inputs accumulate in int64 inside the loop instead of via a cast copy;
            # a NumPy scalar result is made a 0-d array by _wrap
            dt = x.dtype
            k = dt.kind
            if k == "c" or (k == "f" and dt.itemsize >= 4):
                if dims is None and not keepdim:
                    return full_sum(x)
                return np.add.reduce(x, axis=dims, keepdims=keepdim)
            if k in "biu":
                return np.add.reduce(x, axis=dims, keepdims=keepdim, dtype=np.int64)
        acc, res = _sum_dtype(x, dtype)
        m = xp(x)
        if x.dtype != acc:
            x = x.astype(acc)
        return _arr(m, m.sum(x, axis=dims, keepdims=keepdim), res)

    @staticmethod
    def backward(ctx, g):
        return expand_grad(g, ctx.in_shape, ctx.dims, ctx.keepdim)


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum of elements (over dims); integer and bool inputs sum in int64."""
    if dim is None and out is None and dtype is None and input._names is None:
        return Sum.apply(input, dims=None, keepdim=keepdim, dtype=None, has_dim=False)
    dims = reduce_dims(input, dim)
    r = Sum.apply(input, dims=dims, keepdim=keepdim, dtype=_dtype_np(dtype), has_dim=dim is not None)
    return _o(_named(r, input, dims, keepdim), out)


class Nansum(Function):
    save = (0,)

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, dtype=None):
        ctx.in_shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        m = xp(x)
        acc, res = _sum_dtype(x, dtype)
        if x.dtype.kind in "fc" or x.dtype == D.bfloat16.np:
            x = m.where(m.isnan(x), 0, x)
        return _arr(m, m.sum(x.astype(acc, copy=False), axis=dims, keepdims=keepdim), res)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return expand_grad(g, ctx.in_shape, ctx.dims, ctx.keepdim) * x.isnan().logical_not()


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum treating NaN as zero."""
    if input.is_complex():
        raise RuntimeError("nansum on CPU does not support complex inputs")
    dims = reduce_dims(input, dim)
    r = Nansum.apply(input, dims=dims, keepdim=keepdim, dtype=_dtype_np(dtype))
    return _o(_named(r, input, dims, keepdim), out)


# ---- mean / nanmean ----------------------------------------------------------------------------
class Mean(_DimNamed):
    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, has_dim=False):
        shp = x.shape
        if dims is None:
            n = x.size
        else:
            n = 1
            for d in dims:
                n *= shp[d]
        c = ctx.__dict__
        c["in_shape"], c["dims"], c["keepdim"], c["has_dim"], c["n"] = shp, dims, keepdim, has_dim, n
        if x.__class__ is np.ndarray and n and x.dtype.kind in "fc" and x.dtype.itemsize >= 4:
            s = full_sum(x) if dims is None and not keepdim else np.add.reduce(x, axis=dims, keepdims=keepdim)
            if s.__class__ is np.ndarray:
                return np.true_divide(s, n, out=s)  # the fresh sum is the output buffer
            return s / n  # a NumPy scalar: _wrap makes it a 0-d array
        m = xp(x)
        acc = _acc_dtype(x.dtype)
        s = m.sum(x if acc is None else x.astype(acc), axis=dims, keepdims=keepdim)
        return _arr(m, m.asarray(s) / n if n else m.asarray(s) * np.nan, x.dtype)

    @staticmethod
    def backward(ctx, g):
        return expand_grad(g / ctx.n, ctx.in_shape, ctx.dims, ctx.keepdim)


def _float_check(name, input, dtype):
    if dtype is not None and not (dtype.is_floating_point or dtype.is_complex):
        raise RuntimeError(f"{name}(): could not infer output dtype. Optional dtype must be either a "
                           f"floating point or complex dtype. Got: {type_word(dtype)}")
    if dtype is None and not (input.is_floating_point() or input.is_complex()):
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {type_word(input.dtype)}")


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean (floating/complex dtypes only, as torch)."""
    if dim is None and dtype is None and out is None and input._names is None and \
            input._data.dtype.kind in "fc":
        return Mean.apply(input, dims=None, keepdim=keepdim, has_dim=False)
    _float_check("mean", input, dtype)
    if dtype is not None and input.dtype is not dtype:
        input = input.to(dtype)
    dims = reduce_dims(input, dim)
    r = Mean.apply(input, dims=dims, keepdim=keepdim, has_dim=dim is not None)
    return _o(_named(r, input, dims, keepdim), out)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean over the non-NaN elements."""
    if not (input.is_floating_point() or input.is_complex()):
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but "
                           f"got {type_word(input.dtype)}")
    if dtype is not None and input.dtype is not dtype:
        input = input.to(dtype)
    cnt = input.isnan().logical_not().sum(dim, keepdim)
    return _o(nansum(input, dim, keepdim) / cnt, out)


# ---- prod ----------------------------------------------------------------------------------------
def prod_grad_factor(x: Tensor, dim: int) -> Tensor:
    """d prod(x, dim) / d x: the product of the other elements, exact (and differentiable) at zeros."""
    zero = x == 0
    if not bool(xp(zero._data).any(zero._data)):
        return Prod.apply(x, dim=dim, keepdim=True) / x
    # exclusive products from the left and from the right: no division, so zeros are exact
    from .reduction_minmax import _Cat, cumprod
    n = x.shape[dim]
    one = x.narrow(dim, 0, 1).detach() * 0 + 1
    left = cumprod(_Cat.apply(one, x.narrow(dim, 0, n - 1), dim=dim), dim)
    rx = Flip.apply(x, dims=(dim,))
    right = Flip.apply(cumprod(_Cat.apply(one, rx.narrow(dim, 0, n - 1), dim=dim), dim), dims=(dim,))
    return left * right


class Prod(_DimNamed):
    save = (0,)

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False, dtype=None, has_dim=False):
        ctx.in_shape, ctx.dim, ctx.keepdim, ctx.has_dim = x.shape, dim, keepdim, has_dim
        m = xp(x)
        acc, res = _sum_dtype(x, dtype)
        return _arr(m, m.prod(x.astype(acc, copy=False), axis=dim, keepdims=keepdim), res)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if ctx.dim is None:
            f = prod_grad_factor(x.reshape(-1), 0).reshape(ctx.in_shape)
            return expand_grad(g, ctx.in_shape, None, False) * f.conj()
        f = prod_grad_factor(x, ctx.dim)
        return expand_grad(g, ctx.in_shape, (ctx.dim,), ctx.keepdim) * f.conj()


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product of elements (over one dim); integer and bool inputs multiply in int64."""
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod(): argument 'dim' must be int, not " + type(dim).__name__)
    d = None if dim is None else one_dim(input, dim)
    if input.dim() == 0:
        d = None
    r = Prod.apply(input, dim=d, keepdim=keepdim if d is not None else False, dtype=_dtype_np(dtype),
                   has_dim=dim is not None)
    return _o(_named(r, input, None if d is None else (d,), keepdim), out)


# ---- logsumexp -----------------------------------------------------------------------------------
class Logsumexp(Function):
    save = (0,)
    save_output = True

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False):
        ctx.dims, ctx.keepdim = dims, keepdim
        m = xp(x)
        if x.size == 0:
            return _arr(m, m.log(m.sum(m.exp(x), axis=dims, keepdims=keepdim)), x.dtype)
        mx = m.max(x, axis=dims, keepdims=True)
        mx = m.where(m.isinf(mx), 0, mx)  # keeps inf inputs from producing inf - inf
        r = m.log(m.sum(m.exp(x - mx), axis=dims, keepdims=True)) + mx
        if not keepdim:
            r = r.reshape(()) if dims is None else m.squeeze(r, axis=dims)
        return _arr(m, r, x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        y = ctx.output
        dims, n = ctx.dims, x.dim()
        if not ctx.keepdim:
            g, y = keep(g, dims, n), keep(y, dims, n)
        return g * (x - y).exp()


def logsumexp(input, dim, keepdim=False, *, out=None):
    """log(sum(exp(input))) over dims, computed stably."""
    if not (input.is_floating_point() or input.is_complex()):
        input = input.to(D.get_default_dtype())
    dims = reduce_dims(input, dim)
    if input.dim() == 0:
        return _o(Logsumexp.apply(input, dims=None, keepdim=False), out)
    r = Logsumexp.apply(input, dims=dims, keepdim=keepdim)
    return _o(_named(r, input, dims, keepdim), out)


# ---- all / any / count_nonzero ------------------------------------------------------------------
def _logical_reduce(name, input, dim, keepdim, out):
    dims = reduce_dims(input, dim)
    x = input._data
    m = xp(x)
    r = _arr(m, getattr(m, name)(x, axis=dims, keepdims=keepdim))
    if x.dtype == np.uint8:  # torch keeps uint8 for all/any of uint8 (legacy behaviour)
        r = r.astype(np.uint8)
    return _o(_named(_wrap(r), input, dims, keepdim), out)


def all(input, dim=None, keepdim=False, *, out=None):
    """Whether all elements (over dims) are nonzero."""
    return _logical_reduce("all", input, dim, keepdim, out)


def any(input, dim=None, keepdim=False, *, out=None):
    """Whether any element (over dims) is nonzero."""
    return _logical_reduce("any", input, dim, keepdim, out)


def count_nonzero(input, dim=None):
    """Number of nonzero elements (over dims), as int64."""
    dims = reduce_dims(input, dim)
    x = input._data
    m = xp(x)
    return _wrap(_arr(m, m.count_nonzero(x, axis=dims), np.int64))


__all__ = ["sum", "nansum", "mean", "nanmean", "prod", "logsumexp", "all", "any", "count_nonzero",
           "return_types"]

register_methods({
    "sum": sum, "nansum": nansum, "mean": mean, "nanmean": nanmean, "prod": prod,
    "logsumexp": logsumexp, "all": all, "any": any, "count_nonzero": count_nonzero,
})

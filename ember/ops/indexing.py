"""Advanced indexing and indexed writes: ``t[idx]``, ``t[idx] = v``, gather/scatter, masks, take/put.

Every op here reduces to one of three primitives on a NumPy-style key (a tuple of slices and
integer index arrays on the tensor's device): read ``x[key]`` (``_AdvIndex``), add into zeros
(``_IndexAddZeros``, its adjoint) and write ``x[key] = v`` (``_IndexPut``). Their backward
passes are each other, so gradients of every op built on them are exact and differentiable again.
"""
from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor, _wrap, register_methods
from ..autograd.grad_mode import state as _gs
from ._function import Function, xp
from ._inplace import _shadow, check_inplace, write_result

_IDX_DTYPE_MSG = "tensors used as indices must be long, int, byte or bool tensors"


def inplace_fn(fn):
    """``x.op_(...)`` from ``op(x, ...)``; tensors passed by keyword also count for autograd."""
    def method(self, *args, **kwargs):
        needs = _gs.grad_enabled and (self._rg or any(
            isinstance(a, Tensor) and a._rg for a in (*args, *kwargs.values())))
        check_inplace(self, needs)
        src = _shadow(self) if needs else self
        return write_result(self, fn(src, *args, **kwargs), needs)
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place version of {fn.__name__}."
    return method


# ---- backend helpers -----------------------------------------------------------------------------
def _ufunc_at(op: str, z, key, v) -> None:
    """In-place unbuffered ``z[key] op= v`` (repeated indices all count)."""
    m = xp(z)
    if m is np:
        getattr(np, op).at(z, key, v)
        return
    import cupyx  # CUDA: cupyx has scatter_add/max/min; other reductions go through the host
    fn = {"add": "scatter_add", "maximum": "scatter_max", "minimum": "scatter_min"}.get(op)
    if fn is not None:
        getattr(cupyx, fn)(z, key, v)
        return
    host = z.get()
    hkey = tuple(k.get() if hasattr(k, "get") else k for k in key)
    getattr(np, op).at(host, hkey, v.get() if hasattr(v, "get") else v)
    z[...] = m.asarray(host)


def _key_shape(shape, key) -> tuple:
    """Shape of ``x[key]`` for an array of ``shape`` (computed on a stride-0 dummy)."""
    dummy = np.broadcast_to(np.zeros((), np.int8), shape)
    hkey = tuple(k.get() if hasattr(k, "get") and not isinstance(k, slice) else k for k in key)
    return dummy[hkey].shape


def _contig(a):
    """a itself when laid out row-major with torch's canonical strides, else a C-order copy."""
    st, acc = [], a.itemsize
    for n in reversed(a.shape):
        st.append(acc)
        acc *= max(n, 1)
    return a if tuple(reversed(st)) == a.strides else a.copy(order="C")


def _type_word(dt) -> str:
    from .pointwise import _type_word as w
    return w(dt)


# ---- the three primitives ------------------------------------------------------------------------
class _AdvIndex(Function):
    """x[key] with integer index arrays: a contiguous copy."""

    @staticmethod
    def forward(ctx, x, key=()):
        ctx.key, ctx.in_shape = key, x.shape
        return _contig(x[key])

    @staticmethod
    def backward(ctx, g):
        return _IndexAddZeros.apply(g, key=ctx.key, shape=ctx.in_shape)

    def name(self):
        return "IndexBackward0"


class _IndexAddZeros(Function):
    """zeros(shape) with g added at key (the adjoint of _AdvIndex)."""

    @staticmethod
    def forward(ctx, g, key=(), shape=()):
        ctx.key = key
        z = xp(g).zeros(shape, dtype=g.dtype)
        _ufunc_at("add", z, key, g)
        return z

    @staticmethod
    def backward(ctx, gg):
        return _AdvIndex.apply(gg, key=ctx.key)

    def name(self):
        return "IndexPutBackward0"


class _IndexFill0(Function):
    """g with the positions at key zeroed (self-adjoint)."""

    @staticmethod
    def forward(ctx, g, key=()):
        ctx.key = key
        r = g.copy()
        r[key] = 0
        return r

    @staticmethod
    def backward(ctx, gg):
        return _IndexFill0.apply(gg, key=ctx.key)


class _IndexPut(Function):
    """x with v written (or accumulated) at key."""

    @staticmethod
    def forward(ctx, x, v, key=(), accumulate=False):
        ctx.key, ctx.acc = key, accumulate
        r = x.copy()
        if accumulate:
            _ufunc_at("add", r, key, v)
        else:
            r[key] = v
        return r

    @staticmethod
    def backward(ctx, g):
        gx = g if ctx.acc else _IndexFill0.apply(g, key=ctx.key)
        return gx, _AdvIndex.apply(g, key=ctx.key)

    def name(self):
        return "IndexPutBackward0"


# ---- key preparation (torch = NumPy advanced-indexing rules, with ints applied first) -----------
def _seq_as_tuple(key) -> bool:
    """torch treats a short list holding tensors/sequences/slices/None/... as a tuple index."""
    if len(key) >= 32:
        return False
    return any(isinstance(k, (Tensor, list, tuple, slice)) or k is None or k is Ellipsis for k in key)


def _list_to_array(seq):
    a = np.asarray(seq)
    if a.dtype == object:
        raise IndexError(_IDX_DTYPE_MSG)
    if a.size == 0:
        return a.astype(np.int64)
    if a.dtype.kind == "b":
        return a
    if a.dtype.kind in "iuf":  # torch's legacy path truncates float sequences to long
        return a.astype(np.int64)
    raise IndexError(_IDX_DTYPE_MSG)


def _classify(k, m, scalar_index=False):
    """('int', v) | ('slice', s) | ('none',) | ('ell',) | ('idx', arr) | ('mask', arr)."""
    if k is None:
        return ("none",)
    if k is Ellipsis:
        return ("ell",)
    if isinstance(k, bool) or isinstance(k, np.bool_):
        return ("mask", m.asarray(bool(k)))
    if isinstance(k, (int, np.integer)):
        return ("int", int(k))
    if isinstance(k, slice):
        return ("slice", k)
    if isinstance(k, Tensor):
        dt = k._data.dtype
        if dt.kind == "b" or dt == np.uint8:
            if dt == np.uint8:
                warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                              "torch.bool instead.", UserWarning, stacklevel=4)
            arr = k._data.astype(bool) if dt == np.uint8 else k._data
            return ("mask", m.asarray(arr) if m is not np else k._host())
        if dt not in (np.int64, np.int32):
            raise IndexError(_IDX_DTYPE_MSG)
        if k._data.ndim == 0 and not scalar_index:
            return ("int", int(k.item()))
        return ("idx", k._data if xp(k._data) is m else m.asarray(k._host()))
    if isinstance(k, (list, tuple, np.ndarray)):
        a = _list_to_array(k) if not isinstance(k, np.ndarray) else k
        if a.dtype.kind == "b":
            return ("mask", m.asarray(a))
        if a.dtype.kind not in "iuf":
            raise IndexError(_IDX_DTYPE_MSG)
        if a.ndim == 0:
            return ("int", int(a))
        return ("idx", m.asarray(a.astype(np.int64)))
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                     f"are valid indices (got {type(k).__name__})")


def prepare_key(t: Tensor, key, scalar_index=False):
    """Split a key into (basic key or None, advanced key on the basic result).

    torch applies ints/slices/None first (a view), then indexes with the remaining tensors; so
    an int between index arrays removes a dim instead of joining the broadcast (unlike NumPy).
    """
    if isinstance(key, list) and _seq_as_tuple(key):
        warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated and "
                      "will be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq].",
                      UserWarning, stacklevel=3)
        key = tuple(key)
    if not isinstance(key, tuple):
        key = (key,)
    m = xp(t._data)
    items = [_classify(k, m, scalar_index) for k in key]
    shape = t._data.shape
    ndim = len(shape)
    consumed = sum(it[1].ndim if it[0] == "mask" else 1 for it in items if it[0] in
                   ("int", "slice", "idx", "mask"))
    if consumed > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    n_ell = sum(1 for it in items if it[0] == "ell")
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    s1, s2, arrays = [], [], []
    dim = 0
    for it in items:
        kind = it[0]
        if kind == "ell":
            n = ndim - consumed
            s1.extend([slice(None)] * n)
            s2.extend([slice(None)] * n)
            dim += n
        elif kind == "none":
            s1.append(None)
            s2.append(slice(None))
        elif kind == "int":
            v, size = it[1], shape[dim]
            if not -size <= v < size:
                raise IndexError(f"index {v} is out of bounds for dimension {dim} with size {size}")
            s1.append(v)
            dim += 1
        elif kind == "slice":
            s1.append(it[1])
            s2.append(slice(None))
            dim += 1
        elif kind == "idx":
            s1.append(slice(None))
            s2.append(it[1])
            arrays.append((it[1], shape[dim]))
            dim += 1
        else:  # mask: k dims become k index arrays (its nonzero), adjacent so placed like NumPy
            mk = it[1]
            if mk.ndim == 0:
                s1.append(None)
                s2.append(m.zeros(1 if bool(mk) else 0, dtype=np.int64))
                arrays.append((s2[-1], None))
                continue
            for j, n in enumerate(mk.shape):
                if dim + j >= ndim or shape[dim + j] != n:
                    raise IndexError(f"The shape of the mask {list(mk.shape)} at index {j} does not match"
                                     f" the shape of the indexed tensor {list(shape)} at index {dim + j}")
            nz = m.nonzero(mk)
            s1.extend([slice(None)] * mk.ndim)
            s2.extend(nz)
            arrays.extend((a, None) for a in nz)
            dim += mk.ndim
    for i, (a, size) in enumerate(arrays):
        if size is not None and a.size:
            bad = (a < -size) | (a >= size)
            if bool(bad.any()):
                v = int(a[bad].reshape(-1)[0])
                raise IndexError(f"index {v} is out of bounds for dimension {i} with size {size}")
    try:
        np.broadcast_shapes(*[a.shape for a, _ in arrays])
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes "
                         + ", ".join(str(list(a.shape)) for a, _ in arrays)) from None
    trivial = all(isinstance(k, slice) and k == slice(None) for k in s1)
    # trailing full slices are implicit; dropping them keeps the key short
    while s2 and isinstance(s2[-1], slice):
        s2.pop()
    return (None if trivial else tuple(s1)), tuple(s2)


def _has_array(key) -> bool:
    return any(not isinstance(k, slice) for k in key)


def advanced_getitem(t: Tensor, key) -> Tensor:
    """t[key] for keys holding index tensors/lists/arrays or masks: a new tensor."""
    s1, s2 = prepare_key(t, key)
    from .shape import getitem
    base = t if s1 is None else getitem(t, s1)
    if not _has_array(s2):
        return base
    return _AdvIndex.apply(base, key=s2)


# ---- writes --------------------------------------------------------------------------------------
def _strip_leading_ones(v: Tensor, ndim: int) -> Tensor:
    """torch drops a value's leading size-1 dims beyond the target's rank before broadcasting."""
    shp = tuple(v.shape)
    k = 0
    while len(shp) - k > ndim and shp[k] == 1:
        k += 1
    return v.reshape(shp[k:]) if k else v


def _index_put_key(x: Tensor, value: Tensor, key: tuple, accumulate: bool = False) -> Tensor:
    """Out-of-place x with value put at a prepared key."""
    res = _key_shape(x.shape, key)
    value = _strip_leading_ones(value, len(res))
    try:
        ok = np.broadcast_shapes(tuple(value.shape), res) == tuple(res) and value.dim() <= len(res)
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(value.shape)} cannot be broadcast"
                           f" to indexing result of shape {list(res)}")
    if value._data.dtype != x._data.dtype:
        raise RuntimeError("Index put requires the source and destination dtypes match, got "
                           f"{_type_word(x.dtype)} for the destination and {_type_word(value.dtype)} "
                           "for the source.")
    return _IndexPut.apply(x, value, key=key, accumulate=accumulate)


_index_put_key_ = inplace_fn(_index_put_key)


def _value_tensor(self: Tensor, value, cast: bool) -> Tensor:
    from .creation import tensor
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float, complex, np.generic)):
        if isinstance(value, complex) and not self.is_complex():
            value = value.real
        return tensor(value, dtype=self.dtype if cast else None, device=self.device)
    from .conversion import type_
    raise TypeError(f"can't assign a {type(value).__name__} to a {type_(self)}")


def _full_key(t: Tensor, key: tuple) -> bool:
    """Ellipsis and whole-dim slices only: torch writes into t itself rather than a view."""
    d = 0
    for k in key:
        if k is Ellipsis:
            d = t.dim()
            continue
        if not isinstance(k, slice):
            return False
        if d >= t.dim() or k.indices(t.shape[d]) != (0, t.shape[d], 1):
            return False
        d += 1
    return True


def setitem(self: Tensor, key, value) -> None:
    """t[key] = value: writes through views, casts and broadcasts value, recorded by autograd."""
    from .shape import _normalize_basic_key, getitem
    nkey, basic = _normalize_basic_key(self, key)
    if basic:
        value = _value_tensor(self, value, cast=True)
        if Ellipsis not in nkey:  # keeps a 0-d result a writable view rather than a NumPy scalar
            nkey = nkey + (Ellipsis,)
        target = self if _full_key(self, nkey) else getitem(self, nkey)
        value = _strip_leading_ones(value, target.dim())
        if tuple(value.shape) != tuple(target.shape):
            value = value.expand(target.shape)
        target.copy_(value)
        return
    s1, s2 = prepare_key(self, key)
    target = self if s1 is None else getitem(self, s1)
    value = _value_tensor(target, value, cast=True)
    if not _has_array(s2):
        target.copy_(_strip_leading_ones(value, target.dim()).expand(target.shape))
        return
    _index_put_key_(target, value, s2, False)


def _tuple_key(t: Tensor, indices) -> tuple:
    if not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' must be tuple of Tensors")
    for i, k in enumerate(indices):
        if not isinstance(k, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(k).__name__}")
    s1, s2 = prepare_key(t, tuple(indices), scalar_index=True)
    if s1 is not None:
        raise IndexError("index_put_(): 0-dimensional boolean indices are not supported")
    return s2


def index_put(input, indices, values, accumulate=False):
    """input with values put at indices (a tuple of index tensors); accumulate adds."""
    return _index_put_key(input, values, _tuple_key(input, indices), accumulate)


def index_put_(input, indices, values, accumulate=False):
    """In-place index_put."""
    return _index_put_key_(input, values, _tuple_key(input, indices), accumulate)


# ---- nonzero / where / masks ---------------------------------------------------------------------
def nonzero(input, *, out=None, as_tuple=False):
    """Indices of nonzero elements: an (n, ndim) long tensor, or a tuple of 1-D ones."""
    d = input._data
    m = xp(d)
    if as_tuple:
        if d.ndim == 0:
            return (_wrap(m.zeros(1 if bool(d) else 0, dtype=np.int64)),)
        return tuple(_wrap(a.astype(np.int64, copy=False)) for a in m.nonzero(d))
    if d.ndim == 0:
        return _wrap(m.zeros((1 if bool(d) else 0, 0), dtype=np.int64))
    # torch lays the (n, ndim) result out column-major: strides (1, n)
    r = _wrap(m.stack([a.astype(np.int64, copy=False) for a in m.nonzero(d)]).T)
    return r if out is None else _out(r, out)


def argwhere(input):
    """Indices of nonzero elements as an (n, ndim) tensor."""
    return nonzero(input)


def _out(r, out):
    from ._binary import _out as o
    return o(r, out)


def _check_bool_mask(mask: Tensor, op: str) -> None:
    if mask._data.dtype != np.bool_:
        word = "unsigned char" if mask._data.dtype == np.uint8 else _type_word(mask.dtype)
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype {word}")


def masked_fill(input, mask, value):
    """input with value where mask is True (mask broadcasts)."""
    from .pointwise import where
    _check_bool_mask(mask, "masked_fill_")
    try:
        np.broadcast_shapes(tuple(mask.shape), tuple(input.shape))
    except ValueError:
        from ._binary import broadcast_error
        raise broadcast_error(tuple(mask.shape), tuple(input.shape)) from None
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                               f"with {value.dim()} dimension(s).")
        v = value.to(input.dtype)
    else:
        v = _value_tensor(input, value, cast=True)
    return where(mask, v, input)


def masked_select(input, mask):
    """1-D tensor of input's elements where mask is True (both broadcast)."""
    if mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    from .joining import broadcast_tensors
    a, mk = broadcast_tensors(input, mask)
    a, mk = a.reshape(-1), mk._data.reshape(-1)
    return _AdvIndex.apply(a, key=xp(mk).nonzero(mk))


def masked_scatter(input, mask, source):
    """input with consecutive elements of source written where mask is True."""
    if mask._data.dtype != np.bool_:
        raise RuntimeError("masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{_type_word(mask.dtype)}")
    if source.dtype is not input.dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got"
                           f"{_type_word(input.dtype)} and {_type_word(source.dtype)}")
    from .joining import broadcast_tensors
    from .shape import getitem
    a, mk = broadcast_tensors(input, mask)
    shape = tuple(a.shape)
    key = xp(mk._data).nonzero(mk._data.reshape(-1))
    n = int(key[0].size)
    if source.numel() < n:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    vals = getitem(source.reshape(-1), slice(0, n))
    return _IndexPut.apply(a.reshape(-1), vals, key=key).reshape(shape)


# ---- registration --------------------------------------------------------------------------------
def _masked_fill_(self, mask, value):
    from .shape import expand
    if tuple(mask.shape) != tuple(self.shape):
        from ._binary import broadcast_error
        try:
            bs = np.broadcast_shapes(tuple(mask.shape), tuple(self.shape))
        except ValueError:
            raise broadcast_error(tuple(self.shape), tuple(mask.shape)) from None
        if tuple(bs) != tuple(self.shape):
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                               f"{list(bs)}")
        mask = expand(mask, self.shape)
    return _masked_fill_ip(self, mask, value)


_masked_fill_ip = inplace_fn(masked_fill)


def _index_put_method_(self, indices, values, accumulate=False):
    return index_put_(self, indices, values, accumulate)


__all__ = ["nonzero", "argwhere", "masked_fill", "masked_select", "masked_scatter", "index_put",
           "index_put_"]

register_methods({
    "__setitem__": setitem,
    "nonzero": nonzero, "argwhere": argwhere,
    "masked_fill": masked_fill, "masked_fill_": _masked_fill_, "masked_select": masked_select,
    "masked_scatter": masked_scatter, "masked_scatter_": inplace_fn(masked_scatter),
    "index_put": index_put, "index_put_": _index_put_method_,
})

# the dim-wise ops live in indexing_dim.py; re-exported so `from .ops.indexing import *` gets them
from .indexing_dim import *  # noqa: E402,F401,F403
from .indexing_dim import __all__ as _dim_all  # noqa: E402

__all__ = __all__ + list(_dim_all)

"""Advanced indexing and indexed writes: ``t[idx]``, ``t[idx] = v``, gather/scatter, masks, take/put.

Every op here reduces to one of three primitives on a NumPy-style key (a tuple of slices and
integer index arrays on the tensor's device): read ``x[key]`` (``_AdvIndex``), add into zeros
(``_IndexAddZeros``, its adjoint) and write ``x[key] = v`` (``_IndexPut``). Their backward
passes are each other, so gradients of every op built on them are exact and differentiable again.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as D
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


# ---- dim-wise gather/scatter ---------------------------------------------------------------------
def _dim_key(input: Tensor, dim: int, idx) -> tuple:
    return (slice(None),) * dim + (idx,)


def _check_range(arr, size, dim, prefix="", exc=RuntimeError):
    if arr.size:
        bad = (arr < -size) | (arr >= size)
        if bool(bad.any()):
            v = int(arr[bad].reshape(-1)[0])
            raise exc(f"{prefix}index {v} is out of bounds for dimension {dim} with size {size}")


def index_select(input, dim, index):
    """Entries of input along dim at the positions in a 1-D index."""
    if index.dim() > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    d = input._wrap_dim(dim)
    idx = index._data.reshape(-1)
    size = input.shape[d] if input.dim() else 1
    if idx.size and bool(((idx < 0) | (idx >= size)).any()):
        raise IndexError("index out of range in self")
    if input.dim() == 0:
        return _AdvIndex.apply(input.reshape(1), key=(idx,)).reshape(index.shape)
    return _AdvIndex.apply(input, key=_dim_key(input, d, idx))


def _mesh_key(index_arr, dim: int) -> tuple:
    """Open-mesh coordinates addressing input[i0, .., index[i], .., in] for every i of index."""
    m = xp(index_arr)
    nd = index_arr.ndim
    key = []
    for k, n in enumerate(index_arr.shape):
        if k == dim:
            key.append(index_arr.astype(np.int64, copy=False))
        else:
            shp = [1] * nd
            shp[k] = n
            key.append(m.arange(n, dtype=np.int64).reshape(shp))
    return tuple(key)


def _gs_checks(input, dim, index, op, src=None):
    if index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    d = input._wrap_dim(dim)
    if index.dim() != input.dim() and not (index.dim() <= 1 and input.dim() <= 1):
        who = "input" if op == "gather" else "self"
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {who} tensor")
    ishape, xshape = tuple(index.shape), tuple(input.shape)
    if op == "gather":
        for k in range(index.dim()):
            if k != d and ishape[k] > xshape[k]:
                raise RuntimeError(f"Size does not match at dimension {k} expected index {list(ishape)} to"
                                   f" be no larger than self {list(xshape)} apart from dimension {d}")
    else:
        bad = any(k != d and ishape[k] > xshape[k] for k in range(index.dim()))
        if src is not None:
            bad = bad or any(ishape[k] > src.shape[k] for k in range(min(index.dim(), src.dim())))
        if bad:
            raise RuntimeError(f"Expected index {list(ishape)} to be no larger than self {list(xshape)} "
                               f"apart from dimension {d}" + (f" and to be no larger size than src "
                                                              f"{list(src.shape)}" if src is not None else ""))
    _check_range(index._data, xshape[d] if xshape else 1, d)
    return d


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """out[i][j] = input[index[i][j]][j] (along dim)."""
    d = _gs_checks(input, dim, index, "gather")
    if input.dim() == 0:
        return _AdvIndex.apply(input.reshape(1), key=(index._data.reshape(-1),)).reshape(index.shape)
    r = _AdvIndex.apply(input, key=_mesh_key(index._data, d))
    return r if out is None else _out(r, out)


def _src_part(src: Tensor, shape) -> Tensor:
    """The leading index-shaped block of src (scatter reads only that much)."""
    from .shape import getitem
    if tuple(src.shape) == tuple(shape):
        return src
    return getitem(src, tuple(slice(0, n) for n in shape))


def _scatter_src(input, src, index):
    if isinstance(src, Tensor):
        if src.dtype is not input.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        return _src_part(src, index.shape)
    return _value_tensor(input, src, cast=True)


def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None):
    """input with src (or value) written at index along dim; reduce='add'|'multiply' combines."""
    if src is None:
        src = value
    d = _gs_checks(input, dim, index, "scatter", src if isinstance(src, Tensor) else None)
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    v = _scatter_src(input, src, index)
    x = input if input.dim() else input.reshape(1)
    key = _mesh_key(index._data.reshape(-1) if input.dim() == 0 else index._data, d)
    if reduce == "add":
        r = _IndexPut.apply(x, v.reshape(_key_shape(x.shape, key)) if v.dim() else v, key=key,
                            accumulate=True)
    elif reduce == "multiply":
        r = _ScatterReduce.apply(x, v.expand(index.shape) if v.dim() == 0 else v, key=key,
                                 op="prod", include_self=True)
    else:
        r = _IndexPut.apply(x, v.reshape(_key_shape(x.shape, key)) if v.dim() else v, key=key)
    r = r.reshape(()) if input.dim() == 0 else r
    return r if out is None else _out(r, out)


def scatter_add(input, dim, index, src):
    """input with src added at index along dim."""
    d = _gs_checks(input, dim, index, "scatter", src)
    v = _scatter_src(input, src, index)
    x = input if input.dim() else input.reshape(1)
    key = _mesh_key(index._data.reshape(-1) if input.dim() == 0 else index._data, d)
    r = _IndexPut.apply(x, v.reshape(_key_shape(x.shape, key)), key=key, accumulate=True)
    return r.reshape(()) if input.dim() == 0 else r


_REDUCE_INIT = {"sum": 0, "mean": 0, "prod": 1}


class _ScatterReduce(Function):
    """Reduce src into x at key with sum/prod/mean/amax/amin (include_self or not)."""

    save = (0, 1)
    save_output = True

    @staticmethod
    def forward(ctx, x, v, key=(), op="sum", include_self=True):
        ctx.key, ctx.op, ctx.inc = key, op, include_self
        m = xp(x)
        r = x.copy()
        if not include_self:  # scattered-to positions start from the reduction's identity
            if op in _REDUCE_INIT:
                r[key] = _REDUCE_INIT[op]
            elif x.dtype.kind == "f":
                r[key] = -np.inf if op == "amax" else np.inf
            else:
                info = np.iinfo(x.dtype) if x.dtype.kind in "iu" else None
                r[key] = (info.min if op == "amax" else info.max) if info else (op == "amin")
        uf = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}[op]
        _ufunc_at(uf, r, key, v)
        if op == "mean":
            cnt = m.zeros(x.shape, dtype=np.int64)
            _ufunc_at("add", cnt, key, m.ones(v.shape, dtype=np.int64))
            if include_self:
                cnt += 1
            cnt = m.maximum(cnt, 1)
            r = r / cnt if x.dtype.kind in "fc" else m.floor_divide(r, cnt)
            r = r.astype(x.dtype, copy=False)
        return r

    @staticmethod
    def backward(ctx, g):
        x, v = ctx.saved_tensors
        out = ctx.output
        key, op, inc = ctx.key, ctx.op, ctx.inc
        hit = _hit_mask(x, key)
        if op == "sum":
            gx = g if inc else _IndexFill0.apply(g, key=key)
            return gx, _AdvIndex.apply(g, key=key)
        if op == "mean":
            cnt = _count(x, v, key, inc)
            gs = g / cnt
            return (gs if inc else _IndexFill0.apply(gs, key=key)), _AdvIndex.apply(gs, key=key)
        if op == "prod":
            return _prod_grads(x, v, g, key, inc)
        # amax / amin: the gradient is shared equally by every element equal to the result
        from .pointwise import where
        xe = (x == out).to(g.dtype)
        if not inc:
            xe = xe * (hit == 0).to(g.dtype)
        ve = (v == _AdvIndex.apply(out, key=key)).to(g.dtype)
        cnt = xe + _IndexAddZeros.apply(ve, key=key, shape=tuple(x.shape))
        gs = g / where(cnt == 0, cnt + 1, cnt)
        return gs * xe, _AdvIndex.apply(gs, key=key) * ve

    def name(self):
        return "ScatterReduceBackward0"


def _hit_mask(x: Tensor, key) -> Tensor:
    """How many src elements land on each position of x (as x's dtype)."""
    m = xp(x._data)
    c = m.zeros(x.shape, dtype=x._data.dtype)
    _ufunc_at("add", c, key, m.ones(_key_shape(x.shape, key), dtype=x._data.dtype))
    return _wrap(c)


def _count(x, v, key, inc):
    c = _hit_mask(x, key)
    if inc:
        c = c + 1
    from .pointwise import where
    return where(c == 0, c + 1, c)


def _prod_grads(x, v, g, key, inc):
    """Gradient of a scatter product, exact when factors are zero (product of the others)."""
    from .pointwise import where
    shape = tuple(x.shape)
    one = x * 0 + 1
    xz = (x == 0).to(x.dtype) if inc else x * 0
    vz = (v == 0).to(v.dtype)
    nz = xz + _IndexAddZeros.apply(vz, key=key, shape=shape)  # zeros per output position
    xs = where(x == 0, one, x) if inc else one
    vs = where(v == 0, v * 0 + 1, v)
    pnz = _ScatterReduce.apply(xs, vs, key=key, op="prod", include_self=True)  # product of nonzeros

    def others(val, is_zero, nz_at, pnz_at):
        excl_nonzero = where(nz_at == 0, pnz_at / where(is_zero, val * 0 + 1, val), pnz_at * 0)
        excl_zero = where(nz_at == 1, pnz_at, pnz_at * 0)
        return where(is_zero, excl_zero, excl_nonzero)

    gx = g * others(x, x == 0, nz, pnz) if inc else _IndexFill0.apply(g, key=key)
    nz_v, pnz_v = _AdvIndex.apply(nz, key=key), _AdvIndex.apply(pnz, key=key)
    gv = _AdvIndex.apply(g, key=key) * others(v, v == 0, nz_v, pnz_v)
    return gx, gv


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce src into input at index along dim (sum, prod, mean, amax, amin)."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    d = _gs_checks(input, dim, index, "scatter", src)
    if src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    v = _src_part(src, index.shape)
    x = input if input.dim() else input.reshape(1)
    key = _mesh_key(index._data.reshape(-1) if input.dim() == 0 else index._data, d)
    r = _ScatterReduce.apply(x, v.reshape(_key_shape(x.shape, key)), key=key, op=reduce,
                             include_self=include_self)
    return r.reshape(()) if input.dim() == 0 else r


# ---- take / put / take_along_dim -----------------------------------------------------------------
def _flat_index(input, index, op):
    if index._data.dtype != np.int64:
        raise RuntimeError(f"{op}(): Expected a long tensor for index, but got {_type_word(index.dtype)}")
    n = input.numel()
    idx = index._data
    if n == 0 and idx.size:
        raise IndexError(f"{op}(): tried to take from an empty tensor")
    if idx.size:
        bad = (idx < -n) | (idx >= n)
        if bool(bad.any()):
            v = int(idx[bad].reshape(-1)[0])
            raise IndexError(f"out of range: tried to access index {v} on a tensor of {n} elements.")
    return idx


def take(input, index):
    """input treated as 1-D, read at index (result has index's shape)."""
    idx = _flat_index(input, index, "take")
    return _AdvIndex.apply(input.reshape(-1), key=(idx,))


def put(input, index, source, accumulate=False):
    """input (flattened) with source written (or added) at index."""
    if index._data.dtype != np.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {_type_word(index.dtype)}")
    if source.numel() != index.numel():
        raise IndexError("put_(): Expected source and index to have the same number of elements, but "
                         f"got source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    if source.dtype is not input.dtype:
        raise RuntimeError("put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_type_word(input.dtype)} and source.dtype = "
                           f"{_type_word(source.dtype)}")
    idx = _flat_index(input, index, "put_")
    flat = input.reshape(-1)
    r = _IndexPut.apply(flat, source.reshape(-1), key=(idx.reshape(-1),), accumulate=accumulate)
    return r.reshape(input.shape)


def take_along_dim(input, indices, dim=None, *, out=None):
    """Gather along dim after broadcasting input and indices (flattened when dim is None)."""
    if indices._data.dtype != np.int64:
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_type_word(indices.dtype)}")
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    if input.dim() != indices.dim():
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {input.dim()} dimensions for input, and {indices.dim()} "
                           "dimensions for indices")
    d = input._wrap_dim(dim)
    si, sx = list(input.shape), list(indices.shape)
    si[d] = sx[d] = 1
    from ._binary import broadcast_error
    try:
        bs = list(np.broadcast_shapes(tuple(si), tuple(sx)))
    except ValueError:
        raise broadcast_error(tuple(si), tuple(sx)) from None
    a = input.expand(tuple(bs[:d]) + (input.shape[d],) + tuple(bs[d + 1:]))
    i = indices.expand(tuple(bs[:d]) + (indices.shape[d],) + tuple(bs[d + 1:]))
    r = gather(a, d, i)
    return r if out is None else _out(r, out)


# ---- index_add / index_copy / index_fill ---------------------------------------------------------
def _dim_index(input, dim, index, op, src=None):
    d = input._wrap_dim(dim) if input.dim() else 0
    if index.dim() > 1:
        if op == "index_add_":
            raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: "
                             f"{index.dim()} with type: {_type_word(index.dtype)} and size: "
                             f"{list(index.shape)}")
        if op == "index_copy_":
            raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.dim()})")
        raise RuntimeError("Index has to be a vector/scalar")
    if index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    idx = index._data.reshape(-1)
    size = input.shape[d] if input.dim() else 1
    if src is not None:
        ns = src.shape[d] if src.dim() else 1
        if ns != idx.size:
            if op == "index_add_":
                raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to "
                                   f"source.size(dim): ({ns}), for dim: {d}")
            raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to "
                             f"source.size(dim) ({ns})")
        if src.dtype is not input.dtype:
            if op == "index_add_":
                raise RuntimeError(f"index_add_(): self ({_type_word(input.dtype)}) and source "
                                   f"({_type_word(src.dtype)}) must have the same scalar type")
            raise RuntimeError(f"{op}(): self and source expected to have the same dtype, but got "
                               f"(self) {_type_word(input.dtype)} and (source) {_type_word(src.dtype)}")
    if op == "index_copy_":
        _check_range(idx, size, d, "index_copy_(): ", IndexError)
    else:
        _check_range(idx, size, d, exc=RuntimeError if op == "index_add_" else IndexError)
    if input.dim() == 0:
        return None, (idx,)
    return d, _dim_key(input, d, idx)


def index_add(input, dim, index, source, *, alpha=1):
    """input with alpha * source added at index along dim."""
    d, key = _dim_index(input, dim, index, "index_add_", source)
    x = input if input.dim() else input.reshape(1)
    src = source if alpha == 1 else source * alpha
    src = src.reshape(_key_shape(x.shape, key))
    r = _IndexPut.apply(x, src, key=key, accumulate=True)
    return r.reshape(()) if input.dim() == 0 else r


def index_copy(input, dim, index, source):
    """input with source's slices copied at index along dim."""
    d, key = _dim_index(input, dim, index, "index_copy_", source)
    x = input if input.dim() else input.reshape(1)
    r = _IndexPut.apply(x, source.reshape(_key_shape(x.shape, key)), key=key)
    return r.reshape(()) if input.dim() == 0 else r


def index_fill(input, dim, index, value):
    """input with value written at index along dim."""
    if isinstance(value, Tensor) and value.dim() != 0:
        raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.dim()} dimension(s).")
    d, key = _dim_index(input, dim, index, "index_fill_")
    x = input if input.dim() else input.reshape(1)
    v = value.to(input.dtype) if isinstance(value, Tensor) else _value_tensor(input, value, cast=True)
    r = _IndexPut.apply(x, v, key=key)
    return r.reshape(()) if input.dim() == 0 else r


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


__all__ = ["nonzero", "argwhere", "index_select", "gather", "scatter", "scatter_add", "scatter_reduce",
           "masked_fill", "masked_select", "masked_scatter", "take", "put", "take_along_dim",
           "index_put", "index_put_", "index_add", "index_copy", "index_fill"]

register_methods({
    "__setitem__": setitem,
    "nonzero": nonzero, "argwhere": argwhere, "index_select": index_select, "gather": gather,
    "scatter": scatter, "scatter_": inplace_fn(scatter), "scatter_add": scatter_add,
    "scatter_add_": inplace_fn(scatter_add), "scatter_reduce": scatter_reduce,
    "scatter_reduce_": inplace_fn(scatter_reduce),
    "masked_fill": masked_fill, "masked_fill_": _masked_fill_, "masked_select": masked_select,
    "masked_scatter": masked_scatter, "masked_scatter_": inplace_fn(masked_scatter),
    "take": take, "put": put, "put_": inplace_fn(put), "take_along_dim": take_along_dim,
    "index_put": index_put, "index_put_": _index_put_method_,
    "index_add": index_add, "index_add_": inplace_fn(index_add),
    "index_copy": index_copy, "index_copy_": inplace_fn(index_copy),
    "index_fill": index_fill, "index_fill_": inplace_fn(index_fill),
})

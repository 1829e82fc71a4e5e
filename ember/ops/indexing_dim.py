"""Dim-wise indexed ops: index_select, gather/scatter (+ scatter_reduce), take/put/take_along_dim,
index_add/index_copy/index_fill. All are built on the primitives of ``indexing.py``."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap, register_methods
from ._function import Function, xp
from .indexing import (_AdvIndex, _IndexAddZeros, _IndexFill0, _IndexPut, _key_shape, _out, _type_word,
                       _ufunc_at, _value_tensor, inplace_fn)

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


__all__ = ["index_select", "gather", "scatter", "scatter_add", "scatter_reduce", "take", "put",
           "take_along_dim", "index_add", "index_copy", "index_fill"]

register_methods({
    "index_select": index_select, "gather": gather,
    "scatter": scatter, "scatter_": inplace_fn(scatter), "scatter_add": scatter_add,
    "scatter_add_": inplace_fn(scatter_add), "scatter_reduce": scatter_reduce,
    "scatter_reduce_": inplace_fn(scatter_reduce),
    "take": take, "put": put, "put_": inplace_fn(put), "take_along_dim": take_along_dim,
    "index_add": index_add, "index_add_": inplace_fn(index_add),
    "index_copy": index_copy, "index_copy_": inplace_fn(index_copy),
    "index_fill": index_fill, "index_fill_": inplace_fn(index_fill),
})

"""More views: as_strided, unfold, diagonal, split/chunk/unbind/tensor_split, movedim.

Strided views (as_strided, unfold, diagonal) share one backward: the index map from each output
element to the input element it reads (computed by applying the same view to ``arange``), used to
scatter-add the gradient back (``_PutIdx``); its adjoint reads through the map (``_TakeIdx``).
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, register_methods
from ._function import Function, xp
from .shape import _as_view, getitem, permute


# ---- index-map gradient pair ---------------------------------------------------------------------
class _TakeIdx(Function):
    """Read x (flattened) at idx; idx == -1 reads zero."""

    @staticmethod
    def forward(ctx, x, idx=None, shape=()):
        ctx.idx, ctx.shape = idx, shape
        m = xp(x)
        flat = m.concatenate([x.reshape(-1), m.zeros(1, dtype=x.dtype)])
        return flat[idx]

    @staticmethod
    def backward(ctx, g):
        return _PutIdx.apply(g, idx=ctx.idx, shape=ctx.shape)

    def name(self):
        return "AsStridedBackward0"


class _PutIdx(Function):
    """zeros(shape) with g added at idx (the gradient of a strided view); -1 entries are dropped."""

    @staticmethod
    def forward(ctx, g, idx=None, shape=()):
        ctx.idx, ctx.shape = idx, shape
        from .indexing import _ufunc_at
        m = xp(g)
        n = int(np.prod(shape))
        z = m.zeros(n + 1, dtype=g.dtype)
        i = idx.reshape(-1)
        _ufunc_at("add", z, (m.where(i < 0, n, i),), g.reshape(-1))
        return z[:n].reshape(shape)

    @staticmethod
    def backward(ctx, gg):
        return _TakeIdx.apply(gg, idx=ctx.idx, shape=ctx.shape)


def _strided(a, shape, coeffs, start, elem_strides=None):
    """View of a: out[i] = a[start + sum_k i_k * coeffs[k]] (coeffs are index-space vectors)."""
    m = xp(a)
    if elem_strides is not None:  # exact strides chosen by the caller (they differ only on size-1 dims)
        strides = tuple(s * a.itemsize for s in elem_strides)
    else:
        strides = tuple(int(sum(c * s for c, s in zip(co, a.strides))) for co in coeffs)
    if int(np.prod(shape)) and a.ndim:
        a = a[tuple(slice(s, None) for s in start)]
    return m.lib.stride_tricks.as_strided(a, tuple(shape), strides)


class _LinView(Function):
    @staticmethod
    def forward(ctx, x, shape=(), coeffs=(), start=(), fname="AsStridedBackward0", elem_strides=None):
        ctx.in_shape, ctx.args, ctx.fname = x.shape, (shape, coeffs, start), fname
        return _strided(x, shape, coeffs, start, elem_strides)

    @staticmethod
    def backward(ctx, g):
        m = xp(g._data)
        n = int(np.prod(ctx.in_shape))
        idx = _strided(m.arange(n, dtype=np.int64).reshape(ctx.in_shape), *ctx.args)
        return _PutIdx.apply(g, idx=idx.copy(), shape=ctx.in_shape)

    def name(self):
        return self.fname


def _unit(n, *ks):
    v = [0] * n
    for k in ks:
        v[k] += 1
    return tuple(v)


def unfold(input, dimension, size, step):
    """Windows of `size` along dimension, every `step`: a view with a new last dim."""
    nd = input.dim()
    d = input._wrap_dim(dimension)
    n = input.shape[d] if nd else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if nd == 0:
        return getitem(input.reshape(1), slice(0, size))
    shape = list(input.shape)
    shape[d] = (n - size) // step + 1
    coeffs = [_unit(nd, k) for k in range(nd)]
    coeffs[d] = tuple(step * c for c in coeffs[d])
    r = _LinView.apply(input, shape=tuple(shape) + (size,), coeffs=tuple(coeffs) + (_unit(nd, d),),
                       start=(0,) * nd, fname="UnfoldBackward0")
    return _as_view(r, input)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal over (dim1, dim2) as a view; it becomes the last dim."""
    nd = input.dim()
    d1, d2 = input._wrap_dim(dim1), input._wrap_dim(dim2)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n1, n2 = input.shape[d1], input.shape[d2]
    start = [0] * nd
    if offset >= 0:
        start[d2] = offset
        length = max(min(n1, n2 - offset), 0)
    else:
        start[d1] = -offset
        length = max(min(n1 + offset, n2), 0)
    keep = [k for k in range(nd) if k not in (d1, d2)]
    shape = tuple(input.shape[k] for k in keep) + (length,)
    coeffs = tuple(_unit(nd, k) for k in keep) + (_unit(nd, d1, d2),)
    if length == 0:
        start = [0] * nd
    r = _LinView.apply(input, shape=shape, coeffs=coeffs, start=tuple(start), fname="DiagonalBackward0")
    return _as_view(r, input)


# ---- as_strided (storage geometry) ---------------------------------------------------------------
def _typed_storage(t: Tensor):
    from .._storage import storage_of
    raw, boff = storage_of(t)
    npdt = t._data.dtype
    usable = raw.size - raw.size % npdt.itemsize
    flat = raw[:usable]
    typed = flat.view(np.uint16).view(npdt) if npdt == D.bfloat16.np else flat.view(npdt)
    return typed, boff // npdt.itemsize


def _positions(shape, strides, offset, m):
    pos = m.full((), offset, dtype=np.int64)
    for n, s in zip(shape, strides):
        pos = pos[..., None] + m.arange(n, dtype=np.int64) * s
    return pos


class _AsStrided(Function):
    @staticmethod
    def forward(ctx, x, view=None, size=(), stride=(), offset=0, in_off=0):
        ctx.in_shape, ctx.args = x.shape, (size, stride, offset, in_off)
        ctx.in_strides = tuple(s // x.itemsize for s in x.strides)
        return view

    @staticmethod
    def backward(ctx, g):
        size, stride, offset, in_off = ctx.args
        m = xp(g._data)
        pin = _positions(ctx.in_shape, ctx.in_strides, in_off, m).reshape(-1)
        pout = _positions(size, stride, offset, m)
        top = int(max(int(pin.max()) if pin.size else 0, int(pout.max()) if pout.size else 0)) + 1
        table = m.full(top, -1, dtype=np.int64)
        table[pin] = m.arange(pin.size, dtype=np.int64)
        return _PutIdx.apply(g, idx=table[pout], shape=ctx.in_shape)

    def name(self):
        return "AsStridedBackward0"


def as_strided(input, size, stride, storage_offset=None):
    """A view with explicit size/stride/offset into input's storage."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    for s in size:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    typed, in_off = _typed_storage(input)
    off = in_off if storage_offset is None else int(storage_offset)
    if off < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {off}")
    isz = input._data.itemsize
    if all(size):
        need = off + sum((n - 1) * s for n, s in zip(size, stride)) + 1
        if need > typed.size:
            raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
                               f"{off}, and itemsize {isz} requiring a storage size of {need * isz} are "
                               f"out of bounds for storage of size {typed.size * isz}")
    m = xp(typed)
    src = typed[off:] if off < typed.size else typed[typed.size:]
    arr = m.lib.stride_tricks.as_strided(src, size, tuple(s * isz for s in stride))
    r = _AsStrided.apply(input, view=arr, size=size, stride=stride, offset=off, in_off=in_off)
    return _as_view(r, input)


# ---- splitting -----------------------------------------------------------------------------------
def _narrow(input, d, start, length):
    return getitem(input, (slice(None),) * d + (slice(start, start + length),))


def split_with_sizes(input, split_sizes, dim=0):
    """Views of consecutive pieces with the given sizes along dim."""
    d = input._wrap_dim(dim)
    sizes = [int(s) for s in split_sizes]
    n = input.shape[d]
    if any(s < 0 for s in sizes):
        raise RuntimeError("split_with_sizes expects split_sizes have only non-negative entries, but got "
                           f"split_sizes={sizes}")
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                           f"size at dimension {d}), but got split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(_narrow(input, d, start, s))
        start += s
    return tuple(out)


def split(tensor, split_size_or_sections, dim=0):
    """Views of pieces of split_size (last may be smaller), or of the given section sizes."""
    if isinstance(split_size_or_sections, (list, tuple)):
        return split_with_sizes(tensor, split_size_or_sections, dim)
    if isinstance(split_size_or_sections, Tensor):
        split_size_or_sections = int(split_size_or_sections.item())
    d = tensor._wrap_dim(dim)
    k = int(split_size_or_sections)
    n = tensor.shape[d]
    if k < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={k}")
    if k == 0:
        if n:
            raise RuntimeError("split_size can only be 0 if dimension size is 0, but got dimension size "
                               f"of {n}")
        return (_narrow(tensor, d, 0, 0),)
    pieces = max((n + k - 1) // k, 1)
    return tuple(_narrow(tensor, d, i * k, min(k, n - i * k)) for i in range(pieces))


def chunk(input, chunks, dim=0):
    """Split into at most `chunks` views of equal size (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = input._wrap_dim(dim)
    n = input.shape[d]
    size = (n + chunks - 1) // chunks
    if size == 0:  # torch: an empty dim gives `chunks` empty views
        return tuple(_narrow(input, d, 0, 0) for _ in range(chunks))
    return split(input, size, d)


def unbind(input, dim=0):
    """All slices along dim (views with that dim removed)."""
    d = input._wrap_dim(dim)
    return tuple(getitem(input, (slice(None),) * d + (i,)) for i in range(input.shape[d]))


def tensor_split(input, indices_or_sections, dim=0):
    """Split into n nearly equal views, or at the given indices (Python slice semantics)."""
    if input.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with "
                           "0 dims")
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.dim() > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional "
                               f"or one-dimensional tensor, but got a tensor with {ios.dim()} dims")
        if ios.dtype is not D.int64:
            from .pointwise import _type_word
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of long, "
                               f"but got {_type_word(ios.dtype)}")
        ios = int(ios.item()) if ios.dim() == 0 else ios.tolist()
    d = input._wrap_dim(dim)
    n = input.shape[d]
    if isinstance(ios, (int, np.integer)):
        k = int(ios)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        out, start = [], 0
        for i in range(k):
            s = q + (1 if i < r else 0)
            out.append(_narrow(input, d, start, s))
            start += s
        return tuple(out)
    bounds = [None] + [int(i) for i in ios] + [None]
    return tuple(getitem(input, (slice(None),) * d + (slice(a, b),)) for a, b in zip(bounds, bounds[1:]))


def _dir_split(name, input, ios, dim, min_dim):
    if input.dim() < min_dim:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} dimension, but got a "
                           f"tensor with {input.dim()} dimensions!")
    if isinstance(ios, (int, np.integer)):
        n = input.shape[dim]
        if ios == 0 or n % ios:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of "
                               f"the dimension {n} is not divisible by the split_size {ios}!")
    return tensor_split(input, ios, dim)


def hsplit(input, indices_or_sections):
    """tensor_split along dim 1 (dim 0 for 1-D); sections must divide evenly."""
    return _dir_split("hsplit", input, indices_or_sections, 1 if input.dim() > 1 else 0, 1)


def vsplit(input, indices_or_sections):
    """tensor_split along dim 0 of a tensor with >= 2 dims."""
    return _dir_split("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):
    """tensor_split along dim 2 of a tensor with >= 3 dims."""
    return _dir_split("dsplit", input, indices_or_sections, 2, 3)


# ---- movedim -------------------------------------------------------------------------------------
def movedim(input, source, destination):
    """Move dims from source positions to destination positions (a view)."""
    src = [source] if isinstance(source, (int, np.integer)) else list(source)
    dst = [destination] if isinstance(destination, (int, np.integer)) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should "
                           f"contain the same number of dims as destination ({dst} dims)")
    nd = input.dim()
    s = [input._wrap_dim(int(x)) for x in src]
    t = [input._wrap_dim(int(x)) for x in dst]
    if len(set(s)) != len(s):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src})")
    if len(set(t)) != len(t):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst})")
    perm = [-1] * nd
    for a, b in zip(s, t):
        perm[b] = a
    rest = iter(k for k in range(nd) if k not in s)
    perm = [p if p >= 0 else next(rest) for p in perm]
    return permute(input, tuple(perm)) if nd else input.view(())


moveaxis = movedim


def expand_keep(input, shape):
    """expand() with torch's strides: a dim keeps its stride unless it grows from size 1."""
    shape = tuple(int(n) for n in shape)
    nd, lead = input.dim(), len(shape) - input.dim()
    if lead == 0 and shape == tuple(input.shape):
        return input
    in_st = input.stride()
    coeffs, strides = [None] * len(shape), [0] * len(shape)
    for i in range(len(shape) - 1, -1, -1):
        k = i - lead
        size = input.shape[k] if k >= 0 else 1
        st = in_st[k] if k >= 0 else (shape[i + 1] * strides[i + 1] if i + 1 < len(shape) else 0)
        grow = size != shape[i]
        strides[i] = 0 if grow else st
        coeffs[i] = (0,) * nd if grow or k < 0 else _unit(nd, k)
    r = _LinView.apply(input, shape=shape, coeffs=tuple(coeffs), start=(0,) * nd,
                       fname="ExpandBackward0", elem_strides=tuple(strides))
    return _as_view(r, input)


__all__ = ["as_strided", "unfold", "diagonal", "split", "split_with_sizes", "chunk", "unbind",
           "tensor_split", "hsplit", "vsplit", "dsplit", "movedim", "moveaxis"]

register_methods({
    "as_strided": as_strided, "unfold": unfold, "diagonal": diagonal, "split": split,
    "split_with_sizes": split_with_sizes, "chunk": chunk, "unbind": unbind,
    "tensor_split": tensor_split, "hsplit": hsplit, "vsplit": vsplit, "dsplit": dsplit,
    "movedim": movedim, "moveaxis": moveaxis,
})

"""Joining and rearranging: cat/stack families, flip/roll/rot90, repeat/tile, tril/triu,
broadcasting helpers, meshgrid, atleast_nd, block_diag, cartesian_prod, combinations."""
from __future__ import annotations

import itertools
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Size, Tensor, _wrap, register_methods
from ._binary import broadcast_error
from ._function import Function, xp
from ._inplace import inplace_fn
from .shape import _shape_arg, expand, getitem, reshape, unsqueeze
from .views_extra import expand_keep


def _contig(a):
    """a itself when laid out row-major with torch's canonical strides, else a C-order copy."""
    st, acc = [], a.itemsize
    for n in reversed(a.shape):
        st.append(acc)
        acc *= max(n, 1)
    return a if tuple(reversed(st)) == a.strides else a.copy(order="C")


def _seq(tensors, fname):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{fname}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    return list(tensors)


def _promote(tensors):
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = D.promote_types(dt, t.dtype)
    return dt


# ---- cat / stack ---------------------------------------------------------------------------------
def _skipped(shape) -> bool:
    """torch's legacy rule: 1-D empty tensors are ignored by cat whatever the other shapes."""
    return len(shape) == 1 and shape[0] == 0


class _Cat(Function):
    @staticmethod
    def forward(ctx, *arrays, dim=0, dtype=None):
        ctx.dim = dim
        ctx.shapes = [a.shape for a in arrays]
        live = [a.astype(dtype, copy=False) for a in arrays if not _skipped(a.shape)]
        return _contig(xp(live[0]).concatenate(live, axis=dim))

    @staticmethod
    def backward(ctx, g):
        from .creation import zeros
        out, start = [], 0
        for shp in ctx.shapes:
            if _skipped(shp):
                out.append(zeros((0,), dtype=g.dtype, device=g.device))
                continue
            n = shp[ctx.dim]
            out.append(getitem(g, (slice(None),) * ctx.dim + (slice(start, start + n),)))
            start += n
        return tuple(out)

    def name(self):
        return "CatBackward0"


def cat(tensors, dim=0, *, axis=None, out=None):
    """Concatenate tensors along an existing dim (promoting dtypes)."""
    if axis is not None:
        dim = axis
    tensors = _seq(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        if t.dim() == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    rd = _promote(tensors)
    live = [(i, t) for i, t in enumerate(tensors) if not _skipped(t.shape)]
    if not live:
        from .creation import zeros
        r = zeros((0,), dtype=rd, device=tensors[0].device)
        return r if out is None else _out(r, out)
    ref = live[0][1]
    d = ref._wrap_dim(dim)
    for i, t in live[1:]:
        if t.dim() != ref.dim():
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.dim()} and {t.dim()}")
        for k in range(ref.dim()):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref.shape[k]} but got size {t.shape[k]} for tensor number {i} in the "
                                   "list.")
    r = _Cat.apply(*tensors, dim=d, dtype=rd.np)
    return r if out is None else _out(r, out)


concat = cat


def concatenate(tensors, axis=0, out=None):
    """Alias of cat (NumPy spelling)."""
    return cat(tensors, axis, out=out)


def _out(r, out):
    from ._binary import _out as o
    return o(r, out)


def stack(tensors, dim=0, *, out=None):
    """Join equal-shaped tensors along a new dim."""
    tensors = _seq(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    s0 = tuple(tensors[0].shape)
    for i, t in enumerate(tensors[1:], 1):
        if tuple(t.shape) != s0:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(s0)} at entry 0 "
                               f"and {list(t.shape)} at entry {i}")
    n = len(s0) + 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got "
                         f"{dim})")
    d = dim + n if dim < 0 else dim
    rd = _promote(tensors)
    r = _Stack.apply(*tensors, dim=d, dtype=rd.np)
    return r if out is None else _out(r, out)


class _Stack(Function):
    @staticmethod
    def forward(ctx, *arrays, dim=0, dtype=None):
        ctx.dim = dim
        return xp(arrays[0]).stack([a.astype(dtype, copy=False) for a in arrays], axis=dim)

    @staticmethod
    def backward(ctx, g):
        return tuple(g.unbind(ctx.dim))

    def name(self):
        return "StackBackward0"


def hstack(tensors, *, out=None):
    """Concatenate column-wise (along dim 1; dim 0 for 1-D inputs)."""
    ts = atleast_1d(*_seq(tensors, "hstack"))
    ts = ts if isinstance(ts, tuple) else (ts,)
    return cat(ts, 0 if ts[0].dim() == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    """Concatenate row-wise after making inputs at least 2-D."""
    ts = atleast_2d(*_seq(tensors, "vstack"))
    return cat(ts if isinstance(ts, tuple) else (ts,), 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    """Concatenate depth-wise (dim 2) after making inputs at least 3-D."""
    ts = atleast_3d(*_seq(tensors, "dstack"))
    return cat(ts if isinstance(ts, tuple) else (ts,), 2, out=out)


def column_stack(tensors, *, out=None):
    """Stack 0-D/1-D tensors as columns next to 2-D ones."""
    ts = [reshape(t, (t.numel(), 1)) if t.dim() <= 1 else t for t in _seq(tensors, "column_stack")]
    return hstack(ts, out=out)


# ---- flip / roll / rot90 -------------------------------------------------------------------------
class _Flip(Function):
    @staticmethod
    def forward(ctx, x, dims=()):
        ctx.dims = dims
        return xp(x).flip(x, axis=dims).copy(order="K") if dims else x.copy(order="K")

    @staticmethod
    def backward(ctx, g):
        return _Flip.apply(g, dims=ctx.dims)

    def name(self):
        return "FlipBackward0"


def _dims_list(t: Tensor, dims):
    if isinstance(dims, (int, np.integer)):
        dims = (dims,)
    out = [t._wrap_dim(int(d)) for d in dims]
    for d in out:
        if out.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return tuple(out)


def flip(input, *dims, **kwargs):
    """Reverse the order of elements along dims (a copy)."""
    if "dims" in kwargs:  # torch.flip(x, dims=[0]) / x.flip(dims=(0, 1))
        if dims:
            raise TypeError("flip() got multiple values for argument 'dims'")
        dims = (kwargs.pop("dims"),)
    if kwargs:
        raise TypeError(f"flip() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if len(dims) == 1 and not isinstance(dims[0], (int, np.integer)):
        dims = dims[0]
    return _Flip.apply(input, dims=_dims_list(input, dims))


def fliplr(input):
    """Flip left/right (dim 1)."""
    if input.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    """Flip up/down (dim 0)."""
    if input.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


class _Roll(Function):
    @staticmethod
    def forward(ctx, x, shifts=(), dims=()):
        ctx.shifts, ctx.dims = shifts, dims
        return _contig(xp(x).roll(x, shifts, axis=dims))

    @staticmethod
    def backward(ctx, g):
        return _Roll.apply(g, shifts=tuple(-s for s in ctx.shifts), dims=ctx.dims)

    def name(self):
        return "RollBackward0"


def roll(input, shifts, dims=None):
    """Rotate elements along dims by shifts (flattened when dims is None)."""
    shifts = (int(shifts),) if isinstance(shifts, (int, np.integer)) else tuple(int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return reshape(_Roll.apply(reshape(input, (-1,)), shifts=shifts, dims=(0,)), input.shape)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    return _Roll.apply(input, shifts=shifts, dims=tuple(input._wrap_dim(int(d)) for d in dims))


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane of dims (from the first towards the second)."""
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.dim()}")
    d0, d1 = input._wrap_dim(dims[0]), input._wrap_dim(dims[1])
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return flip(input, (d1,)).transpose(d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(input, (d0,)).transpose(d0, d1)
    return input.clone(memory_format=None)


# ---- repeat / tile / repeat_interleave -----------------------------------------------------------
def repeat(input, *sizes):
    """Tile the tensor: sizes[i] copies along each dim (leading new dims allowed)."""
    sizes = _shape_arg(sizes)
    nd = input.dim()
    if len(sizes) < nd:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    shape = (1,) * (len(sizes) - nd) + tuple(input.shape)
    final = tuple(r * s for r, s in zip(sizes, shape))
    for f in final:
        if f < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {f}: {list(final)}")
    x = reshape(input, tuple(v for s in shape for v in (1, s)))
    x = expand(x, tuple(v for r, s in zip(sizes, shape) for v in (r, s)))
    r = reshape(x, final)
    return r.clone() if r._base is not None else r


def tile(input, dims):
    """repeat() with dims padded by leading 1s to the tensor's rank."""
    dims = tuple(dims) if not isinstance(dims, (int, np.integer)) else (int(dims),)
    if len(dims) < input.dim():
        dims = (1,) * (input.dim() - len(dims)) + dims
    return repeat(input, dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (along dim, or of the flattened tensor) repeats times."""
    from .creation import arange
    from .indexing import index_select
    if repeats is None:  # repeat_interleave(counts): indices repeated counts times
        counts = input
        return repeat_interleave(arange(counts.numel(), device=counts.device), counts, 0)
    if dim is None:
        input = reshape(input, (-1,))
        dim = 0
    d = input._wrap_dim(dim) if input.dim() else 0
    if input.dim() == 0:
        input = reshape(input, (1,))
    n = input.shape[d]
    if isinstance(repeats, Tensor):
        if repeats.dim() > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        reps = repeats._host().reshape(-1).astype(np.int64)
        if reps.size == 1:
            reps = np.full(n, int(reps[0]), dtype=np.int64)
        elif reps.size != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {reps.size} and input.size({d}) = {n}")
    else:
        reps = np.full(n, int(repeats), dtype=np.int64)
    if (reps < 0).any():
        raise RuntimeError("repeats can not be negative")
    idx = np.repeat(np.arange(n, dtype=np.int64), reps)
    m = xp(input._data)
    return index_select(input, d, _wrap(idx if m is np else m.asarray(idx)))


# ---- triangles -----------------------------------------------------------------------------------
class _Tri(Function):
    @staticmethod
    def forward(ctx, x, k=0, upper=False):
        ctx.k, ctx.upper = k, upper
        m = xp(x)
        return _contig(m.triu(x, k) if upper else m.tril(x, k))

    @staticmethod
    def backward(ctx, g):
        return _Tri.apply(g, k=ctx.k, upper=ctx.upper)

    def name(self):
        return "TriuBackward0" if self.upper else "TrilBackward0"


def tril(input, diagonal=0, *, out=None):
    """Lower triangle of the last two dims (the rest zeroed)."""
    if input.dim() < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    r = _Tri.apply(input, k=int(diagonal), upper=False)
    return r if out is None else _out(r, out)


def triu(input, diagonal=0, *, out=None):
    """Upper triangle of the last two dims (the rest zeroed)."""
    if input.dim() < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    r = _Tri.apply(input, k=int(diagonal), upper=True)
    return r if out is None else _out(r, out)


# ---- broadcasting --------------------------------------------------------------------------------
def broadcast_shapes(*shapes) -> Size:
    """The shape all given shapes broadcast to."""
    norm = [(int(s),) if isinstance(s, (int, np.integer)) else tuple(int(v) for v in s) for s in shapes]
    for s in norm:
        if any(v < 0 for v in s):
            raise ValueError("Attempting to broadcast a dimension with negative length!")
    res: list = []
    for i, s in enumerate(norm):
        n = max(len(res), len(s))
        cur = [1] * (n - len(res)) + res
        for j in range(1, len(s) + 1):
            a, b = cur[-j], s[-j]
            if a == b or b == 1:
                continue
            if a == 1:
                cur[-j] = b
            else:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {b} at {-j}! Mismatching "
                                   f"argument at index {i} had {tuple(s)}; but expected shape should be "
                                   f"broadcastable to {res}")
        res = cur
    return Size(res)


def broadcast_tensors(*tensors):
    """Expanded views of the tensors with their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = ()
    for t in tensors:
        try:
            shape = np.broadcast_shapes(shape, tuple(t.shape))
        except ValueError:
            raise broadcast_error(shape, tuple(t.shape)) from None
    return tuple(t if tuple(t.shape) == shape else expand_keep(t, shape) for t in tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids (expanded views) from 1-D tensors; indexing 'ij' or 'xy'."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: "
                               f"{t!r}")
    n = len(tensors)
    sizes = [t.numel() for t in tensors]
    pos = list(range(n))
    if indexing == "xy" and n >= 2:
        pos[0], pos[1] = 1, 0
    shape = [0] * n
    for i, p in enumerate(pos):
        shape[p] = sizes[i]
    out = []
    for i, t in enumerate(tensors):
        vs = [1] * n
        vs[pos[i]] = sizes[i]
        out.append(expand_keep(reshape(t, tuple(vs)), tuple(shape)))
    return tuple(out)


# ---- atleast_nd ----------------------------------------------------------------------------------
def _atleast(fn, tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(fn(t) for t in tensors[0])
    if len(tensors) == 1:
        return fn(tensors[0])
    return tuple(fn(t) for t in tensors)


def _a1(t):
    return reshape(t, (1,)) if t.dim() == 0 else t


def _a2(t):
    if t.dim() == 0:
        return reshape(t, (1, 1))
    return unsqueeze(t, 0) if t.dim() == 1 else t


def _a3(t):
    if t.dim() == 0:
        return reshape(t, (1, 1, 1))
    if t.dim() == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    return unsqueeze(t, -1) if t.dim() == 2 else t


def atleast_1d(*tensors):
    """View(s) with at least one dimension."""
    return _atleast(_a1, tensors)


def atleast_2d(*tensors):
    """View(s) with at least two dimensions."""
    return _atleast(_a2, tensors)


def atleast_3d(*tensors):
    """View(s) with at least three dimensions."""
    return _atleast(_a3, tensors)


# ---- block_diag / cartesian_prod / combinations / narrow_copy ------------------------------------
class _BlockDiag(Function):
    @staticmethod
    def forward(ctx, *arrays, dtype=None):
        m = xp(arrays[0])
        rows = sum(a.shape[0] for a in arrays)
        cols = sum(a.shape[1] for a in arrays)
        z = m.zeros((rows, cols), dtype=dtype)
        r = c = 0
        spans = []
        for a in arrays:
            z[r:r + a.shape[0], c:c + a.shape[1]] = a
            spans.append((r, a.shape[0], c, a.shape[1]))
            r, c = r + a.shape[0], c + a.shape[1]
        ctx.spans = spans
        return z

    @staticmethod
    def backward(ctx, g):
        return tuple(getitem(g, (slice(r, r + h), slice(c, c + w))) for r, h, c, w in ctx.spans)


def block_diag(*tensors):
    """A block-diagonal matrix from 0-D, 1-D and 2-D tensors."""
    if not tensors:
        from .creation import zeros
        return zeros((1, 0))
    ts = []
    for i, t in enumerate(tensors):
        if t.dim() > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} "
                               f"has {t.dim()} dimensions")
        ts.append(reshape(t, (1, 1)) if t.dim() == 0 else reshape(t, (1, t.shape[0])) if t.dim() == 1 else t)
    return _BlockDiag.apply(*ts, dtype=_promote(ts).np)


def cartesian_prod(*tensors):
    """All combinations of elements of 1-D tensors, one per row."""
    for t in tensors:
        if t.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """Length-r combinations of a 1-D tensor's elements, one per row."""
    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        from .creation import zeros
        return zeros((0,), dtype=input.dtype, device=input.device)
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(gen(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    m = xp(input._data)
    from .indexing import take
    return take(input, _wrap(idx if m is np else m.asarray(idx)))


def narrow_copy(input, dim, start, length):
    """narrow() as a new contiguous tensor."""
    from .shape import narrow
    return narrow(input, dim, start, length).clone(memory_format=_ContigFmt)


class _Fmt:
    _name = "contiguous_format"


_ContigFmt = _Fmt()

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack",
           "column_stack", "flip", "fliplr", "flipud", "roll", "rot90", "tile", "repeat_interleave",
           "tril", "triu", "broadcast_shapes", "broadcast_tensors", "meshgrid", "atleast_1d",
           "atleast_2d", "atleast_3d", "block_diag", "cartesian_prod", "combinations", "narrow_copy"]

register_methods({
    "flip": flip, "fliplr": fliplr, "flipud": flipud, "roll": roll, "rot90": rot90, "tile": tile,
    "repeat": repeat, "repeat_interleave": repeat_interleave, "tril": tril, "triu": triu,
    "tril_": inplace_fn(tril), "triu_": inplace_fn(triu), "narrow_copy": narrow_copy,
})

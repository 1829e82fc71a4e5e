"""View ops: results share the input's storage (``_base``) and version counter.

Each view's backward maps the gradient back onto the input's shape using ember ops.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Size, Tensor, _same_inference, _wrap
from ..autograd.grad_mode import state as _gs
from ._function import Function, xp


def _as_view(r: Tensor, src: Tensor) -> Tensor:
    """Mark r as a view of src: same storage family, shared version counter."""
    base = src._base if src._base is not None else src
    r._base = base
    if base._inference or r._inference:
        _same_inference(r, base)
    if base._vc is None:
        base._vc = [0]
    r._vc = base._vc
    if r._rg:
        r.__dict__["_view_ver"] = base._vc[0]
    return r


class _NoCtx:
    """Scratch ctx for forward-only calls (no graph recorded): attributes written here are dropped."""

    def __setattr__(self, k, v):
        pass


_NOCTX = _NoCtx()


def _fast_view(input: Tensor, arr) -> Tensor:
    """Wrap arr as a view of input without recording a graph (the no-grad path of view ops)."""
    return _as_view(_wrap(arr), input)


def _no_grad_for(t: Tensor) -> bool:
    return not (t._rg and _gs.grad_enabled) and t._names is None


def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = tuple(shape[0])
    out = []
    for s in shape:
        if isinstance(s, Tensor):
            s = int(s.item())
        elif not isinstance(s, (int, np.integer)):
            raise TypeError(f"view(): argument 'size' must be tuple of ints, but found element of "
                            f"type {type(s).__name__}")
        out.append(int(s))
    return tuple(out)


def _infer_shape(shape: tuple, numel: int) -> tuple:
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size "
                               f"{numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
    return shape


def compute_view_strides(oldshape, oldstride, newshape):
    """torch's strides for viewing (oldshape, oldstride) as newshape, or None if impossible."""
    numel = 1
    for s in oldshape:
        numel *= s
    if numel == 0:
        if tuple(oldshape) == tuple(newshape):
            return tuple(oldstride)
        out, acc = [], 1
        for s in reversed(newshape):
            out.append(acc)
            acc *= max(s, 1)
        return tuple(reversed(out))
    if not oldshape:
        return tuple(1 for _ in newshape)
    newstride = [0] * len(newshape)
    view_d = len(newshape) - 1
    chunk_base = oldstride[-1]
    tensor_numel = 1
    view_numel = 1
    for d in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[d]
        # a chunk ends where the next-outer dim does not continue it contiguously
        if d == 0 or (oldshape[d - 1] != 1 and oldstride[d - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                chunk_base = oldstride[d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(newstride)


class View(Function):
    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.in_shape = x.shape
        v = x.view()
        try:
            v.shape = shape
        except (AttributeError, ValueError):
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                               "least one dimension spans across two contiguous subspaces). Use "
                               ".reshape(...) instead.") from None
        if 1 in shape and v.size:  # NumPy picks arbitrary strides for size-1 dims; torch does not
            isz = x.itemsize
            st = compute_view_strides(x.shape, [s // isz for s in x.strides], shape)
            if st is not None:
                v = xp(x).lib.stride_tricks.as_strided(x, shape, tuple(s * isz for s in st))
        return v

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape)


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape)

    def name(self):
        return "ViewBackward0" if self.__dict__.get("is_view") else "UnsafeViewBackward0"


def view(input, *shape):
    """A view with a new shape (the layout must allow it)."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, Size, int, np.integer, Tensor)):
        from .conversion import _view_dtype
        return _view_dtype(input, shape[0])
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    if _no_grad_for(input):
        return _fast_view(input, View.forward(_NOCTX, input._data, shape=shape))
    r = View.apply(input, shape=shape)
    return _as_view(r, input)


def reshape(input, *shape):
    """The same data with a new shape: a view when the layout allows, else a copy."""
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    d = input._data
    v = d.view()
    try:
        v.shape = shape
        if _no_grad_for(input):
            return _fast_view(input, View.forward(_NOCTX, d, shape=shape))
        r = View.apply(input, shape=shape)
        return _as_view(r, input)
    except (AttributeError, ValueError, RuntimeError):
        pass
    r = Reshape.apply(input, shape=shape)
    return r


def view_as(input, other):
    return view(input, other.shape)


def reshape_as(input, other):
    return reshape(input, other.shape)


class Transpose(Function):
    @staticmethod
    def forward(ctx, x, d0=0, d1=1):
        ctx.d0, ctx.d1 = d0, d1
        return xp(x).swapaxes(x, d0, d1)

    @staticmethod
    def backward(ctx, g):
        return g.transpose(ctx.d0, ctx.d1)


def transpose(input, dim0, dim1):
    """Swap two dimensions (a view)."""
    d0, d1 = input._wrap_dim(dim0), input._wrap_dim(dim1)
    if _no_grad_for(input):
        return _fast_view(input, input._data.swapaxes(d0, d1))
    r = _as_view(Transpose.apply(input, d0=d0, d1=d1), input)
    if input._names is not None:
        n = list(input._names)
        n[d0], n[d1] = n[d1], n[d0]
        r._names = tuple(n)
    return r


swapaxes = swapdims = transpose


def t(input):
    """Transpose a tensor of at most 2 dims."""
    if input.dim() > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.dim()}D")
    if input.dim() < 2:
        return _as_view(View.apply(input, shape=input._data.shape), input)
    r = transpose(input, 0, 1)
    return r


class Permute(Function):
    @staticmethod
    def forward(ctx, x, dims=()):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        inv = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inv[d] = i
        return g.permute(inv)


def permute(input, *dims):
    """Reorder dimensions (a view)."""
    dims = _shape_arg(dims)
    if len(dims) != input.dim():
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not "
                           f"match the length of the desired ordering of dimensions i.e. input.dim() "
                           f"= {input.dim()} is not equal to len(dims) = {len(dims)}")
    wd = tuple(input._wrap_dim(d) for d in dims)
    if len(set(wd)) != len(wd):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    r = _as_view(Permute.apply(input, dims=wd), input)
    if input._names is not None:
        r._names = tuple(input._names[d] for d in wd)
    return r


class Expand(Function):
    @staticmethod
    def forward(ctx, x, shape=()):
        lead = len(shape) - x.ndim
        # torch keeps the stride of every dim whose size does not change (size-1 ones included);
        # a new size-1 leading dim gets unsqueeze's stride, a broadcast dim stride 0
        strides = [0] * len(shape)
        nxt = x.itemsize
        for i in range(len(shape) - 1, -1, -1):
            s = shape[i]
            if i >= lead and x.shape[i - lead] == s:
                strides[i] = x.strides[i - lead]
            elif i < lead and s == 1 and x.ndim:
                strides[i] = nxt
            nxt = strides[i] * s
        strides = tuple(strides)
        m = xp(x)
        r = m.broadcast_to(x, shape)  # read-only (setting the flag ourselves leaks in NumPy 2)
        if r.strides != strides:
            r = m.lib.stride_tricks.as_strided(x, shape, strides)
        return r

    @staticmethod
    def backward(ctx, g):
        return g  # the engine sums broadcast gradients back to the input shape


def expand(input, *sizes):
    """Broadcast to a larger shape without copying (stride 0 on new/expanded dims)."""
    sizes = _shape_arg(sizes)
    d = input._data
    if len(sizes) < d.ndim:
        raise RuntimeError(f"expand({_type_str(input)}{{{list(d.shape)}}}, size=[{', '.join(map(str, sizes))}]):"
                           f" the number of sizes provided ({len(sizes)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({d.ndim})")
    lead = len(sizes) - d.ndim
    shape = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   "non-existing dimension 0")
            shape.append(s)
            continue
        cur = d.shape[i - lead]
        if s == -1:
            s = cur
        elif cur != s and cur != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size "
                               f"({cur}) at non-singleton dimension {i}.  Target sizes: "
                               f"[{', '.join(map(str, sizes))}].  Tensor sizes: [{', '.join(map(str, d.shape))}]")
        shape.append(s)
    return _as_view(Expand.apply(input, shape=tuple(shape)), input)


def _type_str(t):
    from ..autograd.graph import _type_name
    return _type_name(t)[6:]


def expand_as(input, other):
    return expand(input, other.shape)


def broadcast_to(input, size):
    return expand(input, size)


def squeeze(input, dim=None):
    """Remove size-1 dimensions (all, or the given ones)."""
    d = input._data
    if dim is None:
        dims = [i for i, s in enumerate(d.shape) if s == 1]
    else:
        dims = dim if isinstance(dim, (tuple, list)) else [dim]
        dims = [input._wrap_dim(x) for x in dims]
        dims = [x for x in dims if d.shape[x] == 1]
    shape = tuple(s for i, s in enumerate(d.shape) if i not in dims)
    r = _as_view(_Squeeze.apply(input, shape=shape, dims=tuple(dims)), input)
    if input._names is not None:
        r._names = tuple(n for i, n in enumerate(input._names) if i not in dims)
    return r


class _Squeeze(Function):
    @staticmethod
    def forward(ctx, x, shape=(), dims=()):
        ctx.in_shape = x.shape
        strides = tuple(s for i, s in enumerate(x.strides) if i not in dims)
        return xp(x).lib.stride_tricks.as_strided(x, shape, strides) if dims else x.view()

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape)

    def name(self):
        return "SqueezeBackward0"


class _Unsqueeze(Function):
    @staticmethod
    def forward(ctx, x, dim=0):
        ctx.dim = dim
        # torch's stride for the new dim: stride*size of the dim after it (1 at the end)
        st = list(x.strides)
        new = st[dim] * x.shape[dim] if dim < x.ndim else x.itemsize
        shape = x.shape[:dim] + (1,) + x.shape[dim:]
        strides = tuple(st[:dim]) + (new,) + tuple(st[dim:])
        return xp(x).lib.stride_tricks.as_strided(x, shape, strides)

    @staticmethod
    def backward(ctx, g):
        return g.squeeze(ctx.dim)

    def name(self):
        return "UnsqueezeBackward0"


def unsqueeze(input, dim):
    """Insert a size-1 dimension at dim."""
    n = input.dim() + 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but "
                         f"got {dim})")
    dim = dim + n if dim < 0 else dim
    if _no_grad_for(input):
        return _fast_view(input, _Unsqueeze.forward(_NOCTX, input._data, dim=dim))
    r = _as_view(_Unsqueeze.apply(input, dim=dim), input)
    if input._names is not None:
        n_ = list(input._names)
        n_.insert(dim, None)
        r._names = tuple(n_)
    return r


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one."""
    if input.dim() == 0:
        return reshape(input, 1)
    s, e = input._wrap_dim(start_dim), input._wrap_dim(end_dim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input.shape
    n = 1
    for x in shape[s:e + 1]:
        n *= x
    return reshape(input, tuple(shape[:s]) + (n,) + tuple(shape[e + 1:]))


def unflatten(input, dim, sizes):
    """Split one dim into several."""
    d = input._wrap_dim(dim)
    sizes = tuple(sizes)
    shape = input.shape
    if -1 in sizes:
        known = 1
        for s in sizes:
            if s != -1:
                known *= s
        sizes = tuple(shape[d] // known if s == -1 else s for s in sizes)
    n = 1
    for s in sizes:
        n *= s
    if n != shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of "
                           f"dim {dim} ({shape[d]}) in the input tensor")
    return view(input, tuple(shape[:d]) + sizes + tuple(shape[d + 1:]))


# ---- basic indexing (views) ----------------------------------------------------------------------
class _Index(Function):
    """Basic indexing (ints, slices, None, Ellipsis): a view; backward fills a zero tensor."""

    @staticmethod
    def forward(ctx, x, key=()):
        ctx.key = key
        ctx.in_shape = x.shape
        # a trailing Ellipsis keeps an all-integer key a 0-d view instead of a NumPy scalar copy
        r = x[key + (Ellipsis,)] if Ellipsis not in key else x[key]
        if None in key:
            r = _fix_new_axis_strides(x, key, r)
        return r

    @staticmethod
    def backward(ctx, g):
        return _IndexBackwardFill.apply(g, key=ctx.key, shape=ctx.in_shape)

    def name(self):
        key = self.key
        if len(key) == 1 and isinstance(key[0], int):
            return "SelectBackward0"
        if all(isinstance(k, slice) for k in key if k is not Ellipsis):
            return "SliceBackward0"
        return "AliasBackward0" if not key else "SelectBackward0" if any(isinstance(k, int) for k in key) \
            else "SliceBackward0"


def _fix_new_axis_strides(x, key, r):
    """torch gives a None-inserted dim the stride*size of the dim that follows it (unsqueeze's rule)."""
    n_consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
    strides = list(r.strides)
    d = 0
    out = 0
    for k in key:
        if k is None:
            strides[out] = x.strides[d] * x.shape[d] if d < x.ndim else x.itemsize
            out += 1
        elif k is Ellipsis:
            cnt = x.ndim - n_consumed
            d += cnt
            out += cnt
        elif isinstance(k, int):
            d += 1
        else:
            d += 1
            out += 1
    return xp(x).lib.stride_tricks.as_strided(r, r.shape, tuple(strides))


class _IndexBackwardFill(Function):
    @staticmethod
    def forward(ctx, g, key=(), shape=()):
        ctx.key = key
        z = xp(g).zeros(shape, dtype=g.dtype)
        z[key] = g
        return z

    @staticmethod
    def backward(ctx, gg):
        return _Index.apply(gg, key=ctx.key)


def _normalize_basic_key(t: Tensor, key):
    """(numpy key, is_basic); validates ints and slice steps as torch does."""
    if not isinstance(key, tuple):
        key = (key,)
    ndim = t._data.ndim
    shape = t._data.shape
    basic = True
    n_consumed = 0
    for k in key:
        if k is None or k is Ellipsis:
            continue
        if isinstance(k, bool) or isinstance(k, (list, np.ndarray)) or (isinstance(k, Tensor) and
                                                                        (k.dim() > 0 or k.dtype.is_bool)):
            basic = False
        n_consumed += 1
    if not basic:
        return key, False
    if n_consumed > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    out = []
    dim = 0
    ell_seen = False
    for k in key:
        if k is None:
            out.append(None)
            continue
        if k is Ellipsis:
            if ell_seen:
                raise IndexError("an index can only have a single ellipsis ('...')")
            ell_seen = True
            out.append(Ellipsis)
            dim += ndim - n_consumed
            continue
        if isinstance(k, Tensor):
            if k.dtype.is_floating_point or k.dtype.is_complex:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            k = int(k.item())
        if isinstance(k, (int, np.integer)):
            k = int(k)
            size = shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {size}")
            out.append(k)
        elif isinstance(k, slice):
            if k.step is not None:
                st = int(k.step)
                if st <= 0:
                    raise ValueError("step must be greater than zero")
            out.append(slice(_int_or_none(k.start), _int_or_none(k.stop), _int_or_none(k.step)))
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                             "Variables are valid indices (got " + type(k).__name__ + ")")
        dim += 1
    return tuple(out), True


def _int_or_none(v):
    if v is None:
        return None
    if isinstance(v, Tensor):
        return int(v.item())
    return int(v)


def getitem(self, key):
    """tensor[key]: a view for basic indices, a copy for tensor/list/bool indices."""
    nkey, basic = _normalize_basic_key(self, key)
    if not basic:
        from .indexing import advanced_getitem
        return advanced_getitem(self, key)
    if _no_grad_for(self):
        return _fast_view(self, _Index.forward(_NOCTX, self._data, key=nkey))
    r = _as_view(_Index.apply(self, key=nkey), self)
    if self._names is not None:
        from .named import index_names
        r._names = index_names(self, nkey)
    return r


def select(input, dim, index):
    """The slice at index along dim (a view with one dim fewer)."""
    d = input._wrap_dim(dim)
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} "
                         f"at dimension {dim}")
    return getitem(input, (slice(None),) * d + (index,))


def narrow(input, dim, start, length):
    """length elements of dim starting at start (a view)."""
    d = input._wrap_dim(dim)
    if isinstance(start, Tensor):
        start = int(start.item())
    size = input.shape[d]
    if start < 0:
        start += size
    if start < 0 or start + length > size or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return getitem(input, (slice(None),) * d + (slice(start, start + length),))


def contiguous(input, memory_format=None):
    """self if already contiguous, else a contiguous copy."""
    if input.is_contiguous() and memory_format is None:
        return input
    from .conversion import Clone, clone
    if memory_format is not None:
        import ember
        if memory_format is not ember.preserve_format and input.is_contiguous(memory_format=memory_format):
            return input  # as torch: already laid out that way (size-1 dims keep their strides)
        return clone(input, memory_format=memory_format)
    r = Clone.apply(input, order="C")
    if input._names is not None:
        r._names = input._names
    return r


__all__ = ["view", "reshape", "view_as", "reshape_as", "transpose", "swapaxes", "swapdims", "t",
           "permute", "expand", "expand_as", "broadcast_to", "squeeze", "unsqueeze", "flatten",
           "unflatten", "select", "narrow"]


class _RealImag(Function):
    @staticmethod
    def forward(ctx, x, part="real"):
        ctx.part = part
        return x.real if part == "real" else x.imag

    @staticmethod
    def backward(ctx, g):
        return g * (1 + 0j) if ctx.part == "real" else g * 1j

    def name(self):
        return "RealBackward0" if self.part == "real" else "ImagBackward0"


def _real_imag(input, part):
    """Real or imaginary part of a complex tensor, as a view (real of a real tensor is itself)."""
    if not input.is_complex():
        if part == "real":
            return input
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return _as_view(_RealImag.apply(input, part=part), input)


class _ViewAsReal(Function):
    @staticmethod
    def forward(ctx, x):
        fl = np.float32 if x.dtype == np.complex64 else np.float64
        if not x.ndim:
            return x.reshape(1).view(fl)
        if x.strides[-1] == x.itemsize or x.shape[-1] == 1:
            return x.view(fl).reshape(x.shape + (2,))
        # any other strides: (real, imag) pairs read through the real part's view, no copy
        re = x.real
        return xp(x).lib.stride_tricks.as_strided(re, x.shape + (2,), x.strides + (re.itemsize,))

    @staticmethod
    def backward(ctx, g):
        return _view_as_complex(g.contiguous())


class _ViewAsComplex(Function):
    @staticmethod
    def forward(ctx, x):
        c = np.complex64 if x.dtype == np.float32 else np.complex128
        return x.view(c)[..., 0]

    @staticmethod
    def backward(ctx, g):
        return _view_as_real(g)


def _view_as_real(input):
    if not input.is_complex():
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return _as_view(_ViewAsReal.apply(input), input)


def _view_as_complex(input):
    if input.shape[-1:] != (2,) or input.stride(-1) != 1:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    return _as_view(_ViewAsComplex.apply(input), input)

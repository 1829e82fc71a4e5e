"""Matrix products: matmul (and the ``@`` operator), mm/bmm/mv/dot/vdot/inner/outer, the add*
fused forms, tensordot, kron, cross, multi_dot, diag/diag_embed/diagflat/trace, cdist, vander,
cov/corrcoef, trapezoid and the tril/triu index factories.

torch's products do not promote: both operands must share a dtype, and the error message names
the kernel torch would dispatch to (mm, mv, dot, bmm) for that combination of dimensions.
"""
from __future__ import annotations

import numpy as np

from .. import _blas, _dtype as D
from .._tensor import Tensor, _wrap, register_methods
from ._function import Function, sum_to_shape, xp

_C_NAME = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short",
           "int32": "int", "int64": "long int", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
           "float32": "float", "float64": "double", "complex64": "c10::complex<float>",
           "complex128": "c10::complex<double>", "uint16": "unsigned short",
           "uint32": "unsigned int", "uint64": "unsigned long"}


def _word(dt) -> str:
    from .pointwise import _type_word
    return _type_word(dt)


def _mT(t: Tensor) -> Tensor:
    """The (conjugate) transpose of the last two dims, as the gradient of a product needs."""
    t = t.transpose(-2, -1)
    return t.conj() if t.is_complex() else t


def _conj(t: Tensor) -> Tensor:
    return t.conj() if t.is_complex() else t


# ---- the core product ---------------------------------------------------------------------------
def _raw_matmul(a, b):
    m = xp(a)
    if a.dtype.kind == "f" and a.dtype.itemsize == 2 or a.dtype == D.bfloat16.np:
        # half types accumulate in float32, as torch's CPU kernels do
        return m.asarray(m.matmul(a.astype(np.float32), b.astype(np.float32))).astype(a.dtype)
    r = _blas.matmul(a, b)
    return r if r.__class__ is a.__class__ else m.asarray(r)


class MatMul(Function):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b, label="Mm"):
        ctx.label = label
        return _raw_matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = a.dim(), b.dim()
        ga = gb = None
        if na == 1 and nb == 1:
            if ctx.needs_input_grad[0]:
                ga = g * _conj(b)
            if ctx.needs_input_grad[1]:
                gb = _conj(a) * g
            return ga, gb
        a2 = a.unsqueeze(0) if na == 1 else a
        b2 = b.unsqueeze(-1) if nb == 1 else b
        g2 = g.unsqueeze(-2) if na == 1 else g
        g2 = g2.unsqueeze(-1) if nb == 1 else g2
        if ctx.needs_input_grad[0]:
            ga = matmul(g2, _mT(b2))
            ga = sum_to_shape(ga.squeeze(-2), a.shape) if na == 1 else sum_to_shape(ga, a.shape)
        if ctx.needs_input_grad[1]:
            gb = matmul(_mT(a2), g2)
            gb = sum_to_shape(gb.squeeze(-1), b.shape) if nb == 1 else sum_to_shape(gb, b.shape)
        return ga, gb

    def name(self):
        return self.__dict__.get("label", "Mm") + "Backward0"


def _shape_str(s) -> str:
    return "x".join(str(int(v)) for v in s)


def _check_matmul(a: Tensor, b: Tensor) -> str:
    """Raise torch's error for operands matmul cannot take; return the kernel name it uses."""
    na, nb = a.dim(), b.dim()
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D")
    da, db = a.dtype, b.dtype
    sa, sb = a.shape, b.shape
    if na == 1 and nb == 1:
        _check_dot(a, b)
        return "Dot"
    if nb == 1 and na >= 2:
        rows = int(np.prod(sa[:-1]))
        if da is not db:
            raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_word(db)}, "
                               f"{_word(da)}, and {_word(db)}")
        if da is D.bool_:
            raise NotImplementedError("\"addmv_impl_cpu\" not implemented for 'Bool'")
        if sa[-1] != sb[0]:
            raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{sa[-1]}), vec ({sb[0]})")
        return "Mv"
    if nb == 2:
        rows = 1 if na == 1 else int(np.prod(sa[:-1]))
        if da is not db:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                               f"{_C_NAME[da.name]} != {_C_NAME[db.name]}")
        if da is D.bool_:
            raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
        if sa[-1] != sb[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{sa[-1]} and "
                               f"{_shape_str(sb)})")
        return "Mm"
    # batched: broadcast the batch dims, then a bmm
    ba = sa[:-2] if na > 1 else ()
    bb = sb[:-2]
    try:
        batch = np.broadcast_shapes(tuple(ba), tuple(bb))
    except ValueError:
        from ._binary import broadcast_error
        raise broadcast_error(ba, bb) from None
    if da is not db:
        raise RuntimeError(f"expected scalar type {_word(da)} but found {_word(db)}")
    if da is D.bool_:
        raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
    k = sa[-1]
    if sb[-2] != k:
        nbat = int(np.prod(batch))
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{nbat}, {k}] "
                           f"but got: [{nbat}, {sb[-2]}].")
    return "UnsafeView"


def _check_dot(a: Tensor, b: Tensor, name: str = "dot") -> None:
    if a.dim() != 1 or b.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.dim()}D and {b.dim()}D tensors")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_word(a.dtype)} "
                           f"and {_word(b.dtype)}")
    if a.dtype is D.bool_:
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")
    if a.shape[0] != b.shape[0]:
        n, m = a.shape[0], b.shape[0]
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the "
                           f"same number of elements, but got {n} and {m} elements respectively")


def _device_check(a, b):
    if a._data.__class__ is not b._data.__class__:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least two "
                           f"devices, {a.device} and {b.device}!")


def matmul(input, other, *, out=None) -> Tensor:
    """Matrix product with torch's rules for 1-D operands and broadcast batch dims."""
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other if isinstance(input, Tensor) else input).__name__}")
    da, db = input._data, other._data
    if da.ndim == 2 and db.ndim == 2 and da.dtype is db.dtype and da.shape[1] == db.shape[0] \
            and da.dtype.kind in "fc" and da.__class__ is db.__class__:
        label = "Mm"  # the common case, checked cheaply
    else:
        _device_check(input, other)
        label = _check_matmul(input, other)
    return _o(MatMul.apply(input, other, label=label), out)


def _rmatmul(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(other, self)


def _imatmul(self, other):
    from ._inplace import inplace_fn
    return inplace_fn(matmul)(self, other)


def mm(input, mat2, *, out=None) -> Tensor:
    """Product of two matrices."""
    if input.dim() != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.dim() != 2:
        raise RuntimeError("mat2 must be a matrix")
    _device_check(input, mat2)
    _check_matmul(input, mat2)
    return _o(MatMul.apply(input, mat2, label="Mm"), out)


def bmm(input, mat2, *, out=None) -> Tensor:
    """Batched product of (b, n, m) and (b, m, p)."""
    if input.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.dtype is not mat2.dtype:
        raise RuntimeError(f"expected scalar type {_word(input.dtype)} but found {_word(mat2.dtype)}")
    b, n, k = input.shape
    if tuple(mat2.shape[:2]) != (b, k):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] "
                           f"but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    if input.dtype is D.bool_:
        raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
    return _o(MatMul.apply(input, mat2, label="Bmm"), out)


def mv(input, vec, *, out=None) -> Tensor:
    """Matrix-vector product."""
    if input.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.dim()}, {vec.dim()}")
    _check_matmul(input, vec)
    return _o(MatMul.apply(input, vec, label="Mv"), out)


def dot(input, tensor, *, out=None) -> Tensor:
    """Dot product of two 1-D tensors (no conjugation)."""
    _check_dot(input, tensor)
    return _o(MatMul.apply(input, tensor, label="Dot"), out)


def vdot(input, other, *, out=None) -> Tensor:
    """Dot product conjugating the first argument."""
    _check_dot(input, other, "vdot")
    return _o(MatMul.apply(_conj(input), other, label="Vdot"), out)


def inner(input, other, *, out=None) -> Tensor:
    """Sum product over the last dims (a product for 0-dim operands)."""
    if input.dim() == 0 or other.dim() == 0:
        return _o(input * other, out)
    if input.dtype is not other.dtype:
        raise RuntimeError("both inputs should have same dtype")
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return _o(tensordot(input, other, ([-1], [-1])), out)


def outer(input, vec2, *, out=None) -> Tensor:
    """Outer product of two vectors (promotes dtypes)."""
    if input.dim() != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.dim()}-D")
    if vec2.dim() != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2.dim()}-D")
    return _o(input.unsqueeze(1) * vec2, out)


ger = outer


def _scaled_sum(input, prod, beta, alpha):
    """beta * input + alpha * prod, ignoring input entirely when beta == 0 (NaNs included)."""
    if input.dtype is not prod.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_word(input.dtype)} and "
                           f"{_word(prod.dtype)}")
    if not (prod.is_floating_point() or prod.is_complex()):
        beta, alpha = int(beta), int(alpha)
    inp = input.expand(prod.shape)
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:  # input is ignored (even its NaNs) but still gets a (zero) gradient
        return _IgnoreSecond.apply(prod, inp) if inp.requires_grad else prod
    return prod + (inp if beta == 1 else inp * beta)


class _IgnoreSecond(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g, g * 0

    def name(self):
        return "AddmmBackward0"


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2)."""
    return _o(_scaled_sum(input, mm(mat1, mat2), beta, alpha), out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * (mat @ vec)."""
    return _o(_scaled_sum(input, mv(mat, vec), beta, alpha), out)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * sum_b(batch1[b] @ batch2[b])."""
    return _o(_scaled_sum(input, bmm(batch1, batch2).sum(0), beta, alpha), out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * bmm(batch1, batch2)."""
    return _o(_scaled_sum(input, bmm(batch1, batch2), beta, alpha), out)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2)."""
    return _o(_scaled_sum(input, outer(vec1, vec2), beta, alpha), out)


# ---- tensordot, kron, multi_dot -----------------------------------------------------------------
def _dims_list(d):
    if isinstance(d, Tensor):
        d = d.tolist()
    return [int(d)] if isinstance(d, (int, np.integer)) else [int(x) for x in d]


def tensordot(a, b, dims=2, out=None) -> Tensor:
    """Contract dims of a with dims of b (dims: an int n, or a pair of dim lists)."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.dim() or dims > b.dim():
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(-dims, 0)), list(range(dims))
    else:
        da, db = dims
        da, db = _dims_list(da), _dims_list(db)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    pa = [a._wrap_dim(d) for d in da]
    pb = [b._wrap_dim(d) for d in db]
    size = 1
    for x, y, i, j in zip(pa, pb, da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[x]} in "
                               f"dim {i} and second has size {b.shape[y]} in dim {j}")
        size *= a.shape[x]
    fa = [i for i in range(a.dim()) if i not in pa]
    fb = [i for i in range(b.dim()) if i not in pb]
    out_shape = [a.shape[i] for i in fa] + [b.shape[i] for i in fb]
    na = int(np.prod([a.shape[i] for i in fa])) if fa else 1
    nb = int(np.prod([b.shape[i] for i in fb])) if fb else 1
    am = a.permute(fa + pa).reshape(na, size)
    bm = b.permute(pb + fb).reshape(size, nb)
    if a.dtype is D.bool_:
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    return _o(MatMul.apply(am, bm, label="Mm").reshape(out_shape), out)


def kron(input, other, *, out=None) -> Tensor:
    """Kronecker product (promotes dtypes)."""
    n = max(input.dim(), other.dim())
    sa = (1,) * (n - input.dim()) + tuple(input.shape)
    sb = (1,) * (n - other.dim()) + tuple(other.shape)
    ia = [v for s in sa for v in (s, 1)]
    ib = [v for s in sb for v in (1, s)]
    r = input.reshape(ia) * other.reshape(ib)
    return _o(r.reshape([x * y for x, y in zip(sa, sb)]), out)


def multi_dot(tensors, *, out=None) -> Tensor:
    """Product of a chain of matrices (the first/last may be vectors)."""
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    for i, t in enumerate(tensors):
        want = (1, 2) if i in (0, n - 1) else (2,)
        if t.dim() not in want:
            which = "first" if i == 0 else ("last" if i == n - 1 else None)
            if which:
                raise RuntimeError(f"multi_dot(): the {which} tensor must be 1D or 2D but got {t.dim()}D")
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.dim()}D")
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{_C_NAME[tensors[0].dtype.name]} and tensor {i} {_C_NAME[t.dtype.name]}")
    r = tensors[0]
    for t in tensors[1:]:
        r = matmul(r, t)
    return _o(r, out)


def chain_matmul(*matrices, out=None) -> Tensor:
    """Product of 2-D matrices (deprecated alias of linalg.multi_dot)."""
    if len(matrices) == 1:
        if isinstance(matrices[0], (list, tuple)):
            matrices = tuple(matrices[0])
        if len(matrices) == 1:
            return _o(matrices[0].clone(), out)
    return multi_dot(matrices, out=out)


# ---- cross --------------------------------------------------------------------------------------
class Cross(Function):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b, dim=-1):
        ctx.dim = dim
        return xp(a).cross(a, b, axis=dim)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        d = ctx.dim
        ga = Cross.apply(b.expand(g.shape), g, dim=d) if ctx.needs_input_grad[0] else None
        gb = Cross.apply(g, a.expand(g.shape), dim=d) if ctx.needs_input_grad[1] else None
        return ga, gb

    def name(self):
        return "LinalgCrossBackward0"


def linalg_cross(input, other, *, dim=-1, out=None) -> Tensor:
    """Cross product of 3-vectors along dim (broadcasting)."""
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected scalar type {_word(input.dtype)} but found {_word(other.dtype)}")
    if input.dim() != other.dim():
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions.")
    d = input._wrap_dim(dim)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")
    shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    a, b = input.expand(shape), other.expand(shape)
    return _o(Cross.apply(a, b, dim=d), out)


def cross(input, other, dim=None, *, out=None) -> Tensor:
    """Cross product; without dim, along the first dimension of size 3."""
    if dim is None:
        import warnings
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either "
                      "pass the dim explicitly or simply use torch.linalg.cross.\nThe default value of "
                      "dim will change to agree with that of linalg.cross in a future release.",
                      UserWarning, stacklevel=2)
        sizes = [i for i, s in enumerate(input.shape) if s == 3]
        if not sizes:
            raise RuntimeError("no dimension of size 3 in input")
        dim = sizes[0]
    return linalg_cross(input, other, dim=dim, out=out)


# ---- diagonals ----------------------------------------------------------------------------------
class Diagonal(Function):
    """A copy of the offset diagonal of the last two dims (the last dim of the result)."""

    @staticmethod
    def forward(ctx, x, offset=0):
        ctx.shape, ctx.offset = x.shape, offset
        return xp(x).diagonal(x, offset, -2, -1).copy()

    @staticmethod
    def backward(ctx, g):
        n, m = ctx.shape[-2:]
        return DiagEmbed.apply(g, offset=ctx.offset, n=n, m=m)

    def name(self):
        return "DiagonalBackward0"


class DiagEmbed(Function):
    """Place the last dim of x on the offset diagonal of zero (n, m) matrices."""

    @staticmethod
    def forward(ctx, x, offset=0, n=0, m=0):
        ctx.offset = offset
        z = xp(x).zeros(x.shape[:-1] + (n, m), dtype=x.dtype)
        L = x.shape[-1]
        r = xp(x).arange(L)
        rows, cols = (r, r + offset) if offset >= 0 else (r - offset, r)
        z[..., rows, cols] = x
        return z

    @staticmethod
    def backward(ctx, g):
        return Diagonal.apply(g, offset=ctx.offset)

    def name(self):
        return "DiagEmbedBackward0"


def _diag_len(n, m, offset):
    return max(0, min(n, m - offset) if offset >= 0 else min(n + offset, m))


def diag(input, diagonal=0, *, out=None) -> Tensor:
    """A 1-D input on a diagonal of a square matrix, or the diagonal of a 2-D input."""
    if input.dim() == 1:
        n = input.shape[0] + abs(diagonal)
        return _o(DiagEmbed.apply(input, offset=diagonal, n=n, m=n), out)
    if input.dim() == 2:
        return _o(Diagonal.apply(input, offset=diagonal), out)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.dim()}D")


def diag_embed(input, offset=0, dim1=-2, dim2=-1) -> Tensor:
    """Batched diagonal matrices built from the last dim of input, placed at (dim1, dim2)."""
    nd = input.dim() + 1
    d1 = dim1 + nd if dim1 < 0 else dim1
    d2 = dim2 + nd if dim2 < 0 else dim2
    if not (0 <= d1 < nd and 0 <= d2 < nd):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got "
                         f"{dim1 if not 0 <= d1 < nd else dim2})")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input.shape[-1] + abs(offset)
    r = DiagEmbed.apply(input, offset=offset, n=n, m=n)
    if (d1, d2) == (nd - 2, nd - 1):
        return r
    if d1 > d2:  # swapping the dims is the same as negating the offset
        d1, d2 = d2, d1
        r = r.transpose(-2, -1)
    rest = list(range(nd - 2))
    order = [None] * nd
    order[d1], order[d2] = nd - 2, nd - 1
    it = iter(rest)
    order = [o if o is not None else next(it) for o in order]
    return r.permute(order)


def diagflat(input, offset=0) -> Tensor:
    """The flattened input on a diagonal of a square matrix."""
    return diag(input.reshape(-1), offset)


def trace(input) -> Tensor:
    """Sum of the main diagonal of a matrix (integers sum to int64)."""
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    if input.dtype is D.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return Diagonal.apply(input, offset=0).sum()


def _index_pairs(fn, row, col, offset, dtype, device):
    from .creation import _xp
    m = _xp(device)
    r, c = fn(row, offset, col) if row and col else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    arr = np.stack([r, c]).astype((dtype or D.int64).np)
    return _wrap(m.asarray(arr))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None) -> Tensor:
    """Indices (2 x N) of the lower triangle of a row x col matrix."""
    return _index_pairs(np.tril_indices, row, col, offset, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None) -> Tensor:
    """Indices (2 x N) of the upper triangle of a row x col matrix."""
    return _index_pairs(np.triu_indices, row, col, offset, dtype, device)


# ---- distances, statistics ----------------------------------------------------------------------
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """p-norm distances between the rows of x1 and x2 (batched)."""
    if x1.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D")
    if x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {x2.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: "
                           f"{x2.shape[-1]}")
    for name, t in (("X1", x1), ("X2", x2)):
        if not t.is_floating_point():
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {_word(t.dtype)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    from ..linalg import vector_norm
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return vector_norm(diff, p, dim=-1)


class Vander(Function):
    save = (0,)

    @staticmethod
    def forward(ctx, x, n=0, increasing=False):
        m = xp(x)
        k = m.arange(n, dtype=np.int64 if x.dtype.kind in "iu" else x.dtype)
        ctx.k = k if increasing else k[::-1].copy()
        return x[:, None] ** ctx.k

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        k = _wrap(ctx.k)
        return (g * k * x.unsqueeze(-1).pow((k - 1).clamp(min=0))).sum(-1)


def vander(x, N=None, increasing=False) -> Tensor:
    """Columns are powers of x (decreasing unless increasing=True)."""
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if not (x.is_floating_point() or x.is_complex()):
        x = x.to(D.int64)
    return Vander.apply(x, n=n, increasing=increasing)


def cov(input, *, correction=1, fweights=None, aweights=None) -> Tensor:
    """Covariance of the rows (variables) over the columns (observations)."""
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input "
                           f"with {input.dim()} dimensions")
    x = input if input.dim() == 2 else input.reshape(1, -1)
    if not (x.is_floating_point() or x.is_complex()):
        x = x.to(D.get_default_dtype())
    n_obs = x.shape[1]
    w = None
    if fweights is not None:
        w = fweights
    if aweights is not None:
        w = aweights if w is None else w * aweights
    if w is None:
        avg = x.mean(1)
        norm = n_obs - correction
        wsum = None
    else:
        w = w.to(x.dtype)
        wsum = w.sum().reshape(1)  # 1-element (not 0-dim) keeps the arithmetic below on arrays
        avg = (x * w).sum(1) / wsum
        if aweights is None:
            norm = wsum - correction
        else:
            norm = wsum - correction * (w * aweights).sum().reshape(1) / wsum
    if isinstance(norm, Tensor):
        norm = norm.clamp(min=0)
    elif norm <= 0:
        import warnings
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      "number of observations.", UserWarning, stacklevel=2)
        norm = 0
    xm = x - avg.unsqueeze(1)
    xw = xm if w is None else xm * w
    c = matmul(xw, _mT(xm)) / norm
    return c.squeeze() if hasattr(c, "squeeze") else c


def corrcoef(input) -> Tensor:
    """Pearson correlation coefficients of the rows."""
    c = cov(input)
    if c.dim() == 0:
        return c / c
    d = Diagonal.apply(c, offset=0)
    sd = (d.real if d.is_complex() else d).sqrt()
    c = c / sd.unsqueeze(1) / sd.unsqueeze(0)
    return c.clamp(-1, 1) if not c.is_complex() else c


def trapezoid(y, x=None, *, dx=None, dim=-1) -> Tensor:
    """Integral of y along dim by the trapezoidal rule (spacing dx or sample points x)."""
    d = y._wrap_dim(dim)
    n = y.shape[d]
    if n == 0:
        return y.sum(d) * 0
    left, right = y.narrow(d, 0, n - 1), y.narrow(d, 1, n - 1)
    if x is not None:
        if x.dim() == 1:
            dxs = x[1:] - x[:-1]
            shape = [1] * y.dim()
            shape[d] = n - 1
            dxs = dxs.reshape(shape)
        else:
            xd = x._wrap_dim(dim)
            dxs = x.narrow(xd, 1, n - 1) - x.narrow(xd, 0, n - 1)
        return ((left + right) * dxs).sum(d) / 2
    step = 1 if dx is None else dx
    return ((left + right) * step).sum(d) / 2


def trapz(y, x=None, *, dx=None, dim=-1) -> Tensor:
    """Alias of trapezoid."""
    return trapezoid(y, x, dx=dx, dim=dim)


def _o(r, out):
    if out is None:
        return r
    from ._binary import _out
    return _out(r, out)


register_methods({
    "matmul": matmul, "__matmul__": matmul, "__rmatmul__": _rmatmul, "__imatmul__": _imatmul,
    "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "vdot": vdot, "inner": inner, "outer": outer, "ger": outer,
    "addmm": addmm, "addmv": addmv, "addbmm": addbmm, "baddbmm": baddbmm, "addr": addr,
    "kron": kron, "cross": cross, "diag": diag, "diag_embed": diag_embed, "diagflat": diagflat,
    "trace": trace, "tensordot": tensordot, "cov": cov, "corrcoef": corrcoef,
})
for _name in ("addmm", "addmv", "addbmm", "baddbmm", "addr"):
    def _mk(fn):
        def m(self, *args, **kw):
            from ._inplace import inplace_fn
            return inplace_fn(fn)(self, *args, **kw)
        m.__name__ = fn.__name__ + "_"
        return m
    register_methods({_name + "_": _mk(globals()[_name])})

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv",
           "addbmm", "baddbmm", "addr", "tensordot", "kron", "chain_matmul", "cross", "diag",
           "diag_embed", "diagflat", "trace", "tril_indices", "triu_indices", "cdist", "vander", "cov",
           "corrcoef", "trapezoid", "trapz"]

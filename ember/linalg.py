"""``ember.linalg``: norms, determinants, inverses, solvers and decompositions (as torch.linalg).

Forwards call the array module's LAPACK wrappers (numpy.linalg / cupy.linalg); backwards are the
standard matrix-calculus formulas written in ember ops, so they are differentiable again.
"""
from __future__ import annotations

import math

import numpy as np

from . import _dtype as D
from ._tensor import Tensor, _wrap, register_methods
from .ops._function import Function, xp
from .ops.blas import (DiagEmbed, _mT, linalg_cross as cross, matmul, multi_dot,
                       vander as _vander)
from .ops.reduction import _return_type


class LinAlgError(RuntimeError):
    """A linear-algebra failure (singular or non positive-definite input), as torch.linalg.LinAlgError."""


_RT = {}
for _name, _fields in (("linalg_svd", ("U", "S", "Vh")), ("svd", ("U", "S", "V")),
                       ("linalg_slogdet", ("sign", "logabsdet")), ("slogdet", ("sign", "logabsdet")),
                       ("linalg_eigh", ("eigenvalues", "eigenvectors")),
                       ("linalg_eig", ("eigenvalues", "eigenvectors")), ("linalg_qr", ("Q", "R")),
                       ("qr", ("Q", "R")), ("linalg_inv_ex", ("inverse", "info")),
                       ("linalg_cholesky_ex", ("L", "info")), ("linalg_solve_ex", ("result", "info")),
                       ("linalg_lu", ("P", "L", "U")), ("linalg_lu_factor", ("LU", "pivots")),
                       ("linalg_lu_factor_ex", ("LU", "pivots", "info")),
                       ("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))):
    _RT[_name] = _return_type(_name, _fields)


def _word(dt):
    from .ops.pointwise import _type_word
    return _type_word(dt)


def _check(A: Tensor, fname: str, square: bool = True) -> None:
    """torch's argument checks: at least 2-D, square, and a LAPACK dtype."""
    if A.dim() < 2:
        raise RuntimeError(f"{fname}: The input tensor A must have at least 2 dimensions.")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{fname}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")
    _check_dtype(A, fname)


def _check_dtype(A: Tensor, fname: str) -> None:
    dt = A.dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got {_word(dt)}")
    if dt is D.float16 or dt is D.bfloat16:
        raise RuntimeError(f"{fname}: Low precision dtypes not supported. Got {_word(dt)}")


def _batch_prefix(shape, flat_index) -> str:
    return f"(Batch element {flat_index}): " if len(shape) > 2 else ""


def _first_bad(arr, test):
    """(flat batch index, value) of the first matrix for which test(matrix) returns non-None."""
    a = np.asarray(arr.get() if hasattr(arr, "get") else arr)
    mats = a.reshape((-1,) + a.shape[-2:])
    for i, mat in enumerate(mats):
        r = test(mat)
        if r is not None:
            return i, r
    return 0, 1


def _zero_pivot(mat):
    """1-based index of the first zero pivot of an LU factorisation with partial pivoting."""
    u = mat.astype(np.complex128 if mat.dtype.kind == "c" else np.float64).copy()
    n = u.shape[0]
    for k in range(n):
        p = k + int(np.argmax(np.abs(u[k:, k])))
        if u[p, k] == 0:
            return k + 1
        u[[k, p]] = u[[p, k]]
        u[k + 1:] -= np.outer(u[k + 1:, k] / u[k, k], u[k])
    return None


def _bad_minor(mat):
    """Order of the first leading minor that is not positive-definite."""
    for k in range(1, mat.shape[0] + 1):
        try:
            np.linalg.cholesky(mat[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return None


def _singular_error(A, fname="linalg.inv"):
    i, k = _first_bad(A, _zero_pivot)
    return LinAlgError(f"{fname}: {_batch_prefix(A.shape, i)}The diagonal element {k} is zero, the inversion "
                       "could not be completed because the input matrix is singular.")


def _eye_like(n, t: Tensor) -> Tensor:
    return _wrap(xp(t._data).eye(n, dtype=t._data.dtype))


def _eye_mask(n, t):
    return _wrap(xp(t._data).eye(n, dtype=bool))


# ---- determinants and inverses ------------------------------------------------------------------
class Det(Function):
    save = (0,)
    save_output = True

    @staticmethod
    def forward(ctx, a):
        return xp(a).asarray(xp(a).linalg.det(a), dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        d = ctx.output
        # d det / dA = det * A^{-H}; computed by a solve so nothing is inverted explicitly
        scale = (g * d.conj()).unsqueeze(-1).unsqueeze(-1)
        return _mT(inv(a)) * scale

    def name(self):
        return "LinalgDetBackward0"


def det(A, *, out=None) -> Tensor:
    """Determinant of (batches of) square matrices."""
    _check(A, "linalg.det")
    return _o(Det.apply(A), out)


class SlogDet(Function):
    save = (0,)
    differentiable_outputs = (1,)

    @staticmethod
    def forward(ctx, a):
        m = xp(a)
        sign, lad = m.linalg.slogdet(a)
        return m.asarray(sign, dtype=a.dtype), m.asarray(lad, dtype=a.real.dtype)

    @staticmethod
    def backward(ctx, gsign, glad):
        (a,) = ctx.saved_tensors
        if glad is None:
            return None
        return _mT(inv(a)) * glad.unsqueeze(-1).unsqueeze(-1)

    def name(self):
        return "LinalgSlogdetBackward0"


def slogdet(A, *, out=None):
    """(sign, log|det|) of square matrices."""
    _check(A, "linalg.slogdet")
    return _RT["linalg_slogdet"](SlogDet.apply(A))


def _slogdet_old(input):
    _check(input, "linalg.slogdet")
    return _RT["slogdet"](SlogDet.apply(input))


def logdet(input) -> Tensor:
    """log(det(A)): nan for a negative determinant, -inf for a zero one."""
    _check(input, "logdet")
    sign, lad = SlogDet.apply(input)
    if input.is_complex():
        return lad + sign.log()
    nan = lad.new_full((), float("nan"))
    from .ops.pointwise import where
    return where(sign < 0, nan, lad)


class Inv(Function):
    save_output = True

    @staticmethod
    def forward(ctx, a):
        try:
            return xp(a).linalg.inv(a)
        except np.linalg.LinAlgError:
            raise _singular_error(a) from None

    @staticmethod
    def backward(ctx, g):
        ai = ctx.output
        aih = _mT(ai)
        return -matmul(matmul(aih, g), aih)

    def name(self):
        return "LinalgInvExBackward0"


def inv(A, *, out=None) -> Tensor:
    """Inverse of (batches of) square matrices; LinAlgError when singular."""
    _check(A, "linalg.inv")
    return _o(Inv.apply(A), out)


def inv_ex(A, *, check_errors=False, out=None):
    """(inverse, info): info is 0, or the index of the zero pivot when A is singular."""
    _check(A, "linalg.inv_ex")
    try:
        r = Inv.apply(A)
        info = 0
    except LinAlgError:
        if check_errors:
            raise
        r = A * float("nan")
        info = _first_bad(A._data, _zero_pivot)[1]
    return _RT["linalg_inv_ex"]((r, _wrap(np.asarray(info, dtype=np.int32))))


class Solve(Function):
    save = (0,)
    save_output = True

    @staticmethod
    def forward(ctx, a, b):
        try:
            return xp(a).linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is "
                              "singular.") from None

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        x = ctx.output
        gb = Solve.apply(_mT(a), g)
        ga = -matmul(gb, _mT(x)) if ctx.needs_input_grad[0] else None
        return ga, gb

    def name(self):
        return "LinalgSolveExBackward0"


def solve(A, B, *, left=True, out=None) -> Tensor:
    """X with A X = B (or X A = B when left=False); B may be a (batch of) vector(s)."""
    _check(A, "linalg.solve")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{_word(A.dtype)} and B of type {_word(B.dtype)} instead")
    vector = B.dim() == 1 or (B.dim() == A.dim() - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    n = A.shape[-1]
    if not left:
        if vector or B.shape[-1] != n:
            raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation XA = B "
                               f"({A.shape[-2]}x{n} and {B.shape[-2] if B.dim() > 1 else 1}x{B.shape[-1]})")
        return _o(_mT(Solve.apply(_mT(A), _mT(B))).conj() if A.is_complex() else
                  Solve.apply(A.transpose(-2, -1), B.transpose(-2, -1)).transpose(-2, -1), out)
    Bm = B.unsqueeze(-1) if vector else B
    if Bm.shape[-2] != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.shape[-2]}x{n} and {Bm.shape[-2]}x{Bm.shape[-1]})")
    batch = np.broadcast_shapes(tuple(A.shape[:-2]), tuple(Bm.shape[:-2]))
    Ae = A.expand(batch + tuple(A.shape[-2:])) if tuple(A.shape[:-2]) != batch else A
    Be = Bm.expand(batch + tuple(Bm.shape[-2:])) if tuple(Bm.shape[:-2]) != batch else Bm
    X = Solve.apply(Ae, Be)
    return _o(X.squeeze(-1) if vector else X, out)


def tensorinv(A, ind=2, *, out=None) -> Tensor:
    """The inverse of A seen as a linear map from its first ind dims to the rest."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    left, right = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    n = int(np.prod(left))
    if n != int(np.prod(right)):
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           "prod(self.shape[:ind]), but got " + f"{int(np.prod(right))} != {n}")
    return _o(inv(A.reshape(n, n)).reshape(right + left), out)


def tensorsolve(A, B, dims=None, *, out=None) -> Tensor:
    """X with tensordot(A, X, X.ndim) = B."""
    if dims is not None:
        dims = [A._wrap_dim(d) for d in dims]
        rest = [i for i in range(A.dim()) if i not in dims]
        A = A.permute(rest + dims)
    nb = B.numel()
    xshape = tuple(A.shape[B.dim():])
    return _o(solve(A.reshape(nb, -1), B.reshape(nb)).reshape(xshape), out)


# ---- factorisations -----------------------------------------------------------------------------
class Cholesky(Function):
    save_output = True

    @staticmethod
    def forward(ctx, a):
        try:
            return xp(a).linalg.cholesky(a)
        except np.linalg.LinAlgError:
            i, k = _first_bad(a, _bad_minor)
            raise LinAlgError(f"linalg.cholesky: {_batch_prefix(a.shape, i)}The factorization could not "
                              "be completed because the input is not positive-definite (the leading minor "
                              f"of order {k} is not positive-definite).") from None

    @staticmethod
    def backward(ctx, g):
        L = ctx.output
        n = L.shape[-1]
        Linv = inv(L)
        # phi = tril(L^H gL) with its diagonal halved
        m = xp(L._data)
        half = _wrap((m.tril(m.ones((n, n))) - 0.5 * m.eye(n)).astype(L._data.real.dtype))
        phi = matmul(_mT(L), g) * half
        ga = matmul(matmul(_mT(Linv), phi), Linv)
        return (ga + _mT(ga)) * 0.5

    def name(self):
        return "LinalgCholeskyExBackward0"


def cholesky(A, *, upper=False, out=None) -> Tensor:
    """Cholesky factor L (lower) with A = L L^H, or U = L^H when upper=True."""
    _check(A, "linalg.cholesky")
    L = Cholesky.apply(A)
    return _o(_mT(L) if upper else L, out)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """(L, info): info is 0, or the order of the failing leading minor."""
    batch = tuple(A.shape[:-2])
    try:
        L, info = cholesky(A, upper=upper), np.zeros(batch, np.int32)
    except LinAlgError:
        if check_errors:
            raise
        L = A * 0
        a = np.asarray(A._data.get() if hasattr(A._data, "get") else A._data)
        info = np.array([_bad_minor(m) or 0 for m in a.reshape((-1,) + a.shape[-2:])],
                        np.int32).reshape(batch)  # one order per matrix, as torch reports
    return _RT["linalg_cholesky_ex"]((L, _wrap(np.asarray(info, dtype=np.int32))))


class Eigh(Function):
    save_output = "all"  # the formula reads L and V: differentiable when differentiating twice

    @staticmethod
    def forward(ctx, a, uplo="L"):
        m = xp(a)
        w, v = m.linalg.eigh(a, UPLO=uplo)
        return w, v

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.outputs
        n = L.shape[-1]
        if gV is None:
            return matmul(V * gL.unsqueeze(-2), _mT(V))
        VhgV = matmul(_mT(V), gV)
        VhgV = (VhgV - _mT(VhgV)) * 0.5  # project onto skew-Hermitian matrices
        E = L.unsqueeze(-2) - L.unsqueeze(-1)
        eye = _eye_like(n, E)
        ret = VhgV / (E + eye) * (1 - eye)
        if gL is not None:
            ret = ret + DiagEmbed.apply(gL.to(ret.dtype), offset=0, n=n, m=n)
        return matmul(V, matmul(ret, _mT(V)))

    def name(self):
        return "LinalgEighBackward0"


def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and orthonormal eigenvectors of Hermitian matrices."""
    _check(A, "linalg.eigh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return _RT["linalg_eigh"](Eigh.apply(A, uplo=UPLO))


def eigvalsh(A, UPLO="L", *, out=None) -> Tensor:
    """Eigenvalues (ascending) of Hermitian matrices."""
    _check(A, "linalg.eigvalsh")
    return _o(Eigh.apply(A, uplo=UPLO)[0], out)


def _complex_of(a):
    return a.astype(np.complex128 if a.dtype in (np.float64, np.complex128) else np.complex64)


def eig(A, *, out=None):
    """Eigenvalues and eigenvectors of general square matrices (always complex; no gradient)."""
    _check(A, "linalg.eig")
    m = xp(A._data)
    w, v = m.linalg.eig(A._data)
    return _RT["linalg_eig"]((_wrap(_complex_of(w)), _wrap(_complex_of(v))))


def eigvals(A, *, out=None) -> Tensor:
    """Eigenvalues of general square matrices (complex)."""
    _check(A, "linalg.eigvals")
    return _o(_wrap(_complex_of(xp(A._data).linalg.eigvals(A._data))), out)


class SVD(Function):
    save_output = "all"  # the formula reads U, S and Vh: differentiable when differentiating twice

    @staticmethod
    def forward(ctx, a, full_matrices=True):
        m = xp(a)
        u, s, vh = m.linalg.svd(a, full_matrices=full_matrices)
        return u, s.astype(a.real.dtype, copy=False), vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.outputs
        m, n = U.shape[-2], Vh.shape[-1]
        k = S.shape[-1]
        if U.shape[-1] != k:  # full_matrices: only the first k singular vectors carry a gradient
            U = U.narrow(-1, 0, k)
            gU = gU.narrow(-1, 0, k) if gU is not None else None
        if Vh.shape[-2] != k:
            Vh = Vh.narrow(-2, 0, k)
            gVh = gVh.narrow(-2, 0, k) if gVh is not None else None
        if gU is None and gVh is None:
            return matmul(U * gS.unsqueeze(-2), Vh)
        skew = (lambda X: X - _mT(X))
        S2 = S * S
        eye = _eye_like(k, S)
        E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + eye
        if gU is not None and gVh is not None:
            gA = (skew(matmul(_mT(U), gU)) * S.unsqueeze(-2) + S.unsqueeze(-1) * skew(matmul(Vh, _mT(gVh)))) / E
        elif gU is not None:
            gA = skew(matmul(_mT(U), gU)) * (S.unsqueeze(-2) / E)
        else:
            gA = S.unsqueeze(-1) * skew(matmul(Vh, _mT(gVh))) / E
        gA = gA * (1 - eye)
        if gS is not None:
            gA = gA + DiagEmbed.apply(gS.to(gA.dtype), offset=0, n=k, m=k)
        if m > k and gU is not None:
            gA = matmul(U, gA)
            gUS = gU / S.unsqueeze(-2)
            gA = gA + gUS - matmul(U, matmul(_mT(U), gUS))
            return matmul(gA, Vh)
        if n > k and gVh is not None:
            gA = matmul(gA, Vh)
            SgVh = gVh / S.unsqueeze(-1)
            gA = gA + SgVh - matmul(matmul(SgVh, _mT(Vh)), Vh)
            return matmul(U, gA)
        return matmul(U, matmul(gA, Vh))

    def name(self):
        return "LinalgSvdBackward0"


def svd(A, full_matrices=True, *, driver=None, out=None):
    """A = U diag(S) Vh, singular values descending."""
    _check(A, "linalg.svd", square=False)
    return _RT["linalg_svd"](SVD.apply(A, full_matrices=full_matrices))


def svdvals(A, *, driver=None, out=None) -> Tensor:
    """Singular values, descending."""
    _check(A, "linalg.svdvals", square=False)
    return _o(SVD.apply(A, full_matrices=False)[1], out)


def _svd_old(input, some=True, compute_uv=True):
    """torch.svd: (U, S, V) with V (not V^H); U and V are zero when compute_uv=False."""
    U, S, Vh = SVD.apply(input, full_matrices=not some)
    if not compute_uv:
        return _RT["svd"]((U.detach() * 0, S, Vh.detach() * 0))
    return _RT["svd"]((U, S, _mT(Vh)))


class QR(Function):
    save_output = "all"  # the formula reads Q and R: differentiable when differentiating twice

    @staticmethod
    def forward(ctx, a, mode="reduced"):
        m = xp(a)
        ctx.mode = mode
        if mode == "r":
            r = m.linalg.qr(a, mode="r")
            return m.zeros((0,), dtype=a.dtype), r
        q, r = m.linalg.qr(a, mode=mode)
        return q, r

    @staticmethod
    def backward(ctx, gQ, gR):
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                               "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                               "differentiate through linalg.qr.")
        Q, R = ctx.outputs
        m, n = Q.shape[-2], R.shape[-1]
        if m < n or Q.shape[-1] != R.shape[-2] or (ctx.mode == "complete" and m > n):
            raise NotImplementedError("The QR decomposition is not differentiable when mode='complete' "
                                      "and nrows > ncols, or when nrows < ncols (not implemented in ember).")
        gQ = gQ if gQ is not None else Q * 0
        gR = gR if gR is not None else R * 0
        M = matmul(R, _mT(gR)) - matmul(_mT(gQ), Q)
        k = M.shape[-1]
        mm_ = xp(M._data)
        low = _wrap(mm_.tril(mm_.ones((k, k)), -1).astype(M._data.real.dtype))
        eye = _eye_like(k, low)
        Ml = M * low
        sym = Ml + _mT(Ml) + M * eye
        B = gQ + matmul(Q, sym)
        # B R^{-H}: solve R X^H = B^H
        return _mT(Solve.apply(R, _mT(B)))

    def name(self):
        return "LinalgQrBackward0"


def qr(A, mode="reduced", *, out=None):
    """A = Q R (mode 'reduced', 'complete' or 'r')."""
    _check(A, "linalg.qr", square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' "
                           "(default), 'r', or 'complete'")
    return _RT["linalg_qr"](QR.apply(A, mode=mode))


def _qr_old(input, some=True):
    return _RT["qr"](QR.apply(input, mode="reduced" if some else "complete"))


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of A X = B: (solution, residuals, rank, singular_values)."""
    _check(A, "linalg.lstsq", square=False)
    if A.dtype is not B.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but "
                           f"got input's dtype {_word(A.dtype)} and other's dtype {_word(B.dtype)}")
    driver = driver or "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vector = B.dim() == A.dim() - 1
    Bm = B.unsqueeze(-1) if vector else B
    m_, n_ = A.shape[-2], A.shape[-1]
    batch = np.broadcast_shapes(tuple(A.shape[:-2]), tuple(Bm.shape[:-2]))
    a = np.broadcast_to(A._host(), batch + (m_, n_)).reshape((-1, m_, n_))
    b = np.broadcast_to(Bm._host(), batch + tuple(Bm.shape[-2:])).reshape((-1,) + tuple(Bm.shape[-2:]))
    rc = rcond if rcond is not None else np.finfo(A.dtype.to_real().np).eps * max(m_, n_)
    sols, res, ranks, svs = [], [], [], []
    for ai, bi in zip(a, b):
        x, r, rk, sv = np.linalg.lstsq(ai, bi, rcond=rc)
        sols.append(x)
        res.append(r)
        ranks.append(rk)
        svs.append(sv)
    k = Bm.shape[-1]
    sol = np.stack(sols).reshape(batch + (n_, k)).astype(A.dtype.np) if sols else \
        np.zeros(batch + (n_, k), A.dtype.np)
    rdt = A.dtype.to_real().np
    full = all(rk == n_ for rk in ranks)
    if driver != "gelsy" and m_ > n_ and full and res:
        residuals = _wrap(np.stack(res).reshape(batch + (k,)).astype(rdt))
        if vector:
            residuals = residuals.squeeze(-1)
    else:
        residuals = _wrap(np.zeros((0,), rdt))
    rank = _wrap(np.asarray(ranks, np.int64).reshape(batch)) if driver != "gels" else \
        _wrap(np.zeros((0,), np.int64))
    sing = _wrap(np.stack(svs).reshape(batch + (min(m_, n_),)).astype(rdt)) \
        if driver in ("gelsd", "gelss") else _wrap(np.zeros((0,), rdt))
    solution = _wrap(sol) if A.device.type == "cpu" else _wrap(xp(A._data).asarray(sol))
    from .autograd.grad_mode import state
    if state.grad_enabled and (A.requires_grad or B.requires_grad) and m_ >= n_:
        # differentiable route with the same value for full-rank problems: the normal equations
        Ah = _mT(A)
        solution = solve(matmul(Ah, A), matmul(Ah, Bm))
    if vector:
        solution = solution.squeeze(-1)
    return _RT["linalg_lstsq"]((solution, residuals, rank, sing))


from .ops.linalg_norms import cond, matrix_norm, norm, vecdot, vector_norm  # noqa: E402


# ---- derived ------------------------------------------------------------------------------------
def _tols(A, S_max, atol, rtol):
    eps = np.finfo(A.dtype.to_real().np).eps
    if rtol is None:
        rtol = eps * max(A.shape[-2], A.shape[-1]) if atol is None or atol == 0 else 0.0
    atol = 0.0 if atol is None else atol
    from .ops.pointwise import clamp
    tol = S_max * rtol
    if isinstance(atol, Tensor):
        from .ops.pointwise import maximum
        return maximum(tol, atol)
    return clamp(tol, min=atol) if atol else tol


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None) -> Tensor:
    """Moore-Penrose pseudo-inverse (via the SVD, or eigh when hermitian)."""
    _check(A, "linalg.pinv", square=False)
    from .ops.pointwise import where
    if hermitian:
        L, V = Eigh.apply(A, uplo="L")
        absL = L.abs()
        tol = _tols(A, absL.amax(-1, keepdim=True), atol, rtol)
        keep = absL > tol
        Linv = where(keep, 1 / where(keep, L, L * 0 + 1), L * 0)
        return _o(matmul(V * Linv.unsqueeze(-2), _mT(V)), out)
    U, S, Vh = SVD.apply(A, full_matrices=False)
    tol = _tols(A, S[..., :1], atol, rtol)
    keep = S > tol
    Sinv = where(keep, 1 / where(keep, S, S * 0 + 1), S * 0).to(A.dtype)
    return _o(matmul(_mT(Vh) * Sinv.unsqueeze(-2), _mT(U)), out)


def pinverse(input, rcond=1e-15) -> Tensor:
    """torch.pinverse: pinv with a relative cutoff rcond."""
    return pinv(input, rtol=rcond)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None, out=None) -> Tensor:
    """Number of singular values above the tolerance."""
    _check(A, "linalg.matrix_rank", square=False)
    if tol is not None:
        atol, rtol = tol, 0.0
    A = A.detach()
    S = Eigh.apply(A, uplo="L")[0].abs() if hermitian else SVD.apply(A, full_matrices=False)[1]
    smax = S.amax(-1, keepdim=True) if S.shape[-1] else S.sum(-1, keepdim=True)
    t = _tols(A, smax, atol, rtol)
    return _o((S > t).sum(-1), out)


def matrix_power(A, n, *, out=None) -> Tensor:
    """A to the integer power n (n < 0 inverts first)."""
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        if A.dim() < 2:
            raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    n = int(n)
    if n == 0:
        eye = _eye_like(A.shape[-1], A).expand(A.shape).clone()
        if A.requires_grad:  # the identity does not depend on A, but torch still links it (zero grad)
            from .ops.blas import _IgnoreSecond
            eye = _IgnoreSecond.apply(eye, A)
        return _o(eye, out)
    if n < 0:
        A = inv(A)
        n = -n
    result = None
    base = A
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return _o(result.clone() if result is A else result, out)


def matrix_exp(A) -> Tensor:
    """Matrix exponential by scaling and squaring of a Taylor series (differentiable)."""
    _check(A, "linalg.matrix_exp")
    n = A.shape[-1]
    if A.numel() == 0:
        return A.clone()
    norm1 = float(np.max(np.abs(A._host()).sum(axis=-2))) if A.numel() else 0.0
    s = max(0, int(math.ceil(math.log2(norm1))) + 1) if norm1 > 0.5 else 0
    X = A / (2 ** s) if s else A
    eye = _eye_like(n, A)
    E = eye
    for k in range(18, 0, -1):  # Horner: I + X/1 (I + X/2 (I + ... ))
        E = eye + matmul(X, E) / k
    for _ in range(s):
        E = matmul(E, E)
    return E


def diagonal(A, *, offset=0, dim1=-2, dim2=-1) -> Tensor:
    """The diagonal of the matrices (a view), as torch.linalg.diagonal."""
    return A.diagonal(offset, dim1, dim2)


def vander(x, *, N=None) -> Tensor:
    """Vandermonde matrix with increasing powers (torch.linalg.vander)."""
    return _vander(x, N, increasing=True)


def _o(r, out):
    if out is None:
        return r
    from .ops._binary import _out
    return _out(r, out)


def _cholesky_old(input, upper=False, *, out=None):
    return cholesky(input, upper=upper, out=out)


register_methods({
    "det": det, "logdet": logdet, "slogdet": _slogdet_old, "inverse": inv, "svd": _svd_old,
    "cholesky": _cholesky_old, "pinverse": pinverse, "matrix_power": matrix_power,
    "matrix_exp": matrix_exp, "qr": _qr_old,
})

# top-level aliases (torch.det, torch.inverse, torch.svd ...), re-exported by ember/__init__
_TOP = {"det": det, "logdet": logdet, "slogdet": _slogdet_old, "inverse": inv, "svd": _svd_old,
        "cholesky": _cholesky_old, "pinverse": pinverse, "matrix_power": matrix_power,
        "matrix_exp": matrix_exp, "qr": _qr_old}

from ._linalg_lu import (lu, lu_factor, lu_factor_ex, lu_legacy, lu_solve, lu_solve_legacy,  # noqa: E402
                         lu_unpack, solve_ex, solve_triangular)
_TOP.update({"lu": lu_legacy, "lu_solve": lu_solve_legacy, "lu_unpack": lu_unpack})
from ._linalg_householder import geqrf, householder_product, orgqr, ormqr  # noqa: E402
from ._linalg_ldl import ldl_factor, ldl_factor_ex, ldl_solve  # noqa: E402
_TOP.update({"geqrf": geqrf, "orgqr": orgqr, "ormqr": ormqr})
register_methods({"geqrf": geqrf, "orgqr": orgqr, "ormqr": ormqr})
register_methods({"lu": lu_legacy, "lu_solve": lambda self, LU_data, LU_pivots: lu_solve_legacy(self, LU_data, LU_pivots)})

__all__ = ["LinAlgError", "householder_product", "ldl_factor", "ldl_factor_ex", "ldl_solve", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "solve_ex", "solve_triangular", "norm", "vector_norm", "matrix_norm", "det", "slogdet", "inv", "inv_ex", "solve",
           "lstsq", "svd", "svdvals", "qr", "eigh", "eigvalsh", "eig", "eigvals", "cholesky", "cholesky_ex",
           "pinv", "matrix_rank", "matrix_power", "matrix_exp", "cross", "multi_dot", "tensorinv",
           "tensorsolve", "cond", "vecdot", "matmul", "diagonal", "vander"]

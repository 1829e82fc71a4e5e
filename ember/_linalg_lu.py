"""torch.linalg's triangular solves and LU family: solve_triangular, solve_ex, lu, lu_factor(_ex),
lu_solve. NumPy has no LU, so the factorisation is partial-pivoting elimination vectorised over the
batch (one Python step per column); gradients are written in ember ops (triangular solves), so
they can be differentiated again.
"""
from __future__ import annotations

import numpy as np

from ._tensor import Tensor, _wrap
from .ops._function import Function, xp
from .ops.blas import _mT, matmul


def _H(t: Tensor) -> Tensor:
    t = _mT(t)
    return t.conj() if t.is_complex() else t


def _linalg():
    from . import linalg
    return linalg


# ---- triangular solves ------------------------------------------------------------------------------
def _substitute(a, b, upper, unit):
    """X with A X = B by substitution over the rows (A triangular; zero pivots give inf/nan as
    LAPACK's trsm does)."""
    m = xp(a)
    n = a.shape[-1]
    x = m.zeros(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:],
                dtype=np.result_type(a.dtype, b.dtype))
    order = range(n - 1, -1, -1) if upper else range(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in order:
            acc = b[..., i, :] - (a[..., i:i + 1, :] @ x)[..., 0, :]
            x[..., i, :] = acc if unit else acc / a[..., i, i:i + 1]
    return x


class _SolveTriangular(Function):
    save = (0,)
    save_output = True

    @staticmethod
    def forward(ctx, a, b, upper=True, unit=False):
        ctx.upper, ctx.unit = upper, unit
        m = xp(a)
        t = m.triu(a) if upper else m.tril(a)
        if unit:
            n = a.shape[-1]
            t = t.copy()
            t[..., np.arange(n), np.arange(n)] = 1
        try:
            shape = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
            return m.linalg.solve(np.broadcast_to(t, shape + t.shape[-2:]),
                                  np.broadcast_to(b, shape + b.shape[-2:]))
        except np.linalg.LinAlgError:  # a zero on the diagonal: inf/nan, no error (as torch)
            return _substitute(t, b, upper, unit)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        x = ctx.output
        gb = _SolveTriangular.apply(_H(a), g, upper=not ctx.upper, unit=ctx.unit)
        ga = None
        if ctx.needs_input_grad[0]:
            ga = -matmul(gb, _H(x))
            ga = ga.triu(1 if ctx.unit else 0) if ctx.upper else ga.tril(-1 if ctx.unit else 0)
        return ga, gb

    def name(self):
        return "LinalgSolveTriangularBackward0"


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False, out=None) -> Tensor:
    """X with A X = B (X A = B when left=False) for triangular A; only A's triangle is read."""
    L = _linalg()
    L._check(A, "linalg.solve_triangular")
    if B.dim() < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"linalg.solve_triangular: Expected A and B to have the same dtype, but "
                           f"found A of type {L._word(A.dtype)} and B of type {L._word(B.dtype)} instead")
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{n} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    if left:
        X = _SolveTriangular.apply(A, B, upper=upper, unit=unitriangular)
    else:  # X A = B  <=>  A^T X^T = B^T
        X = _mT(_SolveTriangular.apply(_mT(A), _mT(B), upper=not upper, unit=unitriangular))
    return L._o(X, out)


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out=None):
    """(result, info) of linalg.solve: info is 0, or the index of the first zero pivot (then the
    result holds LU substitution's inf/nan instead of raising)."""
    L = _linalg()
    try:
        X, info = L.solve(A, B, left=left), 0
    except L.LinAlgError:
        if check_errors:
            raise L.LinAlgError("torch.linalg.solve_ex: The solver failed because the input matrix is "
                                "singular.") from None
        vector = B.dim() == 1 or (B.dim() == A.dim() - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
        LU, piv, info = lu_factor_ex(A.detach())
        X = lu_solve(LU, piv, B.unsqueeze(-1) if vector else B, left=left)
        X = X.squeeze(-1) if vector else X
    info = info if isinstance(info, Tensor) else _wrap(np.asarray(info, dtype=np.int32))
    return L._RT["linalg_solve_ex"]((X, info))


# ---- LU ------------------------------------------------------------------------------------------------
def _getrf(a):
    """Partial-pivoting LU of a (..., m, n) array: packed LU, 1-based LAPACK pivots, info (first
    zero pivot, 1-based, 0 when none)."""
    m_ = xp(a)
    lu = a.astype(np.result_type(a.dtype, np.float32), copy=True)
    batch = lu.shape[:-2]
    M, N = lu.shape[-2:]
    lu = lu.reshape((-1, M, N))
    B = lu.shape[0]
    k_ = min(M, N)
    piv = m_.zeros((B, k_), dtype=np.int32)
    info = m_.zeros(B, dtype=np.int32)
    rows = m_.arange(B)
    for k in range(k_):
        p = k + m_.argmax(m_.abs(lu[:, k:, k]), axis=1)
        piv[:, k] = p + 1
        top = lu[rows, k].copy()
        lu[rows, k] = lu[rows, p]
        lu[rows, p] = top
        d = lu[:, k, k]
        zero = d == 0
        info = m_.where((info == 0) & zero, k + 1, info)
        mult = lu[:, k + 1:, k] / m_.where(zero, 1, d)[:, None]
        lu[:, k + 1:, k] = mult
        lu[:, k + 1:, k + 1:] -= mult[:, :, None] * lu[:, k:k + 1, k + 1:]
    return lu.reshape(batch + (M, N)), piv.reshape(batch + (k_,)), info.reshape(batch)


def _perm_from_pivots(piv, M):
    """perm with (P^T A)[i] = A[perm[i]] from LAPACK pivots (row swaps applied in order)."""
    m_ = xp(piv)
    batch = piv.shape[:-1]
    perm = m_.broadcast_to(m_.arange(M), batch + (M,)).copy().reshape((-1, M))
    p = piv.reshape((-1, piv.shape[-1])) - 1
    rows = m_.arange(perm.shape[0])
    for k in range(p.shape[1]):
        t = perm[rows, k].copy()
        perm[rows, k] = perm[rows, p[:, k]]
        perm[rows, p[:, k]] = t
    return perm.reshape(batch + (M,))


class _LU(Function):
    save_output = "all"  # P, L, U: the gradient reads L and U

    @staticmethod
    def forward(ctx, a):
        m_ = xp(a)
        lu, piv, _ = _getrf(a)
        M, N = a.shape[-2:]
        k = min(M, N)
        perm = _perm_from_pivots(piv, M)
        P = m_.zeros(a.shape[:-2] + (M, M), dtype=lu.dtype)
        np.put_along_axis(P, perm[..., None, :], 1, axis=-2)  # P[perm[i], i] = 1: A = P L U
        L = m_.tril(lu[..., :, :k], -1)
        L[..., np.arange(k), np.arange(k)] = 1
        U = m_.triu(lu[..., :k, :])
        return P, L, U

    @staticmethod
    def backward(ctx, gP, gL, gU):
        P, L, U = ctx.outputs
        if L.shape[-2] != U.shape[-1]:
            raise NotImplementedError("ember: the gradient of linalg.lu is implemented for square "
                                      "matrices only")
        Mx = 0
        if gL is not None:
            Mx = (matmul(_H(L), gL)).tril(-1)
        if gU is not None:
            Mx = Mx + matmul(gU, _H(U)).triu()
        if isinstance(Mx, int):
            return None
        # gA = P L^{-H} Mx U^{-H}
        Y = solve_triangular(_H(L), Mx, upper=True, unitriangular=True)
        Y = solve_triangular(_H(U), Y, upper=False, left=False)
        return matmul(P, Y)

    def name(self):
        return "LinalgLuBackward0"


def lu(A: Tensor, *, pivot: bool = True, out=None):
    """(P, L, U) with A = P L U (partial pivoting)."""
    L_ = _linalg()
    L_._check(A, "linalg.lu", square=False)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    return L_._RT["linalg_lu"](_LU.apply(A))


def _zero_pivot_message(fname, info):
    k = int(info.reshape(-1)[np.argmax(info.reshape(-1) != 0)])
    return (f"torch.linalg.{fname}: U[{k},{k}] is zero and using it on lu_solve would result in a "
            "division by zero. If you still want to perform the factorization, consider calling "
            "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out=None):
    """(LU, pivots, info): packed LU factors, 1-based pivots, first zero pivot (0 when none)."""
    return _lu_factor(A, pivot, check_errors, "lu_factor_ex")


def lu_factor(A: Tensor, *, pivot: bool = True, out=None):
    """(LU, pivots) of A (partial pivoting, LAPACK's packed format); raises on a zero pivot."""
    r = _lu_factor(A, pivot, True, "lu_factor")
    return _linalg()._RT["linalg_lu_factor"]((r[0], r[1]))


def _lu_factor(A, pivot, check_errors, fname):
    L_ = _linalg()
    L_._check(A, f"linalg.{fname}", square=False)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    lu_, piv, info = _getrf(A._data)
    if check_errors and bool((info != 0).any()):
        raise RuntimeError(_zero_pivot_message(fname, info))
    if A.requires_grad:  # differentiable packing of the factors
        from .ops.joining import cat
        P, Lf, Uf = _LU.apply(A)
        M, N = A.shape[-2:]
        k = min(M, N)
        lower = Lf.tril(-1)
        if M > N:
            Uf = cat([Uf, Uf.new_zeros(tuple(Uf.shape[:-2]) + (M - k, N))], -2)
        elif N > M:
            lower = cat([lower, lower.new_zeros(tuple(lower.shape[:-2]) + (M, N - k))], -1)
        LU = lower + Uf
    else:
        LU = _wrap(lu_)
    return L_._RT["linalg_lu_factor_ex"]((LU, _wrap(piv), _wrap(info)))


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False,
             out=None) -> Tensor:
    """X with A X = B (X A = B when left=False; A^H in place of A when adjoint) from lu_factor(A)."""
    L_ = _linalg()
    if not left:  # X A = B  <=>  A^H X^H = B^H
        return L_._o(_H(lu_solve(LU, pivots, _H(B), left=True, adjoint=not adjoint)), out)
    n = LU.shape[-1]
    batch = tuple(np.broadcast_shapes(tuple(LU.shape[:-2]), tuple(B.shape[:-2])))
    LU = LU.expand(batch + tuple(LU.shape[-2:]))
    B = B.expand(batch + tuple(B.shape[-2:]))
    perm = np.broadcast_to(_perm_from_pivots(pivots._data, n), batch + (n,))
    k = B.shape[-1]

    def rows(t, order):  # t[..., order[i], :] as a differentiable gather
        idx = _wrap(np.ascontiguousarray(np.broadcast_to(order[..., None], batch + (n, k))).astype(np.int64))
        return t.gather(-2, idx)
    if not adjoint:  # A = P L U: X = U^-1 L^-1 P^T B
        Y = solve_triangular(LU, rows(B, perm), upper=False, unitriangular=True)
        return L_._o(solve_triangular(LU, Y, upper=True), out)
    # A^H = U^H L^H P^T: X = P L^-H U^-H B
    Y = solve_triangular(_H(LU), B, upper=False)
    Y = solve_triangular(_H(LU), Y, upper=True, unitriangular=True)
    return L_._o(rows(Y, np.argsort(perm, axis=-1)), out)


# ---- torch.lu / lu_unpack / lu_solve (the pre-linalg spellings) ---------------------------------
def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True):
    """(P, L, U) from lu_factor's packed factors and pivots."""
    from .ops.reduction import _return_type
    M, N = LU_data.shape[-2:]
    k = min(M, N)
    P = Lm = U = LU_data.new_zeros((0,))
    if unpack_data:
        eye = _wrap(np.eye(M, k, dtype=LU_data._data.dtype))
        Lm = LU_data[..., :, :k].tril(-1) + eye
        U = LU_data[..., :k, :].triu()
    if unpack_pivots:
        perm = _perm_from_pivots(LU_pivots._data, M)
        p = np.zeros(tuple(LU_data.shape[:-2]) + (M, M), dtype=LU_data._data.dtype)
        np.put_along_axis(p, perm[..., None, :], 1, axis=-2)
        P = _wrap(p)
    return _return_type("lu_unpack", ("P", "L", "U"))((P, Lm, U))


def lu_legacy(A: Tensor, pivot: bool = True, get_infos: bool = False, out=None):
    """torch.lu: (LU, pivots) or (LU, pivots, infos)."""
    r = _lu_factor(A, pivot, False, "lu_factor_ex")  # torch.lu returns singular factors too
    return (r.LU, r.pivots, r.info) if get_infos else (r.LU, r.pivots)


def lu_solve_legacy(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out=None) -> Tensor:
    """torch.lu_solve(b, LU_data, LU_pivots): X with A X = b."""
    return lu_solve(LU_data, LU_pivots, b, out=out)

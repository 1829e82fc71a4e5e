"""torch.svd_lowrank and torch.pca_lowrank: randomized truncated SVD (Halko, Martinsson & Tropp,
2009, algorithm 5.1) in ember ops, so the factors are differentiable. The random test matrix is
drawn with ``randn`` like torch's, so a seeded call on the CPU gives torch's factors (up to the
rounding of the QR and SVD they go through).
"""
from __future__ import annotations

from ._tensor import Tensor


def _E():
    import ember
    return ember


def _float_dtype(A: Tensor):
    return A.dtype if (A.dtype.is_floating_point or A.dtype.is_complex) else _E().float32


def _range_basis(A: Tensor, q: int, niter: int, M: Tensor | None) -> Tensor:
    """An orthonormal (m, q) basis approximating A's range by subspace iteration on A - M."""
    E = _E()

    def times(B):  # (A - M) @ B without forming A - M
        X = E.matmul(A, B)
        return X if M is None else X - E.matmul(M, B)

    def times_h(B):
        X = E.matmul(A.mH, B)
        return X if M is None else X - E.matmul(M.mH, B)

    R = E.randn(A.shape[-1], q, dtype=_float_dtype(A), device=A.device)
    Q = E.linalg.qr(times(R)).Q
    for _ in range(niter):
        Q = E.linalg.qr(times_h(Q)).Q
        Q = E.linalg.qr(times(Q)).Q
    return Q


def _svd_lowrank(A: Tensor, q: int, niter: int, M: Tensor | None):
    E = _E()
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.shape)
    wide = m < n
    if wide:  # work on the tall A^H, swap the factors back at the end
        A = A.mH
        if M is not None:
            M = M.mH
    Q = _range_basis(A, q, niter, M)
    B = E.matmul(Q.mH, A)
    if M is not None:
        B = B - E.matmul(Q.mH, M)
    U, S, Vh = E.linalg.svd(B, full_matrices=False)
    V = Vh.mH
    U = Q.matmul(U)
    return (V, S, U) if wide else (U, S, V)


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None):
    """(U, S, V) with A - M ~= U diag(S) V^H, rank q, by randomized subspace iteration."""
    return _svd_lowrank(A, 6 if q is None else q, 2 if niter is None else niter, M)


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2):
    """(U, S, V): the principal components of A's rows (columns of V), centred by default."""
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return _svd_lowrank(A, q, niter, None)
    return _svd_lowrank(A - A.mean(dim=(-2,), keepdim=True), q, niter, None)

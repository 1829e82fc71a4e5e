"""torch.lobpcg: the k largest (or smallest) eigenpairs of a symmetric (generalized) eigenproblem
A x = lambda B x.

torch iterates LOBPCG until the residuals fall under ``tol``; ember's tensors are dense, so it
computes the converged answer directly (a Cholesky reduction of B, then a symmetric eigensolve),
which agrees with torch's to that tolerance, is differentiable through ember's eigh, and costs less
than Python-level iterations. The random initial block torch draws when X is not given is drawn
here too, so the generator stays in step with torch's. ``niter``, ``tol``, ``method``, ``iK``,
``tracker`` and the ortho parameters steer torch's iteration and are accepted.
"""
from __future__ import annotations

from ._tensor import Tensor


def lobpcg(A: Tensor, k: int | None = None, B: Tensor | None = None, X: Tensor | None = None,
           n: int | None = None, iK=None, niter=None, tol=None, largest: bool | None = None, method=None,
           tracker=None, ortho_iparams=None, ortho_fparams=None, ortho_bparams=None):
    """(E, X): the k extreme eigenvalues (descending when largest, else ascending) and eigenvectors."""
    import ember
    m = A.shape[-1]
    if k is None:
        k = 1 if X is None else X.shape[-1]
    if X is None:
        n = k if n is None else n
    else:
        n = X.shape[-1]
    if m < 3 * n:
        raise ValueError(f"LOBPCG algorithm is not applicable when the number of A rows (={m}) is smaller than "
                         f"3 x the number of requested eigenpairs (={n})")
    largest = True if largest is None else largest
    dtype = A.dtype if A.dtype.is_floating_point else ember.float32
    if X is None:  # torch's random initial block (drawn, so later draws stay in step)
        ember.randn(tuple(A.shape[:-2]) + (m, n), dtype=dtype, device=A.device)
    A = A.to(dtype)
    if B is None:
        E, V = ember.linalg.eigh(A)
    else:
        L = ember.linalg.cholesky(B.to(dtype))
        C = ember.linalg.solve_triangular(L, ember.linalg.solve_triangular(L, A, upper=False).mT, upper=False)
        E, Y = ember.linalg.eigh(C)
        V = ember.linalg.solve_triangular(L.mT, Y, upper=True)
    if largest:
        E, V = E[..., -k:].flip(-1), V[..., -k:].flip(-1)
    else:
        E, V = E[..., :k], V[..., :k]
    return E, V

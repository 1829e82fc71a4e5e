"""torch.linalg.ldl_factor(_ex) and ldl_solve: the Bunch–Kaufman factorization P A P^T = L D L^T
of a symmetric (or Hermitian) indefinite matrix, in LAPACK's compact form (LAPACK's sytrf/hetrf
with the lower triangle: unit L below the diagonal, 1x1 and 2x2 blocks of D on it, 1-based pivots
negative for 2x2 blocks), and the solve that reads it back (sytrs). NumPy has no such routine; this
is the unblocked algorithm, one Python step per pivot column. torch defines no derivatives here.
"""
from __future__ import annotations

import math

import numpy as np

from ._tensor import Tensor, _wrap

_ALPHA = (1.0 + math.sqrt(17.0)) / 8.0  # Bunch–Kaufman's growth bound


def _abs1(x):
    """LAPACK's cheap modulus for complex pivot search (|re| + |im|)."""
    return np.abs(x.real) + np.abs(x.imag) if np.iscomplexobj(x) else np.abs(x)


def _factor_one(a: np.ndarray, hermitian: bool):
    """Factor one matrix in place (lower triangle); returns (pivots, info)."""
    n = a.shape[0]
    cj = np.conj if hermitian else (lambda v: v)
    ipiv = np.zeros(n, np.int32)
    info = 0
    k = 0
    while k < n:
        kstep = 1
        diag = abs(a[k, k].real) if hermitian else _abs1(a[k, k])
        if k < n - 1:
            imax = k + 1 + int(np.argmax(_abs1(a[k + 1:, k])))
            colmax = _abs1(a[imax, k])
        else:
            imax, colmax = k, 0.0
        if max(diag, colmax) == 0:
            if info == 0:
                info = k + 1
            kp = k
        else:
            if diag >= _ALPHA * colmax:
                kp = k
            else:
                rowmax = float(np.max(_abs1(a[imax, k:imax]))) if imax > k else 0.0
                if imax < n - 1:
                    rowmax = max(rowmax, float(np.max(_abs1(a[imax + 1:, imax]))))
                dmax = abs(a[imax, imax].real) if hermitian else _abs1(a[imax, imax])
                if diag >= _ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif dmax >= _ALPHA * rowmax:
                    kp = imax
                else:
                    kp, kstep = imax, 2
            kk = k + kstep - 1
            if kp != kk:  # symmetric interchange of rows/columns kk and kp in the trailing block
                if kp < n - 1:
                    a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
                mid = a[kk + 1:kp, kk].copy()
                a[kk + 1:kp, kk] = cj(a[kp, kk + 1:kp])
                a[kp, kk + 1:kp] = cj(mid)
                if hermitian:
                    a[kp, kk] = np.conj(a[kp, kk])
                a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]
                if kstep == 2:
                    a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
            if kstep == 1:
                if hermitian:
                    a[k, k] = a[k, k].real
                if k < n - 1:
                    r = 1.0 / a[k, k]
                    col = a[k + 1:, k].copy()
                    a[k + 1:, k + 1:] -= np.tril(np.outer(col * r, cj(col)))
                    a[k + 1:, k] = col * r
                    if hermitian:
                        idx = np.arange(k + 1, n)
                        a[idx, idx] = a[idx, idx].real
            else:
                if hermitian:
                    a[k, k] = a[k, k].real
                    a[k + 1, k + 1] = a[k + 1, k + 1].real
                if k < n - 2:
                    ck, ck1 = a[k + 2:, k].copy(), a[k + 2:, k + 1].copy()
                    if hermitian:  # LAPACK hetf2's scaling by |d21|
                        d = abs(a[k + 1, k])
                        d11 = a[k + 1, k + 1].real / d
                        d22 = a[k, k].real / d
                        d21 = a[k + 1, k] / d
                        d = (1.0 / (d11 * d22 - 1.0)) / d
                        wk = d * (d11 * ck - d21 * ck1)
                        wkp1 = d * (d22 * ck1 - np.conj(d21) * ck)
                    else:
                        d21 = a[k + 1, k]
                        d11 = a[k + 1, k + 1] / d21
                        d22 = a[k, k] / d21
                        d21 = (1.0 / (d11 * d22 - 1.0)) / d21
                        wk = d21 * (d11 * ck - ck1)
                        wkp1 = d21 * (d22 * ck1 - ck)
                    a[k + 2:, k + 2:] -= np.tril(np.outer(ck, cj(wk)) + np.outer(ck1, cj(wkp1)))
                    a[k + 2:, k] = wk
                    a[k + 2:, k + 1] = wkp1
                    if hermitian:
                        idx = np.arange(k + 2, n)
                        a[idx, idx] = a[idx, idx].real
        if kstep == 1:
            ipiv[k] = kp + 1
        else:
            ipiv[k] = ipiv[k + 1] = -(kp + 1)
        k += kstep
    return ipiv, info


def _check_square(A: Tensor, fn: str) -> None:
    if A.dim() < 2:
        raise RuntimeError(f"{fn}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{fn}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False, out=None):
    """(LD, pivots, info): the compact Bunch–Kaufman LDL^T factorization, without raising on a
    singular matrix (info > 0 names the first zero pivot)."""
    from .ops.reduction import return_types
    _check_square(A, "torch.linalg.ldl_factor_ex")
    arr = A.detach()._host()
    *batch, n, _ = arr.shape
    dt = arr.dtype if arr.dtype.kind in "fc" else np.float32
    flat = np.array(arr, dtype=dt).reshape((-1, n, n))
    piv = np.zeros((flat.shape[0], n), np.int32)
    info = np.zeros(flat.shape[0], np.int32)
    for i in range(flat.shape[0]):
        piv[i], info[i] = _factor_one(flat[i], hermitian and np.iscomplexobj(flat))
        flat[i] = np.tril(flat[i])
    LD = _wrap(flat.reshape(arr.shape))
    res = (LD, _wrap(piv.reshape(tuple(batch) + (n,))), _wrap(info.reshape(tuple(batch))))
    if A.device.type != "cpu":
        res = tuple(t.to(A.device) for t in res)
    if check_errors and bool((res[2] > 0).any()):
        raise RuntimeError(f"torch.linalg.ldl_factor_ex: the factorization could not be completed: zero "
                           f"pivot in D at position {int(res[2].max())}")
    if out is not None:
        for o, r in zip(out, res):
            o.resize_(r.shape).copy_(r)
        res = tuple(out)
    return getattr(return_types, "linalg_ldl_factor_ex")(res)


def ldl_factor(A: Tensor, *, hermitian: bool = False, out=None):
    """(LD, pivots): the compact Bunch–Kaufman LDL^T factorization of symmetric/Hermitian A."""
    from .ops.reduction import return_types
    _check_square(A, "torch.linalg.ldl_factor_ex")
    LD, pivots, info = ldl_factor_ex(A, hermitian=hermitian)
    if bool((info > 0).any()):
        raise RuntimeError(f"torch.linalg.ldl_factor: the factorization could not be completed because the "
                           f"input is singular: D has a zero pivot at position {int(info.max())}")
    if out is not None:
        out[0].resize_(LD.shape).copy_(LD)
        out[1].resize_(pivots.shape).copy_(pivots)
        LD, pivots = out
    return getattr(return_types, "linalg_ldl_factor")((LD, pivots))


def _solve_one(a: np.ndarray, ipiv: np.ndarray, b: np.ndarray, hermitian: bool) -> None:
    """Overwrite b with A^-1 b given A's compact factorization (LAPACK sytrs/hetrs, lower)."""
    n = a.shape[0]
    cj = np.conj if hermitian else (lambda v: v)
    k = 0
    while k < n:  # L D y = P b
        if ipiv[k] > 0:
            kp = ipiv[k] - 1
            if kp != k:
                b[[k, kp]] = b[[kp, k]]
            if k < n - 1:
                b[k + 1:] -= np.outer(a[k + 1:, k], b[k])
            b[k] = b[k] / (a[k, k].real if hermitian else a[k, k])
            k += 1
        else:
            kp = -ipiv[k] - 1
            if kp != k + 1:
                b[[k + 1, kp]] = b[[kp, k + 1]]
            if k < n - 2:
                b[k + 2:] -= np.outer(a[k + 2:, k], b[k]) + np.outer(a[k + 2:, k + 1], b[k + 1])
            akm1k = a[k + 1, k]
            akm1 = a[k, k] / (np.conj(akm1k) if hermitian else akm1k)
            ak = a[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1.0
            bkm1 = b[k] / (np.conj(akm1k) if hermitian else akm1k)
            bk = b[k + 1] / akm1k
            b[k] = (ak * bkm1 - bk) / denom
            b[k + 1] = (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:  # L^T x = y, then undo the interchanges
        if ipiv[k] > 0:
            if k < n - 1:
                b[k] -= cj(a[k + 1:, k]) @ b[k + 1:]
            kp = ipiv[k] - 1
            if kp != k:
                b[[k, kp]] = b[[kp, k]]
            k -= 1
        else:
            if k < n - 1:
                b[k] -= cj(a[k + 1:, k]) @ b[k + 1:]
                b[k - 1] -= cj(a[k + 1:, k - 1]) @ b[k + 1:]
            kp = -ipiv[k] - 1
            if kp != k:
                b[[k, kp]] = b[[kp, k]]
            k -= 2


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False, out=None) -> Tensor:
    """X with A X = B from ldl_factor's (LD, pivots)."""
    fn = "torch.linalg.ldl_solve"
    _check_square(LD, fn)
    if B.dim() < 2:
        raise RuntimeError(f"{fn}: The input tensor B must have at least 2 dimensions.")
    if LD.shape[-1] != B.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for {fn}: each A matrix is {LD.shape[-2]} by "
                           f"{LD.shape[-1]} but each b matrix is {B.shape[-2]} by {B.shape[-1]}")
    a = LD.detach()._host()
    p = pivots.detach()._host()
    b = B.detach()._host()
    batch = np.broadcast_shapes(a.shape[:-2], p.shape[:-1], b.shape[:-2])
    n, m = a.shape[-1], b.shape[-1]
    dt = np.result_type(a.dtype, b.dtype)
    a = np.broadcast_to(a, batch + (n, n)).reshape((-1, n, n))
    p = np.broadcast_to(p, batch + (n,)).reshape((-1, n))
    x = np.array(np.broadcast_to(b, batch + (n, m)), dtype=dt).reshape((-1, n, m))
    for i in range(x.shape[0]):
        _solve_one(a[i], p[i], x[i], hermitian and np.iscomplexobj(a))
    res = _wrap(x.reshape(batch + (n, m)))
    if B.device.type != "cpu":
        res = res.to(B.device)
    if out is not None:
        return out.resize_(res.shape).copy_(res)
    return res

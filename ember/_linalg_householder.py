"""QR in LAPACK's compact Householder form: torch.geqrf, linalg.householder_product (orgqr) and
ormqr. geqrf is LAPACK's own factorisation (NumPy's ``qr(mode='raw')``), returned column-major as
torch returns it; the products apply the reflectors H_i = I - tau_i v_i v_i^H one at a time in
ember ops, so they are differentiable (householder_product twice over, as torch's).
"""
from __future__ import annotations

from ._tensor import Tensor
from .ops._function import Function, xp


def _name(dt) -> str:
    from .ops.pointwise import _type_word
    return _type_word(dt)


class _Geqrf(Function):
    """LAPACK geqrf per matrix; torch defines no derivative for it."""

    @staticmethod
    def forward(ctx, arr):
        m = xp(arr)
        *batch, rows, cols = arr.shape
        k = min(rows, cols)
        if arr.size == 0:
            a = m.zeros(tuple(batch) + (cols, rows), arr.dtype)
            tau = m.zeros(tuple(batch) + (k,), arr.dtype)
        else:
            hs, taus = [], []
            for mat in arr.reshape((-1, rows, cols)):  # CuPy's raw QR is 2-D only
                h, t = m.linalg.qr(mat, mode="raw")
                hs.append(m.ascontiguousarray(h))  # (n, m) row-major = a column-major
                taus.append(t)
            a = m.stack(hs).reshape(tuple(batch) + (cols, rows)).astype(arr.dtype, copy=False)
            tau = m.stack(taus).reshape(tuple(batch) + (k,)).astype(arr.dtype, copy=False)
        # column-major matrices, as LAPACK (and torch) lay them out
        return m.swapaxes(a, -1, -2), tau

    @staticmethod
    def backward(ctx, ga, gtau):
        raise NotImplementedError("the derivative for 'geqrf' is not implemented.")


def geqrf(input: Tensor, *, out=None):
    """(a, tau): Householder vectors below a's diagonal, R on and above it (LAPACK geqrf)."""
    from .ops.reduction import return_types
    if input.dim() < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f"torch.geqrf: Expected a floating point or complex tensor as input. Got "
                           f"{_name(input.dtype)}")
    a, tau = _Geqrf.apply(input)
    if out is not None:
        out[0].resize_(a.shape).copy_(a)
        out[1].resize_(tau.shape).copy_(tau)
        return return_types.geqrf(tuple(out))
    return return_types.geqrf((a, tau))


def _check_reflectors(fn: str, input: Tensor, tau: Tensor) -> None:
    if input.dim() < 2:
        raise RuntimeError(f"{fn}: input must have at least 2 dimensions.")
    if tau.dim() < 1:
        raise RuntimeError(f"{fn}: tau must have at least 1 dimension.")
    if input.dtype != tau.dtype:
        raise RuntimeError(f"{fn}: tau dtype {_name(tau.dtype)} does not match input dtype {_name(input.dtype)}")
    if tuple(tau.shape[:-1]) != tuple(input.shape[:-2]):
        raise RuntimeError(f"{fn}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(tau.shape[:-1])}")


def _reflector(input: Tensor, i: int) -> Tensor:
    """v_i: zeros above row i, 1 at row i, input's column i below (batched, shape (..., m, 1))."""
    import ember
    col = input[..., :, i]
    m = input.shape[-2]
    mask = ember.arange(m, device=input.device) > i
    unit = (ember.arange(m, device=input.device) == i).to(input.dtype)
    return ember.where(mask, col, unit.expand_as(col)).unsqueeze(-1)


def _apply(v: Tensor, tau_i: Tensor, x: Tensor, left: bool, adjoint: bool) -> Tensor:
    """H x (left) or x H (right) with H = I - tau v v^H (tau conjugated for H^H)."""
    t = tau_i.conj() if adjoint and tau_i.is_complex() else tau_i
    t = t.unsqueeze(-1).unsqueeze(-1)
    vh = v.mH if v.is_complex() else v.mT
    if left:
        return x - t * (v @ (vh @ x))
    return x - t * ((x @ v) @ vh)


def householder_product(input: Tensor, tau: Tensor, *, out=None) -> Tensor:
    """The first n columns of H_1 ... H_k (LAPACK orgqr) for Householder vectors in input."""
    import ember
    fn = "torch.linalg.householder_product"
    _check_reflectors(fn, input, tau)
    m, n = input.shape[-2:]
    if m < n:
        raise RuntimeError(f"{fn}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if n < tau.shape[-1]:
        raise RuntimeError(f"{fn}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    q = ember.eye(m, n, dtype=input.dtype, device=input.device).expand(tuple(input.shape)).clone()
    for i in range(tau.shape[-1] - 1, -1, -1):
        q = _apply(_reflector(input, i), tau[..., i], q, left=True, adjoint=False)
    if out is not None:
        return out.resize_(q.shape).copy_(q)
    return q


def orgqr(input: Tensor, tau: Tensor) -> Tensor:
    """torch.orgqr: alias of linalg.householder_product."""
    return householder_product(input, tau)


def ormqr(input: Tensor, tau: Tensor, other: Tensor, left: bool = True, transpose: bool = False, *,
          out=None) -> Tensor:
    """other multiplied by the m x m Q of (input, tau): Q other, Q^H other, other Q or other Q^H."""
    fn = "torch.ormqr"
    _check_reflectors(fn, input, tau)
    if other.dim() < 2:
        raise RuntimeError(f"{fn}: other must have at least 2 dimensions.")
    if other.dtype != input.dtype:
        raise RuntimeError(f"{fn}: Expected input and other to have the same dtype, but input has dtype "
                           f"{_name(input.dtype)} and other has dtype {_name(other.dtype)}")
    m = input.shape[-2]
    k = tau.shape[-1]
    if left and other.shape[-2] != m:
        raise RuntimeError(f"{fn}: other.shape[-2] must be equal to input.shape[-2]")
    if not left and other.shape[-1] != m:
        raise RuntimeError(f"{fn}: other.shape[-1] must be equal to input.shape[-2]")
    if k > (m if left else other.shape[-1]):
        raise RuntimeError(f"{fn}: tau.shape[-1] must be less than or equal to input.shape[-2]")
    # Q = H_1 ... H_k. Q x applies H_k first; Q^H x applies H_1^H first; x Q applies H_1 first.
    order = list(range(k))
    if left != transpose:
        order.reverse()
    x = other
    for i in order:
        x = _apply(_reflector(input, i), tau[..., i], x, left=left, adjoint=transpose)
    if out is not None:
        return out.resize_(x.shape).copy_(x)
    return x

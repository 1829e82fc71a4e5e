"""Gradient conventions against torch: complex (conjugate Wirtinger), integer inputs, broadcasting,
dtype promotion, non-contiguous / 0-dim / empty inputs."""
import numpy as np
import pytest

from tests._oracle import requires_torch
from tests.autograd._compare import check

pytestmark = requires_torch

RNG = np.random.default_rng(3)
Z = RNG.standard_normal(4) + 1j * RNG.standard_normal(4)
W = RNG.standard_normal(4) + 1j * RNG.standard_normal(4)
A = RNG.standard_normal((3, 4))


def cleaf(M, z=Z):
    return M.tensor(z, dtype=M.complex128, requires_grad=True)


# ---- complex ---------------------------------------------------------------------------------------
def s_complex_abs_sq(M):
    z = cleaf(M)
    (z * z.conj()).sum().abs().backward()
    return z.grad


def s_complex_abs(M):
    z = cleaf(M)
    z.abs().sum().backward()
    return z.grad


def s_complex_mul_abs(M):
    z, w = cleaf(M), cleaf(M, W)
    (z * w).abs().sum().backward()
    return z.grad, w.grad


def s_complex_exp_abs(M):
    z = cleaf(M)
    (z.exp() * z).abs().sum().backward()
    return z.grad


def s_complex_upstream(M):
    z = cleaf(M)
    y = z * z
    y.backward(M.tensor(W, dtype=M.complex128))
    return z.grad


def s_complex_div_sqrt(M):
    z, w = cleaf(M), cleaf(M, W)
    (z / w).sqrt().abs().sum().backward()
    return z.grad, w.grad


def s_complex_nonscalar_implicit(M):
    (cleaf(M) * 2).sum().backward()


def s_real_to_complex_mul(M):
    x = M.tensor(A[0], dtype=M.float64, requires_grad=True)
    z = cleaf(M)
    (x * z).abs().sum().backward()
    return x.grad, z.grad


# ---- integer inputs, dtypes -------------------------------------------------------------------------
def s_int_input_no_grad(M):
    x = M.tensor(A[0], dtype=M.float64, requires_grad=True)
    k = M.tensor([1, 2, 3, 4])
    y = x * k
    y.sum().backward()
    return x.grad, k.grad is None, k.requires_grad, y.dtype


def s_int_output_no_grad(M):
    x = M.tensor(A[0], dtype=M.float64, requires_grad=True)
    return (x > 0).requires_grad, x.long().requires_grad, x.argmax().requires_grad if hasattr(x, "argmax") else False


def s_float32_float64_mix(M):
    x = M.tensor(A[0], dtype=M.float32, requires_grad=True)
    y = M.tensor(A[1], dtype=M.float64, requires_grad=True)
    (x * y).sum().backward()
    return x.grad, y.grad


def s_to_dtype_grad(M):
    x = M.tensor(A[0], dtype=M.float32, requires_grad=True)
    x.double().exp().sum().backward()
    return x.grad


# ---- broadcasting and layouts ------------------------------------------------------------------------
def s_broadcast(M):
    x = M.tensor(A, dtype=M.float64, requires_grad=True)
    r = M.tensor(A[0], dtype=M.float64, requires_grad=True)
    c = M.tensor(A[:, :1], dtype=M.float64, requires_grad=True)
    s = M.tensor(2.5, dtype=M.float64, requires_grad=True)
    ((x * r + c) * s).exp().sum().backward()
    return x.grad, r.grad, c.grad, s.grad


def s_broadcast_leading_dims(M):
    x = M.tensor(A[0], dtype=M.float64, requires_grad=True)
    y = M.tensor(np.ones((2, 3, 1)), dtype=M.float64, requires_grad=True)
    (x + y).pow(2).sum().backward()
    return x.grad, y.grad


def s_expand_grad(M):
    x = M.tensor(A[:, :1], dtype=M.float64, requires_grad=True)
    (x.expand(3, 4) * M.tensor(A, dtype=M.float64)).sum().backward()
    return x.grad


def s_noncontiguous(M):
    base = M.tensor(A, dtype=M.float64, requires_grad=True)
    t = base.t()
    y = (t * t.exp())[1:, ::2]
    y.sum().backward()
    return base.grad, t.is_contiguous()


def s_zero_dim(M):
    x = M.tensor(1.3, dtype=M.float64, requires_grad=True)
    y = (x * x).exp()
    y.backward()
    return x.grad, y.shape


def s_empty(M):
    x = M.zeros((0, 3), dtype=M.float64, requires_grad=True)
    (x * 2).sum().backward()
    return x.grad


def s_grad_dtype_and_layout(M):
    x = M.tensor(A, dtype=M.float64, requires_grad=True)
    (x.t() * 3).sum().backward()
    return x.grad, x.grad.stride(), x.grad.dtype


def s_shared_input_accumulates(M):
    x = M.tensor(A[0], dtype=M.float64, requires_grad=True)
    (x * x + x.sin() * x).sum().backward()
    return x.grad


SCENARIOS = {k[2:]: v for k, v in dict(globals()).items() if k.startswith("s_")}
XFAIL = {}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=XFAIL[n])) if n in XFAIL else n
    for n in sorted(SCENARIOS)])
def test_grads_match_torch(name):
    check(SCENARIOS[name])

"""linalg.ldl_factor(_ex) / ldl_solve against torch (LAPACK sytrf/hetrf): the compact LD, the
pivots (1x1 and 2x2 blocks), info for singular input, solves, batching, complex symmetric and
Hermitian input, errors."""
import numpy as np
import pytest

import ember
from tests._oracle import torch_or_skip

torch = torch_or_skip()
_rng = np.random.default_rng(0)


def _sym(n, kind):
    A = _rng.standard_normal((n, n))
    if kind == "complex":
        A = A + 1j * _rng.standard_normal((n, n))
        return A + A.T
    if kind == "hermitian":
        A = A + 1j * _rng.standard_normal((n, n))
        return A + A.conj().T
    if kind == "antidiagonal":  # forces 2x2 pivots
        return np.diag(_rng.standard_normal(n)) * 1e-3 + np.fliplr(np.eye(n))
    if kind == "zero_diagonal":
        A = A + A.T
        A[0, 0] = A[1, 1] = 0
        return A
    return A + A.T


@pytest.mark.parametrize("n", [1, 2, 5, 12, 40])
@pytest.mark.parametrize("kind", ["real", "antidiagonal", "zero_diagonal", "complex", "hermitian"])
def test_factor_and_solve_match_torch(n, kind):
    n = max(n, 3) if kind == "zero_diagonal" else n  # two zeroed diagonal entries need room
    A = _sym(n, kind)
    herm = kind == "hermitian"
    e = ember.linalg.ldl_factor(ember.tensor(A), hermitian=herm)
    t = torch.linalg.ldl_factor(torch.tensor(A), hermitian=herm)
    np.testing.assert_allclose(e.LD.numpy(), t.LD.numpy(), atol=1e-11)
    np.testing.assert_array_equal(e.pivots.numpy(), t.pivots.numpy())
    assert e.pivots.dtype == ember.int32
    B = _rng.standard_normal((n, 3)).astype(A.dtype)
    x = ember.linalg.ldl_solve(e.LD, e.pivots, ember.tensor(B), hermitian=herm)
    tx = torch.linalg.ldl_solve(t.LD, t.pivots, torch.tensor(B), hermitian=herm)
    np.testing.assert_allclose(x.numpy(), tx.numpy(), atol=1e-9)


def test_batched_and_ex_with_singular():
    A = np.stack([_sym(4, "real"), np.zeros((4, 4))])
    e = ember.linalg.ldl_factor_ex(ember.tensor(A))
    t = torch.linalg.ldl_factor_ex(torch.tensor(A))
    np.testing.assert_array_equal(e.info.numpy(), t.info.numpy())
    np.testing.assert_allclose(e.LD.numpy(), t.LD.numpy(), atol=1e-12)
    np.testing.assert_array_equal(e.pivots.numpy(), t.pivots.numpy())
    with pytest.raises(RuntimeError, match="zero pivot"):
        ember.linalg.ldl_factor(ember.zeros(3, 3))


def test_errors_match_torch():
    LD, piv = torch.linalg.ldl_factor(torch.tensor(_sym(4, "real")))
    eLD, epiv = ember.tensor(LD.numpy()), ember.tensor(piv.numpy())
    cases = [
        (lambda: torch.linalg.ldl_factor(torch.randn(3, 4)), lambda: ember.linalg.ldl_factor(ember.randn(3, 4))),
        (lambda: torch.linalg.ldl_factor(torch.randn(3)), lambda: ember.linalg.ldl_factor(ember.randn(3))),
        (lambda: torch.linalg.ldl_solve(LD, piv, torch.randn(3, 2, dtype=torch.float64)),
         lambda: ember.linalg.ldl_solve(eLD, epiv, ember.randn(3, 2, dtype=ember.float64))),
    ]
    for tf, ef in cases:
        with pytest.raises(RuntimeError) as te:
            tf()
        with pytest.raises(RuntimeError) as ee:
            ef()
        assert str(ee.value) == str(te.value)

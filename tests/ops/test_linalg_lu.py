"""linalg.solve_triangular, solve_ex and the LU family against torch: values, pivots, batching,
errors, and first/second-order gradients."""
import numpy as np
import pytest

import ember
from tests._oracle import torch_or_skip

torch = torch_or_skip()
_rng = np.random.default_rng(0)


def _both(fn, *arrays, grad=True, second=False):
    """fn(L, *tensors) for ember and torch: outputs, first-order grads (and second order)."""
    res = []
    for L in (ember, torch):
        ts = [L.from_numpy(a.copy()).requires_grad_(grad) for a in arrays]
        out = fn(L, *ts)
        outs = out if isinstance(out, tuple) else (out,)
        vals = [o.detach().numpy() for o in outs]
        if grad:
            y = sum((o * L.from_numpy(np.random.default_rng(i).standard_normal(tuple(o.shape)))).sum()
                    for i, o in enumerate(outs) if o.dtype.is_floating_point)
            gs = L.autograd.grad(y, ts, create_graph=second, allow_unused=True)
            vals += [g.detach().numpy() if g is not None else np.zeros(t.shape) for g, t in zip(gs, ts)]
            if second:
                sum((g ** 2).sum() for g in gs if g is not None).backward()
                vals += [t.grad.numpy() for t in ts]
        res.append(vals)
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular(upper, left, unit):
    A = _rng.standard_normal((2, 4, 4)) + 4 * np.eye(4)
    B = _rng.standard_normal((2, 4, 3) if left else (2, 3, 4))
    _both(lambda L, a, b: L.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unit),
          A, B, second=True)


def test_solve_triangular_broadcast_singular_and_errors():
    _both(lambda L, a, b: L.linalg.solve_triangular(a, b, upper=False), np.tril(_rng.standard_normal((4, 4))) +
          3 * np.eye(4), _rng.standard_normal((2, 4, 2)))
    z = np.triu(np.ones((3, 3)))
    z[1, 1] = 0
    _both(lambda L, a, b: L.linalg.solve_triangular(a, b, upper=True), z, np.ones((3, 1)), grad=False)
    for L in (ember, torch):
        with pytest.raises(RuntimeError, match="B must have at least 2 dimensions"):
            L.linalg.solve_triangular(L.eye(2), L.ones(2), upper=True)
        with pytest.raises(RuntimeError, match="Incompatible shapes"):
            L.linalg.solve_triangular(L.eye(2), L.ones(3, 1), upper=True)


@pytest.mark.parametrize("shape", [(4, 4), (3, 5, 5), (5, 3), (3, 5)])
def test_lu_factor_and_lu_values(shape):
    A = _rng.standard_normal(shape)
    _both(lambda L, a: tuple(L.linalg.lu_factor(a)), A, grad=False)
    _both(lambda L, a: tuple(L.linalg.lu(a)), A, grad=False)
    _both(lambda L, a: tuple(L.linalg.lu_factor_ex(a)), A, grad=False)


def test_lu_gradients_square():
    A = _rng.standard_normal((2, 4, 4))
    _both(lambda L, a: L.linalg.lu(a)[1:], A, second=True)
    _both(lambda L, a: L.linalg.lu_factor(a)[0], A)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve(left, adjoint):
    A = _rng.standard_normal((2, 4, 4))
    B = _rng.standard_normal((2, 4, 3) if left else (2, 3, 4))
    _both(lambda L, a, b: L.linalg.lu_solve(*L.linalg.lu_factor(a), b, left=left, adjoint=adjoint), A, B,
          second=True)


def test_solve_ex_and_singular_errors():
    A = _rng.standard_normal((3, 3))
    b = _rng.standard_normal(3)
    _both(lambda L, a, x: L.linalg.solve_ex(a, x)[0], A, b)
    sing = np.array([[0.0, 0.0], [0.0, 1.0]])
    for L in (ember, torch):
        r = L.linalg.solve_ex(L.from_numpy(sing), L.ones(2, dtype=L.float64))
        assert r.info.item() == 1 and r.info.dtype == L.int32 and np.isinf(r.result.numpy()[0])
        with pytest.raises(L.linalg.LinAlgError, match="solve_ex: The solver failed because the input matrix is singular"):
            L.linalg.solve_ex(L.from_numpy(sing), L.ones(2, dtype=L.float64), check_errors=True)
        with pytest.raises(RuntimeError, match=r"lu_factor: U\[1,1\] is zero"):
            L.linalg.lu_factor(L.from_numpy(sing))
        assert L.linalg.lu_factor_ex(L.from_numpy(sing)).info.item() == 1


def test_legacy_lu_spellings():
    A = _rng.standard_normal((2, 3, 3))
    b = _rng.standard_normal((2, 3, 2))
    _both(lambda L, a: tuple(L.lu(a)), A, grad=False)
    _both(lambda L, a: tuple(L.lu_unpack(*L.lu(a))), A, grad=False)
    _both(lambda L, a, x: L.lu_solve(x, *L.lu(a)), A, b)
    _both(lambda L, a, x: x.lu_solve(*a.lu()), A, b, grad=False)
    for L in (ember, torch):
        assert len(L.lu(L.from_numpy(A), get_infos=True)) == 3
        LU, piv = L.lu(L.zeros(2, 2, dtype=L.float64))  # singular: factors, no error
        assert LU.abs().sum().item() == 0 and piv.tolist() == [1, 2]

"""torch.lobpcg against torch: extreme eigenpairs (largest/smallest, generalized with B, batched,
given X), the random draw kept in step, gradients w.r.t. A, and the size check."""
import numpy as np
import pytest

import ember
from tests._oracle import torch_or_skip

torch = torch_or_skip()


def _spd(n, seed, batch=()):
    M = np.random.default_rng(seed).standard_normal(batch + (n, n))
    return M @ np.swapaxes(M, -1, -2) + np.eye(n)


@pytest.mark.parametrize("kw", [{"k": 3}, {"k": 2, "largest": False}, {"k": 2, "B": "B"}, {"k": 2, "n": 4},
                                {"k": 1}])
def test_eigenpairs_match_torch(kw):
    A = _spd(20, 0)
    out = []
    for L in (ember, torch):
        L.manual_seed(0)
        extra = dict(kw)
        if extra.get("B") == "B":
            extra["B"] = L.tensor(np.diag(np.linspace(1.0, 3.0, 20)))
        E, X = L.lobpcg(L.tensor(A), **extra)
        out.append((E.numpy(), X.numpy(), L.rand(1).item()))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-7)
    np.testing.assert_allclose(np.abs(out[0][1]), np.abs(out[1][1]), atol=1e-6)
    assert out[0][2] == out[1][2]  # the same random draws


def test_batched_given_X_and_gradients():
    A = _spd(12, 1, (2,))
    X0 = np.random.default_rng(2).standard_normal((2, 12, 2))
    E = ember.lobpcg(ember.tensor(A), k=2, X=ember.tensor(X0))[0]
    tE = torch.lobpcg(torch.tensor(A), k=2, X=torch.tensor(X0))[0]
    np.testing.assert_allclose(E.numpy(), tE.numpy(), rtol=1e-7)
    grads = []
    for L in (ember, torch):
        a = L.tensor(_spd(15, 3), requires_grad=True)
        L.manual_seed(0)
        E, X = L.lobpcg(a, k=2)
        (E.sum() + (X ** 2).sum()).backward()
        grads.append(a.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-6)


def test_size_check_matches_torch():
    for L in (ember, torch):
        with pytest.raises(ValueError, match=r"not applicable when the number of A rows \(=5\) is smaller than 3 x "
                                             r"the number of requested eigenpairs \(=2\)"):
            L.lobpcg(L.eye(5), k=2)

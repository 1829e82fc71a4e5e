"""svd_lowrank / pca_lowrank against torch: with the same seed the randomized factors agree (the
test matrix is drawn from torch's stream; U and V up to the sign of each column, which SVD leaves
free), errors, and gradients through the singular values."""
import numpy as np
import pytest

import ember
from tests._oracle import torch_or_skip

torch = torch_or_skip()
_A = np.random.default_rng(0).standard_normal((30, 8)) @ np.random.default_rng(1).standard_normal((8, 20))


@pytest.mark.parametrize("fn", ["svd_lowrank", "pca_lowrank"])
@pytest.mark.parametrize("wide", [False, True])
@pytest.mark.parametrize("niter", [0, 2])
def test_lowrank_matches_torch(fn, wide, niter):
    a = _A.T if wide else _A
    ember.manual_seed(0)
    torch.manual_seed(0)
    U, S, V = getattr(ember, fn)(ember.tensor(a), q=5, niter=niter)
    tU, tS, tV = getattr(torch, fn)(torch.tensor(a), q=5, niter=niter)
    np.testing.assert_allclose(S.numpy(), tS.numpy(), rtol=1e-10)
    sign = np.sign((U.numpy() * tU.numpy()).sum(0))
    np.testing.assert_allclose(U.numpy() * sign, tU.numpy(), atol=1e-10)
    np.testing.assert_allclose(V.numpy() * sign, tV.numpy(), atol=1e-10)
    assert ember.rand(1).item() == torch.rand(1).item()  # the same number of draws


def test_svd_lowrank_with_M_and_batches():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((2, 12, 7))
    M = rng.standard_normal((12, 7))
    ember.manual_seed(1)
    torch.manual_seed(1)
    S = ember.svd_lowrank(ember.tensor(A), q=4, M=ember.tensor(M))[1]
    tS = torch.svd_lowrank(torch.tensor(A), q=4, M=torch.tensor(M))[1]
    np.testing.assert_allclose(S.numpy(), tS.numpy(), rtol=1e-10)


def test_singular_value_gradients_match_torch():
    grads = []
    for L in (ember, torch):
        L.manual_seed(3)
        a = L.tensor(_A, requires_grad=True)
        L.pca_lowrank(a, q=3)[1].sum().backward()
        grads.append(a.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-9)


def test_pca_lowrank_errors_match_torch():
    for kwargs in ({"q": 50}, {"q": -1}, {"niter": -1}):
        with pytest.raises(ValueError) as te:
            torch.pca_lowrank(torch.tensor(_A), **kwargs)
        with pytest.raises(ValueError) as ee:
            ember.pca_lowrank(ember.tensor(_A), **kwargs)
        assert str(ee.value) == str(te.value)

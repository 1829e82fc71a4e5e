"""geqrf, linalg.householder_product / orgqr and ormqr against torch: values, layout (column-major
as LAPACK), batching, complex inputs, errors, and (second-order) gradients of the products."""
import numpy as np
import pytest

import ember
from tests._oracle import torch_or_skip

torch = torch_or_skip()
_rng = np.random.default_rng(0)


def _rand(*shape, complex_=False):
    a = _rng.standard_normal(shape)
    return a + 1j * _rng.standard_normal(shape) if complex_ else a


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 6, 3), (0, 2)])
@pytest.mark.parametrize("complex_", [False, True])
def test_geqrf_matches_torch(shape, complex_):
    A = _rand(*shape, complex_=complex_)
    a, tau = ember.geqrf(ember.tensor(A))
    ta, ttau = torch.geqrf(torch.tensor(A))
    assert a.shape == ta.shape and tau.shape == ttau.shape
    if a.numel():
        assert a.stride() == ta.stride()  # column-major per matrix
    np.testing.assert_allclose(a.numpy(), ta.numpy(), atol=1e-12)
    np.testing.assert_allclose(tau.numpy(), ttau.numpy(), atol=1e-12)
    assert ember.tensor(A).geqrf()[0].shape == ta.shape  # method spelling
    assert type(ember.geqrf(ember.tensor(A))).__name__ == "geqrf"


@pytest.mark.parametrize("complex_", [False, True])
def test_householder_product_values_and_grads(complex_):
    A = _rand(2, 5, 3, complex_=complex_)
    ta, ttau = torch.geqrf(torch.tensor(A))
    res = []
    for L, a, tau in ((ember, ember.tensor(ta.numpy()), ember.tensor(ttau.numpy())), (torch, ta.clone(), ttau.clone())):
        a.requires_grad_()
        tau.requires_grad_()
        q = L.linalg.householder_product(a, tau)
        w = L.tensor(_rand(2, 5, 3, complex_=complex_).astype(q.numpy().dtype) if False else
                     np.random.default_rng(3).standard_normal((2, 5, 3)))
        loss = (q.real * w).sum() if complex_ else (q * w).sum()
        ga, gt = L.autograd.grad(loss, (a, tau), create_graph=True)
        ((ga.abs() ** 2).sum() + (gt.abs() ** 2).sum()).backward()
        res.append([q.detach().numpy(), ga.detach().numpy(), gt.detach().numpy(), a.grad.numpy(), tau.grad.numpy()])
        assert L.orgqr(a.detach(), tau.detach()).shape == q.shape
    for x, y in zip(*res):
        np.testing.assert_allclose(x, y, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("complex_", [False, True])
def test_ormqr_matches_torch(left, transpose, complex_):
    A = _rand(2, 5, 3, complex_=complex_)
    C = _rand(2, 5, 4, complex_=complex_) if left else _rand(2, 4, 5, complex_=complex_)
    ta, ttau = torch.geqrf(torch.tensor(A))
    want = torch.ormqr(ta, ttau, torch.tensor(C), left, transpose).numpy()
    ea, etau = ember.tensor(ta.numpy()), ember.tensor(ttau.numpy())
    got = ember.ormqr(ea, etau, ember.tensor(C), left, transpose)
    np.testing.assert_allclose(got.numpy(), want, atol=1e-12)
    c = ember.tensor(C).requires_grad_()
    tc = torch.tensor(C).requires_grad_()
    ember.ormqr(ea, etau, c, left, transpose).abs().sum().backward()
    torch.ormqr(ta, ttau, tc, left, transpose).abs().sum().backward()
    np.testing.assert_allclose(c.grad.numpy(), tc.grad.numpy(), atol=1e-10)


def test_errors_match_torch():
    cases = [
        lambda L: L.linalg.householder_product(L.randn(2, 3), L.randn(2)),
        lambda L: L.linalg.householder_product(L.randn(3, 2), L.randn(3)),
        lambda L: L.linalg.householder_product(L.randn(3, 2), L.randn(2, dtype=L.float64)),
        lambda L: L.linalg.householder_product(L.randn(3), L.randn(1)),
        lambda L: L.geqrf(L.randn(3)),
        lambda L: L.ormqr(L.randn(3, 2), L.randn(2), L.randn(4, 2)),
    ]
    for case in cases:
        with pytest.raises(RuntimeError) as te:
            case(torch)
        with pytest.raises(RuntimeError) as ee:
            case(ember)
        assert str(ee.value) == str(te.value)


def test_geqrf_has_no_derivative():
    a, tau = ember.geqrf(ember.randn(3, 3, dtype=ember.float64, requires_grad=True))
    assert a.requires_grad
    with pytest.raises(NotImplementedError, match="the derivative for 'geqrf' is not implemented"):
        a.sum().backward()

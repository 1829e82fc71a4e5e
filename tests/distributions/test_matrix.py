"""Wishart and LKJCholesky against torch.distributions (seeded samples, densities, moments)."""
import warnings

import numpy as np
import pytest

import ember
from ember.distributions.lkj_cholesky import LKJCholesky
from ember.distributions.wishart import Wishart
from tests._oracle import requires_torch, torch

pytestmark = requires_torch

A = np.array([[2.0, 0.3, 0.1], [0.3, 1.5, 0.2], [0.1, 0.2, 1.0]])


def close(e, t, rtol=1e-6, atol=1e-8):
    np.testing.assert_allclose(np.asarray(e.detach().numpy()), t.detach().numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("kw", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_wishart_values(kw):
    TD = torch.distributions
    M = np.linalg.cholesky(A) if kw == "scale_tril" else A
    df = [4.0, 5.5]
    t = TD.Wishart(torch.tensor(df), **{kw: torch.tensor(M)})
    e = Wishart(ember.tensor(df), **{kw: ember.tensor(M)})
    assert e.batch_shape == (2,) and e.event_shape == (3, 3)
    for name in ("mean", "variance", "covariance_matrix", "precision_matrix", "scale_tril"):
        close(getattr(e, name), getattr(t, name), rtol=1e-10)
    close(e.entropy(), t.entropy(), rtol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(3)
        ember.manual_seed(3)
        ts, es = t.rsample((2,)), e.rsample((2,))
    assert es.shape == (2, 2, 3, 3)
    close(es, ts, rtol=1e-10)
    close(e.log_prob(ember.tensor(ts.numpy())), t.log_prob(ts), rtol=1e-10)


def test_wishart_mode_expand_grad_and_errors():
    TD = torch.distributions
    t = TD.Wishart(torch.tensor([3.5, 6.0]), covariance_matrix=torch.tensor(A))
    e = Wishart(ember.tensor([3.5, 6.0]), covariance_matrix=ember.tensor(A))
    close(e.mode, t.mode)
    assert np.isnan(e.mode.numpy()[0]).all()
    te, ee = t.expand((4, 2)), e.expand((4, 2))
    assert ee.batch_shape == te.batch_shape and ee.df.shape == (4, 2)
    close(ee.entropy(), te.entropy(), rtol=1e-6)
    assert repr(e.arg_constraints["df"]) == repr(t.arg_constraints["df"])
    with pytest.raises(AssertionError, match="Exactly one of"):
        Wishart(3.0)
    with pytest.raises(ValueError, match="expected to be greater than ndim - 1 = 2"):
        Wishart(1.5, covariance_matrix=ember.tensor(A))
    # reparameterized gradient w.r.t. the scale
    L = np.linalg.cholesky(A)
    tl = torch.tensor(L, requires_grad=True)
    el = ember.tensor(L, requires_grad=True)
    torch.manual_seed(0)
    ember.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        TD.Wishart(torch.tensor(5.0, dtype=torch.float64), scale_tril=tl).rsample().sum().backward()
        Wishart(ember.tensor(5.0, dtype=ember.float64), scale_tril=el).rsample().sum().backward()
    close(el.grad, tl.grad, rtol=1e-8)


def test_positive_definite_batched_check():
    x = np.broadcast_to(np.eye(3), (2, 2, 3, 3)).copy()
    x[1, 0, 2, 2] = -1.0
    e = ember.linalg.cholesky_ex(ember.tensor(x)).info
    t = torch.linalg.cholesky_ex(torch.tensor(x)).info
    assert e.shape == (2, 2)
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    c = ember.distributions.constraints.positive_definite.check(ember.tensor(x))
    np.testing.assert_array_equal(c.numpy(), torch.distributions.constraints.positive_definite.check(
        torch.tensor(x)).numpy())


@pytest.mark.parametrize("conc", [0.5, [0.5, 2.0]])
def test_lkj_cholesky(conc):
    TD = torch.distributions
    t = TD.LKJCholesky(3, torch.tensor(conc))
    e = LKJCholesky(3, ember.tensor(conc))
    assert e.batch_shape == t.batch_shape and e.event_shape == (3, 3)
    torch.manual_seed(1)
    ember.manual_seed(1)
    ts, es = t.sample((4,)), e.sample((4,))
    close(es, ts, rtol=1e-5, atol=1e-6)
    close(e.log_prob(ember.tensor(ts.numpy())), t.log_prob(ts), rtol=1e-5)
    assert repr(e.support) == repr(t.support)
    ee, te = e.expand((2, 2)), t.expand((2, 2))
    assert ee.batch_shape == te.batch_shape
    with pytest.raises(ValueError, match="Expected dim to be an integer greater than or equal to 2. Found dim=1."):
        LKJCholesky(1, 1.0)


def test_wishart_repr_and_validation():
    TD = torch.distributions
    P = np.array([[2.0, 0.3], [0.3, 1.0]])
    t = TD.Wishart(3, precision_matrix=torch.tensor(P), validate_args=True)
    e = Wishart(3, precision_matrix=ember.tensor(P), validate_args=True)
    assert repr(e) == repr(t)
    torch.manual_seed(0)
    ember.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        close(e.sample((2,)), t.sample((2,)), rtol=1e-6)
    bad = [[1.0, 2.0], [2.0, 1.0]]
    with pytest.raises(ValueError) as te:
        TD.Wishart(torch.tensor(3.0), covariance_matrix=torch.tensor(bad), validate_args=True)
    with pytest.raises(ValueError) as ee:
        Wishart(ember.tensor(3.0), covariance_matrix=ember.tensor(bad), validate_args=True)
    assert str(ee.value) == str(te.value)

"""kl_divergence against torch for every pair torch registers: values (inf where q misses p's
support), the generic Independent/Transformed/exponential-family cases, and dispatch errors."""
import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch

from ._cases import PARAMS, PARAMS_Q, build

pytestmark = requires_torch


def _registered_pairs():
    import torch.distributions.kl as tkl
    names = sorted((p.__name__, q.__name__) for p, q in tkl._KL_REGISTRY)
    return [(p, q) for p, q in names if p in PARAMS and q in PARAMS]


@pytest.mark.parametrize("p_name,q_name", _registered_pairs())
def test_kl_matches_torch(p_name, q_name):
    res = []
    for lib in (ember, torch):
        p, q = build(lib, PARAMS[p_name]), build(lib, PARAMS_Q[q_name])
        try:
            res.append(lib.distributions.kl_divergence(p, q).detach().numpy())
        except NotImplementedError as e:
            res.append(type(e))
    if isinstance(res[1], type):
        assert res[0] is res[1]
        return
    assert res[0].shape == res[1].shape and res[0].dtype == res[1].dtype
    np.testing.assert_array_equal(np.isinf(res[0]), np.isinf(res[1]))
    np.testing.assert_allclose(res[0], res[1], rtol=1e-6, atol=1e-8)


def test_generic_pairs():
    for lib in (ember, torch):
        d = lib.distributions
        n1 = d.Independent(d.Normal(lib.zeros(2, 3), lib.ones(2, 3)), 1)
        n2 = d.Independent(d.Normal(lib.ones(2, 3), 2 * lib.ones(2, 3)), 1)
        t1 = d.TransformedDistribution(d.Normal(lib.zeros(3), lib.ones(3)), [d.ExpTransform()])
        t2 = d.TransformedDistribution(d.Normal(lib.ones(3), lib.ones(3)), [d.ExpTransform()])
        v = (d.kl_divergence(n1, n2).numpy(), d.kl_divergence(t1, t2).numpy(),
             d.kl_divergence(d.Poisson(lib.tensor([2.0])), d.Bernoulli(lib.tensor([0.3]))).numpy())
        if lib is ember:
            got = v
        else:
            want = v
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_unregistered_pair_raises_like_torch():
    for lib in (ember, torch):
        d = lib.distributions
        with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type VonMises"):
            d.kl_divergence(d.VonMises(lib.zeros(1), lib.ones(1)), d.Normal(lib.zeros(1), lib.ones(1)))


def test_register_kl_picks_the_most_specific_match():
    class MyNormal(ember.distributions.Normal):
        pass

    @ember.distributions.register_kl(MyNormal, ember.distributions.Normal)
    def _mine(p, q):
        return ember.tensor(42.0)

    n = ember.distributions.Normal(0.0, 1.0)
    assert ember.distributions.kl_divergence(MyNormal(0.0, 1.0), n).item() == 42.0
    assert ember.distributions.kl_divergence(n, n).item() == 0.0


def test_support_edges_like_torch():
    def pairs(lib):
        d = lib.distributions
        beta = d.Beta(lib.tensor(2.0), lib.tensor(2.0))
        cb = d.ContinuousBernoulli(lib.tensor(0.3))
        return [(beta, d.Uniform(0.0, 1.0)), (cb, d.Uniform(0.0, 1.0)), (cb, d.Uniform(-1.0, 2.0)),
                (d.Uniform(0.0, 1.0), beta), (d.Uniform(0.0, 1.0), cb), (d.Uniform(0.0, 2.0), d.Exponential(lib.tensor(1.0))),
                (d.Uniform(1.0, 2.0), d.Pareto(lib.tensor(1.0), lib.tensor(2.0))),
                (d.Uniform(0.5, 2.0), d.Gamma(lib.tensor(1.0), lib.tensor(2.0))),
                (d.Pareto(lib.tensor(1.0), lib.tensor(0.5)), d.Exponential(lib.tensor(1.0)))]
    got = [ember.distributions.kl_divergence(p, q).item() for p, q in pairs(ember)]
    want = [torch.distributions.kl_divergence(p, q).item() for p, q in pairs(torch)]
    np.testing.assert_allclose(got, want, rtol=1e-5)  # float32 parameters


def test_exponential_family_bregman_matches_torch():
    # Wishart has no closed-form pair: dispatch falls to the generic Bregman-divergence formula
    m = np.array([[2.0, 0.3], [0.3, 1.0]])
    vals = []
    for lib in (ember, torch):
        d = lib.distributions
        p = d.Wishart(lib.tensor([5.0, 3.0], dtype=lib.float64), covariance_matrix=lib.tensor(m))
        q = d.Wishart(lib.tensor([4.0, 6.0], dtype=lib.float64), covariance_matrix=lib.tensor(m * 1.5))
        vals.append(d.kl_divergence(p, q).detach().numpy())
        with pytest.raises(NotImplementedError, match="different exponential families"):
            d.kl_divergence(d.Gamma(lib.ones(2), lib.ones(2)), d.Dirichlet(lib.ones(2, 2)))
    assert vals[0].shape == (2,) and np.all(np.isfinite(vals[0]))
    np.testing.assert_allclose(vals[0], vals[1], rtol=1e-8)

"""Every ember distribution against torch's: shapes, repr, moments, log_prob/cdf/icdf, entropy,
seeded samples (the same values, the generator left in the same state), rsample gradients,
expand, support and enumerate_support, and validation errors."""
import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch

pytestmark = requires_torch

_rng = np.random.default_rng(1)
_v3 = np.array([0.3, 0.6, 0.9])
_p3 = np.array([0.1, 0.5, 0.9])
_pos = np.array([0.7, 1.5, 3.0])
_loc = np.array([0.5, -1.0, 2.0])
_M = _rng.standard_normal((2, 3, 3))
_C = _M @ _M.transpose(0, 2, 1) + np.eye(3)

# name: (args, kwargs, value for log_prob/cdf, probabilities for icdf or None)
CASES = {
    "Normal": ((_loc, _pos), {}, _v3, _p3),
    "Uniform": ((_loc - 1, _loc + 2), {}, _loc + 0.3, _p3),
    "Bernoulli": ((), {"probs": _p3}, np.array([0.0, 1.0, 1.0]), None),
    "Bernoulli_logits": ((), {"logits": _loc}, np.array([0.0, 1.0, 1.0]), None),
    "Categorical": ((_rng.dirichlet(np.ones(4), 2),), {}, np.array([0.0, 3.0]), None),
    "OneHotCategorical": ((_rng.dirichlet(np.ones(4), 2),), {}, np.array([0.0, 0.0, 1.0, 0.0]), None),
    "Exponential": ((_pos,), {}, _v3, _p3),
    "Laplace": ((_loc, _pos), {}, _v3, _p3),
    "Cauchy": ((_loc, _pos), {}, _v3, _p3),
    "Gumbel": ((_loc, _pos), {}, _v3, _p3),
    "LogNormal": ((_loc, _pos), {}, _v3, _p3),
    "HalfNormal": ((_pos,), {}, _v3, _p3),
    "HalfCauchy": ((_pos,), {}, _v3, _p3),
    "Gamma": ((_pos, _pos[::-1].copy()), {}, _v3, None),
    "Chi2": ((_pos,), {}, _v3, None),
    "Beta": ((_pos, _pos[::-1].copy()), {}, _v3, None),
    "Dirichlet": ((_rng.uniform(0.5, 3, (2, 3)),), {}, np.array([0.2, 0.3, 0.5]), None),
    "Poisson": ((np.array([0.5, 3.0, 15.0]),), {}, np.array([0.0, 2.0, 14.0]), None),
    "Binomial": ((np.array([3.0, 50.0, 100.0]), _p3), {}, np.array([1.0, 20.0, 90.0]), None),
    "NegativeBinomial": ((np.array([3.0, 5.0, 10.0]), _p3), {}, np.array([1.0, 2.0, 9.0]), None),
    "Geometric": ((_p3,), {}, np.array([0.0, 3.0, 1.0]), None),
    "Multinomial": ((7, _rng.dirichlet(np.ones(3), 2)), {}, np.array([2.0, 1.0, 4.0]), None),
    "Weibull": ((_pos, _pos[::-1].copy()), {}, _v3, _p3),
    "Pareto": ((_pos, np.array([0.7, 2.5, 5.0])), {}, _v3 + 3, _p3),
    "StudentT": ((np.array([0.7, 1.5, 5.0]), _loc, _pos), {}, _v3, None),
    "FisherSnedecor": ((np.array([1.5, 3.0, 5.0]), np.array([2.0, 4.5, 8.0])), {}, _v3, None),
    "Kumaraswamy": ((_pos, _pos[::-1].copy()), {}, _v3, None),
    "InverseGamma": ((_pos + 2, _pos), {}, _v3 + 1, None),
    "ContinuousBernoulli": ((np.array([0.2, 0.5, 0.8]),), {}, _v3, _p3),
    "GeneralizedPareto": ((_loc, _pos, np.array([0.2, 0.0, -0.1])), {}, _loc + 0.4, _p3),
    "VonMises": ((_loc, _pos), {}, _v3, None),
    "LogisticNormal": ((np.array([0.1, -0.3]), np.array([1.0, 0.5])), {}, np.array([0.2, 0.3, 0.5]), None),
    "RelaxedBernoulli": ((np.array(0.7), _p3), {}, _v3, None),
    "RelaxedOneHotCategorical": ((np.array(0.7), np.array([[0.2, 0.3, 0.5]])), {}, np.array([0.2, 0.3, 0.5]), None),
    "MultivariateNormal": ((_rng.standard_normal((2, 3)), _C), {}, _rng.standard_normal((4, 2, 3)), None),
    "MultivariateNormal_tril": ((_rng.standard_normal(3),), {"scale_tril": np.linalg.cholesky(_C)},
                                _rng.standard_normal((2, 3)), None),
    "MultivariateNormal_precision": ((_rng.standard_normal(3),), {"precision_matrix": np.linalg.inv(_C)},
                                     _rng.standard_normal((2, 3)), None),
    "LowRankMultivariateNormal": ((_rng.standard_normal((2, 3)), _rng.standard_normal((2, 3, 2)),
                                   _rng.uniform(0.5, 2, (2, 3))), {}, _rng.standard_normal((4, 2, 3)), None),
}


def _f32(a):
    return a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a


def _build(lib, name):
    args, kwargs, _, _ = CASES[name]
    cls = getattr(lib.distributions, name.split("_")[0])
    conv = lambda a: lib.tensor(_f32(a)) if isinstance(a, np.ndarray) else a  # noqa: E731
    return cls(*[conv(a) for a in args], **{k: conv(v) for k, v in kwargs.items()})


def _close(a, b, tol=1e-5):
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol, equal_nan=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    e, t = _build(ember, name), _build(torch, name)
    assert tuple(e.batch_shape) == tuple(t.batch_shape) and tuple(e.event_shape) == tuple(t.event_shape)
    assert repr(e) == repr(t)
    assert e.has_rsample == t.has_rsample and e.has_enumerate_support == t.has_enumerate_support
    assert repr(e.support) == repr(t.support)
    assert sorted(e.arg_constraints) == sorted(t.arg_constraints)
    value, probs = CASES[name][2], CASES[name][3]
    for attr in ("mean", "mode", "variance", "stddev"):
        try:
            want = getattr(t, attr)
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                getattr(e, attr)
            continue
        _close(getattr(e, attr), want)
    calls = [("log_prob", value), ("cdf", value), ("entropy", None)] + ([("icdf", probs)] if probs is not None else [])
    for fn, arg in calls:
        targs = () if arg is None else (torch.tensor(_f32(arg)),)
        eargs = () if arg is None else (ember.tensor(_f32(arg)),)
        try:
            want = getattr(t, fn)(*targs)
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                getattr(e, fn)(*eargs)
            continue
        _close(getattr(e, fn)(*eargs), want)


@pytest.mark.parametrize("name", sorted(CASES))
def test_seeded_samples_equal_torch(name):
    ember.manual_seed(3)
    torch.manual_seed(3)
    a = _build(ember, name).sample((2,))
    b = _build(torch, name).sample((2,))
    assert tuple(a.shape) == tuple(b.shape) and str(a.dtype) == str(b.dtype)
    _close(a, b, 1e-6)
    assert ember.rand(1).item() == torch.rand(1).item()  # the same number of draws


@pytest.mark.parametrize("name", sorted(n for n in CASES if getattr(torch.distributions, n.split("_")[0]).has_rsample))
def test_rsample_gradients_equal_torch(name):
    results = []  # gradients reaching the constructor's tensors
    for lib in (ember, torch):
        lib.manual_seed(5)
        args, kwargs, _, _ = CASES[name]
        leaves = []

        def conv(a):
            if isinstance(a, np.ndarray) and a.dtype.kind == "f":
                t = lib.tensor(_f32(a), requires_grad=True)
                leaves.append(t)
                return t
            return a
        cls = getattr(lib.distributions, name.split("_")[0])
        d = cls(*[conv(a) for a in args], **{k: conv(v) for k, v in kwargs.items()})
        d.rsample((3,)).pow(2).sum().backward()
        results.append([leaf.grad for leaf in leaves])
    gamma_based = name in ("Gamma", "Chi2", "Beta", "Dirichlet", "StudentT", "FisherSnedecor", "InverseGamma")
    for a, b in zip(*results):
        assert (a is None) == (b is None)
        if a is not None:
            _close(a, b, 5e-3 if gamma_based else 1e-6)  # torch's gamma gradient is a series approximation


@pytest.mark.parametrize("name", sorted(CASES))
def test_expand(name):
    e, t = _build(ember, name), _build(torch, name)
    shape = (4,) + tuple(t.batch_shape)
    ee, te = e.expand(shape), t.expand(shape)
    assert tuple(ee.batch_shape) == tuple(te.batch_shape) and type(ee).__name__ == type(te).__name__
    _close(ee.log_prob(ember.tensor(_f32(CASES[name][2]))), te.log_prob(torch.tensor(_f32(CASES[name][2]))))


def test_enumerate_support():
    for name in ("Bernoulli", "Categorical", "OneHotCategorical"):
        a = _build(ember, name).enumerate_support()
        b = _build(torch, name).enumerate_support()
        _close(a, b)
        _close(_build(ember, name).enumerate_support(expand=False), _build(torch, name).enumerate_support(expand=False))
    counts, probs = np.full(3, 4.0, np.float32), _p3.astype(np.float32)
    a = ember.distributions.Binomial(ember.tensor(counts), ember.tensor(probs))
    b = torch.distributions.Binomial(torch.tensor(counts), torch.tensor(probs))
    _close(a.enumerate_support(), b.enumerate_support())
    _close(a.entropy(), b.entropy())
    for lib in (ember, torch):  # inhomogeneous counts cannot be enumerated
        with pytest.raises(NotImplementedError, match="Inhomogeneous total count"):
            _build(lib, "Binomial").enumerate_support()


@pytest.mark.parametrize("make", [
    lambda L: L.distributions.Normal(L.tensor([0.0, 1.0]), L.tensor([1.0, -1.0])),
    lambda L: L.distributions.Gamma(L.tensor([1.0]), L.tensor([0.0])),
    lambda L: L.distributions.Categorical(L.tensor([0.5, -0.1])),
    lambda L: L.distributions.Bernoulli(probs=L.tensor(0.5), logits=L.tensor(0.0)),
    lambda L: L.distributions.Dirichlet(L.tensor(1.0)),
    lambda L: L.distributions.MultivariateNormal(L.zeros(2)),
    lambda L: L.distributions.Normal(L.zeros(3), 1.0).log_prob(L.zeros(4)),
    lambda L: L.distributions.Uniform(0.0, 1.0).log_prob(L.tensor(2.0)),
    lambda L: L.distributions.Bernoulli(L.tensor(0.3)).log_prob(0.0),
])
def test_validation_errors_match_torch(make):
    with pytest.raises(Exception) as te:
        make(torch)
    with pytest.raises(type(te.value)) as ee:
        make(ember)
    assert str(ee.value) == str(te.value)


def test_transformed_tanh_policy_matches_torch():
    # the SAC-style squashed Gaussian: log_prob and rsample gradients
    res = []
    for lib in (ember, torch):
        d = lib.distributions
        lib.manual_seed(0)
        mu = lib.tensor([0.1, -0.4], requires_grad=True)
        sd = lib.tensor([0.5, 1.2], requires_grad=True)
        pi = d.TransformedDistribution(d.Normal(mu, sd), [d.TanhTransform(cache_size=1), d.AffineTransform(0.0, 2.0)])
        a = pi.rsample()
        logp = pi.log_prob(a).sum()
        (logp + a.pow(2).sum()).backward()
        res.append([a.detach().numpy(), logp.detach().numpy(), mu.grad.numpy(), sd.grad.numpy()])
    for x, y in zip(*res):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_independent_and_mixture():
    for lib in (ember, torch):
        lib.manual_seed(0)
    res = []
    for lib in (ember, torch):
        d = lib.distributions
        comp = d.Independent(d.Normal(lib.tensor(_rng_mix_loc), lib.ones(3, 2)), 1)
        mix = d.MixtureSameFamily(d.Categorical(lib.tensor([0.2, 0.5, 0.3])), comp)
        x = lib.tensor([[0.1, 0.2], [1.0, -1.0]])
        res.append([mix.log_prob(x), mix.mean, mix.variance, mix.sample((4,)), comp.entropy(), repr(mix)])
    for a, b in zip(res[0][:-1], res[1][:-1]):
        _close(a, b)
    assert res[0][-1] == res[1][-1]


_rng_mix_loc = np.random.default_rng(7).standard_normal((3, 2)).astype(np.float32)

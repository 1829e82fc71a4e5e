"""Gamma, Chi2, Beta, Dirichlet, InverseGamma, StudentT, FisherSnedecor, VonMises and the gamma
samplers against torch (seeded samples, densities, moments, rsample gradients)."""
import importlib

import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch

pytestmark = requires_torch


def close(e, t, rtol=1e-5, atol=1e-7):
    ev = e.detach().numpy() if hasattr(e, "detach") else np.asarray(e)
    tv = t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)
    np.testing.assert_allclose(np.asarray(ev), tv, rtol=rtol, atol=atol, equal_nan=True)


def E_(x, dtype):
    return ember.tensor(x, dtype=getattr(ember, dtype))


def T_(x, dtype):
    return torch.tensor(x, dtype=getattr(torch, dtype))


# (module, class, parameters); parameters broadcast to batch shape (2,) or (2, 3)
CASES = [
    ("gamma", "Gamma", ([0.5, 2.0], [1.0, 3.0])),
    ("chi2", "Chi2", ([0.7, 5.0],)),
    ("beta", "Beta", ([0.5, 2.0], [1.5, 0.3])),
    ("dirichlet", "Dirichlet", ([[0.5, 2.0, 1.0], [3.0, 0.2, 1.5]],)),
    ("inverse_gamma", "InverseGamma", ([2.5, 4.0], [1.0, 3.0])),
    ("studentT", "StudentT", ([2.5, 5.0], [0.0, 1.0], [1.0, 2.0])),
    ("fishersnedecor", "FisherSnedecor", ([3.0, 6.0], [5.0, 9.0])),
    ("von_mises", "VonMises", ([0.3, -1.0], [0.5, 4.0])),
]
IDS = [c[1] for c in CASES]


def pair(case, dtype):
    mod, cls, params = case
    e = getattr(importlib.import_module(f"ember.distributions.{mod}"), cls)(*[E_(p, dtype) for p in params])
    t = getattr(torch.distributions, cls)(*[T_(p, dtype) for p in params])
    return e, t


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_seeded_samples_and_densities(case, dtype):
    e, t = pair(case, dtype)
    rtol = 1e-5 if dtype == "float32" else 1e-10
    assert e.batch_shape == t.batch_shape and e.event_shape == t.event_shape
    for seed in (0, 7):
        torch.manual_seed(seed)
        ember.manual_seed(seed)
        ts, es = t.sample((3,)), e.sample((3,))
        assert es.shape == ts.shape and es.dtype == getattr(ember, dtype)
        close(es, ts, rtol=rtol, atol=1e-6 if dtype == "float32" else 1e-12)
        close(e.log_prob(ember.tensor(ts.numpy())), t.log_prob(ts), rtol=rtol)
    if t.has_rsample:
        torch.manual_seed(1)
        ember.manual_seed(1)
        close(e.rsample((2,)), t.rsample((2,)), rtol=rtol, atol=1e-6 if dtype == "float32" else 1e-12)
    for name in ("mean", "mode", "variance", "stddev"):
        try:
            tv = getattr(t, name)
        except NotImplementedError:
            continue
        close(getattr(e, name), tv, rtol=rtol)
    try:
        te = t.entropy()
    except NotImplementedError:
        te = None
    if te is not None:
        close(e.entropy(), te, rtol=rtol)
    assert repr(e.support) == repr(t.support)
    assert {k: repr(v) for k, v in e.arg_constraints.items()} == {k: repr(v) for k, v in t.arg_constraints.items()}
    assert repr(e) == repr(t)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_expand(case):
    e, t = pair(case, "float64")
    ee, te = e.expand((4,) + tuple(e.batch_shape)), t.expand((4,) + tuple(t.batch_shape))
    assert ee.batch_shape == te.batch_shape and ee.event_shape == te.event_shape
    torch.manual_seed(2)
    ember.manual_seed(2)
    close(ee.sample(), te.sample(), rtol=1e-10)


@pytest.mark.parametrize("cls,params", [("Gamma", ([0.4, 1.7, 6.0], [1.0, 2.0, 0.5])),
                                         ("Beta", ([0.6, 2.0, 4.0], [1.5, 0.3, 3.0])),
                                         ("Dirichlet", ([[0.5, 2.0, 1.0], [3.0, 0.7, 1.5]],)),
                                         ("Chi2", ([0.8, 3.0, 9.0],)),
                                         ("StudentT", ([2.5, 5.0, 9.0],))])
def test_rsample_gradients(cls, params):
    mods = {"Gamma": "gamma", "Beta": "beta", "Dirichlet": "dirichlet", "Chi2": "chi2", "StudentT": "studentT"}
    ep = [ember.tensor(p, dtype=ember.float64, requires_grad=True) for p in params]
    tp = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    e = getattr(importlib.import_module(f"ember.distributions.{mods[cls]}"), cls)(*ep)
    t = getattr(torch.distributions, cls)(*tp)
    torch.manual_seed(4)
    ember.manual_seed(4)
    ts, es = t.rsample((2,)), e.rsample((2,))
    close(es, ts, rtol=1e-10)
    w = np.linspace(0.5, 1.5, ts.numel()).reshape(ts.shape)
    (ts * torch.tensor(w)).sum().backward()
    (es * ember.tensor(w)).sum().backward()
    for a, b in zip(ep, tp):  # torch's gradients are series approximations of the exact derivative
        close(a.grad, b.grad, rtol=5e-3, atol=1e-9)


def test_standard_gamma_ops():
    for seed, alpha in [(0, [0.5, 2.0]), (5, [0.01, 0.9, 1.0, 30.0, 1e-4])]:
        for dt in ("float32", "float64"):
            torch.manual_seed(seed)
            ember.manual_seed(seed)
            t = torch._standard_gamma(T_(alpha, dt))
            e = ember._standard_gamma(E_(alpha, dt))
            close(e, t, rtol=1e-6 if dt == "float32" else 1e-12)
            assert bytes(ember.get_rng_state().numpy()[:24]) == bytes(torch.get_rng_state().numpy()[:24])
    g1, g2 = torch.Generator().manual_seed(3), ember.Generator().manual_seed(3)
    conc = [[0.3, 1.0, 2.0], [5.0, 0.5, 0.5]]
    close(ember._sample_dirichlet(E_(conc, "float64"), generator=g2),
          torch._sample_dirichlet(T_(conc, "float64"), generator=g1), rtol=1e-12)
    x, a = [0.2, 1.5, 4.0], [0.5, 2.0, 3.0]
    # ember differentiates the incomplete gamma/beta functions numerically; torch uses series
    # approximations of the same derivatives: they agree to ~1e-3 relative across the regimes
    close(ember._standard_gamma_grad(E_(a, "float64"), E_(x, "float64")),
          torch._standard_gamma_grad(T_(a, "float64"), T_(x, "float64")), rtol=2e-3)
    ag = [0.5, 2.0, 0.5, 20.0, 1e-3, 5.0, 100.0, 100.0, 9.0, 10.0, 10.0, 3.0]
    xg = [0.0, 0.0, 1e-30, 20.0, 1e-20, 0.8, 95.0, 300.0, 0.8, 9.0, 11.0, 7.5]
    for dt in ("float32", "float64"):
        close(ember._standard_gamma_grad(E_(ag, dt), E_(xg, dt)), torch._standard_gamma_grad(T_(ag, dt), T_(xg, dt)),
              rtol=3e-3, atol=1e-12)
    xb, ab, tb = [0.0, 1.0, 0.5, 1e-9, 1 - 1e-9, 0.3, 0.45, 0.6], [0.5, 2.0, 7.0, 0.5, 3.0, 1e-3, 9.0, 2.0], \
        [1.0, 3.0, 14.0, 2.0, 4.0, 1.0, 20.0, 4.5]
    close(ember._dirichlet_grad(E_(xb, "float64"), E_(ab, "float64"), E_(tb, "float64")),
          torch._dirichlet_grad(T_(xb, "float64"), T_(ab, "float64"), T_(tb, "float64")), rtol=2e-3, atol=1e-12)
    tot = [3.0, 4.0, 5.0]
    close(ember._dirichlet_grad(E_([0.2, 0.5, 0.7], "float64"), E_(a, "float64"), E_(tot, "float64")),
          torch._dirichlet_grad(T_([0.2, 0.5, 0.7], "float64"), T_(a, "float64"), T_(tot, "float64")),
          rtol=2e-3)


def test_validation_messages():
    from ember.distributions.gamma import Gamma
    from ember.distributions.beta import Beta
    for ecls, tcls, args in [(Gamma, torch.distributions.Gamma, (-1.0, 1.0)),
                             (Beta, torch.distributions.Beta, (1.0, 0.0))]:
        with pytest.raises(ValueError) as te:
            tcls(*[torch.tensor(a) for a in args], validate_args=True)
        with pytest.raises(ValueError) as ee:
            ecls(*[ember.tensor(a) for a in args], validate_args=True)
        assert str(ee.value) == str(te.value)
    g = Gamma(ember.tensor(2.0), ember.tensor(1.0), validate_args=True)
    with pytest.raises(ValueError, match="Expected value argument"):
        g.log_prob(ember.tensor(-1.0))
    tg = torch.distributions.Gamma(torch.tensor(2.0), torch.tensor(1.0))
    close(g.cdf(ember.tensor([0.5, 2.0])), tg.cdf(torch.tensor([0.5, 2.0])))

"""Oracle tests for the univariate continuous distributions built on transforms (Helper T's set)."""
import importlib

import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch

pytestmark = requires_torch

P = np.array([[0.3, 0.7, 1.4], [2.0, 0.9, 0.5]])  # positive parameters, batch (2, 3)
Q = np.array([1.1, 0.6, 2.5])
L = np.array([[0.2, -1.0, 0.5], [1.5, 0.0, -0.3]])

# name, module, positional parameter arrays, kwargs, value for log_prob (float64), icdf/cdf tested
CASES = [
    ("Uniform", "uniform", [L, L + P], {}, L + 0.5 * P),
    ("Exponential", "exponential", [P], {}, Q * P),
    ("Laplace", "laplace", [L, P], {}, L + Q),
    ("Cauchy", "cauchy", [L, P], {}, L - Q),
    ("Gumbel", "gumbel", [L, P], {}, L + 0.3),
    ("LogNormal", "log_normal", [L, P], {}, Q * P),
    ("HalfNormal", "half_normal", [P], {}, Q),
    ("HalfCauchy", "half_cauchy", [P], {}, Q),
    ("Weibull", "weibull", [P, Q + 0.2], {}, Q),
    ("Pareto", "pareto", [P, Q], {}, P + Q),
    ("Kumaraswamy", "kumaraswamy", [P + 0.5, Q + 0.3], {}, np.array([0.2, 0.5, 0.9])),
    ("GeneralizedPareto", "generalized_pareto", [L, P, np.array([0.3, -0.2, 0.0])], {}, L + 0.4 * P),
    ("ContinuousBernoulli", "continuous_bernoulli", [], {"probs": np.array([0.2, 0.5, 0.8])},
     np.array([0.1, 0.6, 0.95])),
    ("ContinuousBernoulli", "continuous_bernoulli", [], {"logits": L}, np.array([0.1, 0.6, 0.95])),
    ("LogitRelaxedBernoulli", "relaxed_bernoulli", [np.array(0.7)], {"probs": np.array([0.2, 0.5, 0.8])},
     np.array([-1.0, 0.3, 2.0])),
    ("RelaxedBernoulli", "relaxed_bernoulli", [np.array(0.7)], {"logits": L}, np.array([0.1, 0.6, 0.95])),
    ("ExpRelaxedCategorical", "relaxed_categorical", [np.array(0.5)], {"logits": L},
     np.log(np.array([0.2, 0.3, 0.5]))),
    ("RelaxedOneHotCategorical", "relaxed_categorical", [np.array(1.5)], {"probs": P / P.sum(-1, keepdims=True)},
     np.array([0.2, 0.3, 0.5])),
    ("LogisticNormal", "logistic_normal", [L, P], {}, np.array([0.1, 0.2, 0.3, 0.4])),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


def _close(e, t, rtol=1e-6, atol=1e-9):
    assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def _make(case, lib, dtype, grad=False):
    name, mod, args, kw, _ = case
    cls = getattr(importlib.import_module(f"{lib.__name__}.distributions.{mod}"), name)
    targs = [lib.tensor(a, dtype=dtype, requires_grad=grad) for a in args]
    tkw = {k: lib.tensor(v, dtype=dtype, requires_grad=grad) for k, v in kw.items()}
    return cls(*targs, **tkw), targs + list(tkw.values())


def _try(f):
    try:
        return f(), None
    except (NotImplementedError, ValueError, AttributeError) as exc:
        return None, type(exc)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values_against_torch(case, dtype):
    de, _ = _make(case, ember, getattr(ember, dtype))
    dt, _ = _make(case, torch, getattr(torch, dtype))
    rtol = 1e-10 if dtype == "float64" else 2e-5
    assert de.batch_shape == dt.batch_shape and de.event_shape == dt.event_shape
    assert repr(de) == repr(dt)
    assert repr(de.support) == repr(dt.support)
    assert {k: repr(v) for k, v in de.arg_constraints.items()} == {k: repr(v) for k, v in dt.arg_constraints.items()}
    assert de.has_rsample == dt.has_rsample
    v = case[4]
    ve, vt = ember.tensor(v, dtype=getattr(ember, dtype)), torch.tensor(v, dtype=getattr(torch, dtype))
    try:
        lt = dt.log_prob(vt)
    except RuntimeError as exc:  # torch's GeneralizedPareto.log_prob compares float64 with a float32 zero
        with pytest.raises(RuntimeError, match=str(exc)):
            de.log_prob(ve)
        return
    _close(de.log_prob(ve), lt, rtol=rtol, atol=1e-5 if dtype == "float32" else 1e-9)
    for attr in ["mean", "mode", "variance", "stddev"]:
        te, errt = _try(lambda: getattr(dt, attr))
        ee, erre = _try(lambda: getattr(de, attr))
        assert errt == erre, attr
        if te is not None:
            _close(ee, te, rtol=rtol * 10, atol=1e-6 if dtype == "float32" else 1e-9)
    te, errt = _try(dt.entropy)
    ee, erre = _try(de.entropy)
    assert errt == erre
    if te is not None:
        _close(ee, te, rtol=rtol * 10, atol=1e-5 if dtype == "float32" else 1e-9)
    if de.event_shape == ():
        tc, errt = _try(lambda: dt.cdf(vt))
        ec, erre = _try(lambda: de.cdf(ve))
        assert errt == erre
        if tc is not None:
            _close(ec, tc, rtol=rtol * 10, atol=1e-6 if dtype == "float32" else 1e-10)
            ti, _ = _try(lambda: dt.icdf(tc))
            ei, _ = _try(lambda: de.icdf(ember.tensor(tc.numpy())))
            if ti is not None:
                _close(ei, ti, rtol=rtol * 100, atol=1e-4 if dtype == "float32" else 1e-8)
    # expand
    ex_e, ex_t = de.expand((4,) + tuple(de.batch_shape)), dt.expand((4,) + tuple(dt.batch_shape))
    assert ex_e.batch_shape == ex_t.batch_shape and type(ex_e).__name__ == type(ex_t).__name__
    _close(ex_e.log_prob(ve), ex_t.log_prob(vt), rtol=rtol, atol=1e-5 if dtype == "float32" else 1e-9)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_seeded_samples_and_rsample_grads(case):
    de, pe = _make(case, ember, ember.float64, grad=True)
    dt, pt = _make(case, torch, torch.float64, grad=True)
    ember.manual_seed(7)
    torch.manual_seed(7)
    se, st = de.sample((5,)), dt.sample((5,))
    _close(se, st, rtol=1e-9, atol=1e-12)
    assert not se.requires_grad
    ember.manual_seed(3)
    torch.manual_seed(3)
    if dt.has_rsample:
        re, rt = de.rsample((4, 2)), dt.rsample((4, 2))
        _close(re, rt, rtol=1e-9, atol=1e-12)
        (re * re.detach().sign()).sum().backward(retain_graph=True)
        (rt * rt.detach().sign()).sum().backward(retain_graph=True)
        for a, b in zip(pe, pt):
            _close(a.grad, b.grad, rtol=1e-8, atol=1e-10)
    # log_prob gradients w.r.t. the parameters
    for p in pe + pt:
        p.grad = None
    v = case[4]
    if case[0] == "GeneralizedPareto":  # torch's float64 log_prob raises (see test_values_against_torch)
        return
    de.log_prob(ember.tensor(v)).sum().backward()
    dt.log_prob(torch.tensor(v)).sum().backward()
    for a, b in zip(pe, pt):
        _close(a.grad, b.grad, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_validation_messages(case):
    de, _ = _make(case, ember, ember.float64)
    dt, _ = _make(case, torch, torch.float64)
    bad = np.full(case[4].shape, np.nan)
    with pytest.raises(ValueError) as ee:
        de.log_prob(ember.tensor(bad))
    with pytest.raises(ValueError) as et:
        dt.log_prob(torch.tensor(bad))
    assert str(ee.value).replace("ember", "torch") == str(et.value)


def test_invalid_parameters_message():
    from ember.distributions.exponential import Exponential
    from ember.distributions.uniform import Uniform
    for make in [lambda lib: lib.distributions.Exponential(lib.tensor([1.0, -1.0]))
                 if lib is torch else Exponential(lib.tensor([1.0, -1.0])),
                 lambda lib: lib.distributions.Uniform(lib.tensor(2.0), lib.tensor(1.0))
                 if lib is torch else Uniform(lib.tensor(2.0), lib.tensor(1.0))]:
        with pytest.raises(ValueError) as ee:
            make(ember)
        with pytest.raises(ValueError) as et:
            make(torch)
        assert str(ee.value).replace("ember", "torch") == str(et.value)


def test_scalar_parameters_and_python_floats():
    from ember.distributions.uniform import Uniform
    from ember.distributions.exponential import Exponential
    from ember.distributions.laplace import Laplace
    for E, T, args in [(Uniform, torch.distributions.Uniform, (0.0, 2.0)),
                       (Exponential, torch.distributions.Exponential, (1.5,)),
                       (Laplace, torch.distributions.Laplace, (0.0, 1.0))]:
        de, dt = E(*args), T(*args)
        assert de.batch_shape == dt.batch_shape == ()
        assert repr(de) == repr(dt)
        ember.manual_seed(1)
        torch.manual_seed(1)
        _close(de.sample((3,)), dt.sample((3,)), rtol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_seeded_samples_float32(case):
    de, _ = _make(case, ember, ember.float32)
    dt, _ = _make(case, torch, torch.float32)
    ember.manual_seed(123)
    torch.manual_seed(123)
    # float32 libm results (log, exp, tanh) may differ from torch's SLEEF ones by an ulp
    _close(de.sample((50,)), dt.sample((50,)), rtol=2e-5, atol=1e-6)

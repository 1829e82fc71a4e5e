"""Poisson, Binomial, NegativeBinomial, Geometric and Multinomial against torch (seeded samples,
densities, moments, enumerate_support, validation)."""
import importlib

import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch

pytestmark = requires_torch


def close(e, t, rtol=1e-5, atol=1e-7):
    ev = e.detach().numpy() if hasattr(e, "detach") else np.asarray(e)
    np.testing.assert_allclose(np.asarray(ev), t.detach().numpy(), rtol=rtol, atol=atol, equal_nan=True)


CASES = [
    ("poisson", "Poisson", ([0.5, 4.0, 30.0],), {}),
    ("binomial", "Binomial", (), {"total_count": [5.0, 20.0, 200.0], "probs": [0.3, 0.9, 0.45]}),
    ("binomial", "Binomial", (), {"total_count": 10, "logits": [-1.0, 0.5, 3.0]}),
    ("negative_binomial", "NegativeBinomial", (), {"total_count": [2.0, 5.5, 1.0], "probs": [0.3, 0.6, 0.1]}),
    ("negative_binomial", "NegativeBinomial", (), {"total_count": 3.0, "logits": [-1.0, 0.5, 2.0]}),
    ("geometric", "Geometric", (), {"probs": [0.2, 0.5, 0.9]}),
    ("geometric", "Geometric", (), {"logits": [-2.0, 0.0, 1.5]}),
    ("multinomial", "Multinomial", (), {"total_count": 7, "probs": [[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]]}),
    ("multinomial", "Multinomial", (), {"total_count": 4, "logits": [[0.1, -1.0, 2.0]]}),
]
IDS = [f"{c[1]}-{'-'.join(c[3])}" for c in CASES]


def conv(mod, v, dtype):
    if isinstance(v, list):
        return mod.tensor(v, dtype=getattr(mod, dtype))
    return v


def pair(case, dtype="float32", validate=None):
    mod, cls, args, kw = case
    ecls = getattr(importlib.import_module(f"ember.distributions.{mod}"), cls)
    e = ecls(*[conv(ember, a, dtype) for a in args], **{k: conv(ember, v, dtype) for k, v in kw.items()},
             validate_args=validate)
    t = getattr(torch.distributions, cls)(*[conv(torch, a, dtype) for a in args],
                                          **{k: conv(torch, v, dtype) for k, v in kw.items()},
                                          validate_args=validate)
    return e, t


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_values(case, dtype):
    e, t = pair(case, dtype)
    rtol = 1e-5 if dtype == "float32" else 1e-10
    assert e.batch_shape == t.batch_shape and e.event_shape == t.event_shape
    for seed in (0, 11):
        torch.manual_seed(seed)
        ember.manual_seed(seed)
        ts, es = t.sample((4,)), e.sample((4,))
        assert es.shape == ts.shape and str(es.dtype) == str(ts.dtype)
        close(es, ts, rtol=0, atol=0)
        close(e.log_prob(ember.tensor(ts.numpy())), t.log_prob(ts), rtol=rtol, atol=1e-5 if dtype == "float32" else 1e-10)
    for name in ("mean", "mode", "variance", "stddev", "probs", "logits", "param_shape"):
        try:
            tv = getattr(t, name)
        except AttributeError:
            assert not hasattr(e, name)
            continue
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                getattr(e, name)
            continue
        ev = getattr(e, name)
        if name == "param_shape":
            assert tuple(ev) == tuple(tv)
        else:
            close(ev, tv, rtol=rtol)
    try:
        te = t.entropy()
    except NotImplementedError:
        te = None
    if te is not None:
        close(e.entropy(), te, rtol=rtol, atol=1e-6)
    assert repr(e.support) == repr(t.support)
    assert {k: repr(v) for k, v in e.arg_constraints.items()} == {k: repr(v) for k, v in t.arg_constraints.items()}
    assert repr(e) == repr(t)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_expand_and_enumerate(case):
    e, t = pair(case, "float64")
    shape = (2,) + tuple(t.batch_shape)
    ee, te = e.expand(shape), t.expand(shape)
    assert ee.batch_shape == te.batch_shape and ee.event_shape == te.event_shape
    torch.manual_seed(5)
    ember.manual_seed(5)
    close(ee.sample(), te.sample(), rtol=0, atol=0)
    assert e.has_enumerate_support == t.has_enumerate_support
    if t.has_enumerate_support:
        for expand in (True, False):
            try:
                tv = t.enumerate_support(expand)
            except NotImplementedError as err:
                with pytest.raises(NotImplementedError, match=str(err)):
                    e.enumerate_support(expand)
                continue
            close(e.enumerate_support(expand), tv, rtol=0)


def test_large_counts_and_poisson_rates():
    # torch's transformed-rejection samplers (Poisson above 10, binomial BTRS above n*p = 10)
    torch.manual_seed(9)
    ember.manual_seed(9)
    rates = [0.0, 0.1, 9.9, 10.0, 123.0, 5e4]
    close(ember.poisson(ember.tensor(rates)), torch.poisson(torch.tensor(rates)), rtol=0, atol=0)
    n, p = [0.0, 3.0, 50.0, 1000.0, 1e6], [0.5, 0.0, 0.7, 0.02, 0.999]
    close(ember.binomial(ember.tensor(n), ember.tensor(p)), torch.binomial(torch.tensor(n), torch.tensor(p)),
          rtol=0, atol=0)
    assert bytes(ember.get_rng_state().numpy()[:24]) == bytes(torch.get_rng_state().numpy()[:24])


def test_validation_errors():
    for case, bad in [(CASES[0], {"rate": -1.0}), (CASES[1], {"probs": 1.5}), (CASES[5], {"probs": 0.0})]:
        mod, cls, _, _ = case
        ecls = getattr(importlib.import_module(f"ember.distributions.{mod}"), cls)
        tcls = getattr(torch.distributions, cls)
        with pytest.raises(ValueError) as te:
            tcls(**{k: torch.tensor(v) for k, v in bad.items()}, validate_args=True)
        with pytest.raises(ValueError) as ee:
            ecls(**{k: ember.tensor(v) for k, v in bad.items()}, validate_args=True)
        assert str(ee.value) == str(te.value)
    e, t = pair(CASES[1], "float32", validate=True)
    with pytest.raises(ValueError) as te:
        t.log_prob(torch.tensor([1.0, 2.5, 3.0]))
    with pytest.raises(ValueError) as ee:
        e.log_prob(ember.tensor([1.0, 2.5, 3.0]))
    assert str(ee.value) == str(te.value)
    from ember.distributions.binomial import Binomial
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both."):
        Binomial(3, probs=ember.tensor(0.5), logits=ember.tensor(0.0))
    from ember.distributions.multinomial import Multinomial
    m = Multinomial(3, probs=ember.tensor([0.2, 0.8]), validate_args=True)
    tm = torch.distributions.Multinomial(3, probs=torch.tensor([0.2, 0.8]), validate_args=True)
    with pytest.raises(ValueError) as te:
        tm.log_prob(torch.tensor([2.0, 2.0]))
    with pytest.raises(ValueError) as ee:
        m.log_prob(ember.tensor([2.0, 2.0]))
    assert str(ee.value) == str(te.value)
    close(m.log_prob(ember.tensor([1.0, 2.0])), tm.log_prob(torch.tensor([1.0, 2.0])))

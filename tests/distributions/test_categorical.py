"""Bernoulli, Categorical, OneHotCategorical(StraightThrough) against torch: moments, log_prob,
entropy, seeded samples, enumerate_support, expand, reprs and validation errors."""
import numpy as np
import pytest

import ember
from ember.distributions.bernoulli import Bernoulli
from ember.distributions.categorical import Categorical
from ember.distributions.one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from tests._oracle import requires_torch, torch

pytestmark = requires_torch

TD = None if torch is None else torch.distributions
_rng = np.random.default_rng(3)
P = _rng.dirichlet(np.ones(4), (2, 3)).astype(np.float32)       # batch (2, 3), 4 events
L = _rng.standard_normal((2, 3, 4)).astype(np.float32)
BP = np.array([[0.1, 0.5, 0.9], [0.0, 1.0, 0.3]], dtype=np.float32)
BL = _rng.standard_normal((2, 3)).astype(np.float32)


def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _close(e, t, rtol=1e-5, atol=1e-6):
    assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (e.dtype, t.dtype)
    np.testing.assert_allclose(_np(e), _np(t), rtol=rtol, atol=atol, equal_nan=True)


def _pair(name, **kw):
    e_cls = {"Bernoulli": Bernoulli, "Categorical": Categorical, "OneHotCategorical": OneHotCategorical,
             "OneHotCategoricalStraightThrough": OneHotCategoricalStraightThrough}[name]
    ek = {k: ember.tensor(v) for k, v in kw.items()}
    tk = {k: torch.tensor(v) for k, v in kw.items()}
    return e_cls(**ek), getattr(TD, name)(**tk)


CASES = [("Bernoulli", {"probs": BP}), ("Bernoulli", {"logits": BL}),
         ("Categorical", {"probs": P}), ("Categorical", {"logits": L}),
         ("OneHotCategorical", {"probs": P}), ("OneHotCategorical", {"logits": L}),
         ("OneHotCategoricalStraightThrough", {"probs": P})]


@pytest.mark.parametrize("name,kw", CASES)
def test_moments_entropy_shapes_repr(name, kw):
    e, t = _pair(name, **kw)
    assert e.batch_shape == t.batch_shape and e.event_shape == t.event_shape
    assert tuple(e.param_shape) == tuple(t.param_shape)
    assert repr(e) == repr(t)
    assert repr(e.support) == repr(t.support)
    assert {k: repr(v) for k, v in e.arg_constraints.items()} == {k: repr(v) for k, v in t.arg_constraints.items()}
    assert e.has_enumerate_support and e.has_rsample == t.has_rsample
    for attr in ("mean", "mode", "variance", "stddev", "probs", "logits"):
        _close(getattr(e, attr), getattr(t, attr))
    _close(e.entropy(), t.entropy())


@pytest.mark.parametrize("name,kw", CASES)
def test_enumerate_support_log_prob(name, kw):
    e, t = _pair(name, **kw)
    for expand in (True, False):
        _close(e.enumerate_support(expand), t.enumerate_support(expand))
    ve, vt = e.enumerate_support(), t.enumerate_support()
    _close(e.log_prob(ve), t.log_prob(vt))
    # broadcasting value against the batch
    _close(e.log_prob(ve[:, :1]), t.log_prob(vt[:, :1]))


@pytest.mark.parametrize("name,kw", CASES)
@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
def test_seeded_samples_equal_torch(name, kw, shape):
    e, t = _pair(name, **kw)
    ember.manual_seed(11)
    torch.manual_seed(11)
    se, st = e.sample(shape), t.sample(shape)
    _close(se, st)
    # the generators are left in the same state
    _close(ember.rand(3), torch.rand(3))


@pytest.mark.parametrize("name,kw", CASES)
def test_expand(name, kw):
    e, t = _pair(name, **kw)
    ee, te = e.expand((4, 2, 3)), t.expand((4, 2, 3))
    assert ee.batch_shape == te.batch_shape and tuple(ee.param_shape) == tuple(te.param_shape)
    _close(ee.entropy(), te.entropy())
    ember.manual_seed(2)
    torch.manual_seed(2)
    _close(ee.sample(), te.sample())


def test_categorical_gradients_and_straight_through():
    outs = []
    for lib, cls in ((ember, OneHotCategoricalStraightThrough), (torch, TD.OneHotCategoricalStraightThrough)):
        lib.manual_seed(4)
        lg = lib.tensor(L, requires_grad=True)
        d = cls(logits=lg)
        s = d.rsample((2,))
        w = lib.arange(4, dtype=lib.float32)
        ((s * w).sum() + d.entropy().sum() + d.log_prob(s.detach()).sum()).backward()
        outs.append((s, lg.grad))
    for a, b in zip(*outs):
        _close(a, b)
    outs = []
    for lib, cls in ((ember, Bernoulli), (torch, TD.Bernoulli)):
        pr = lib.tensor(np.array([0.2, 0.7], dtype=np.float32), requires_grad=True)
        d = cls(probs=pr)
        (d.log_prob(lib.tensor([1.0, 0.0])).sum() + d.entropy().sum()).backward()
        outs.append(pr.grad)
    _close(*outs)


def test_scalar_bernoulli_and_float64():
    e, t = Bernoulli(0.3), TD.Bernoulli(0.3)
    assert e.batch_shape == t.batch_shape == torch.Size()
    _close(e.log_prob(ember.tensor(1.0)), t.log_prob(torch.tensor(1.0)))
    p64 = P.astype(np.float64)
    e, t = Categorical(ember.tensor(p64)), TD.Categorical(torch.tensor(p64))
    _close(e.entropy(), t.entropy(), rtol=1e-12)
    _close(e.log_prob(ember.tensor([[0, 1, 3], [2, 2, 0]])), t.log_prob(torch.tensor([[0, 1, 3], [2, 2, 0]])),
           rtol=1e-12)


def _err(fn):
    try:
        fn()
    except Exception as ex:  # noqa: BLE001 - the type is compared below
        return type(ex).__name__, str(ex)
    return None


@pytest.mark.parametrize("make", [
    lambda lib, d: d.Bernoulli(),
    lambda lib, d: d.Bernoulli(probs=lib.tensor([0.5]), logits=lib.tensor([0.0])),
    lambda lib, d: d.Bernoulli(probs=lib.tensor([1.5]), validate_args=True),
    lambda lib, d: d.Bernoulli(probs=lib.tensor([0.5]), validate_args=True).log_prob(lib.tensor([0.5])),
    lambda lib, d: d.Categorical(probs=lib.tensor(0.5)),
    lambda lib, d: d.Categorical(logits=lib.tensor(0.5)),
    lambda lib, d: d.Categorical(probs=lib.tensor([0.5, -0.1]), validate_args=True),
    lambda lib, d: d.Categorical(probs=lib.tensor([0.5, 0.5]), validate_args=True).log_prob(lib.tensor(2)),
    lambda lib, d: d.OneHotCategorical(probs=lib.tensor([0.5, 0.5]), validate_args=True).log_prob(
        lib.tensor([1.0, 1.0])),
    lambda lib, d: d.OneHotCategorical(),
])
def test_validation_errors_match_torch(make):
    import ember.distributions as ED
    got = _err(lambda: make(ember, ED))
    want = _err(lambda: make(torch, TD))
    assert want is not None
    assert got == want


def test_multinomial_single_draw_uses_exponential_race_like_torch():
    # torch draws n_sample == 1 (with replacement or not) as argmax(p / Exp(1)); Categorical relies on it
    ember.manual_seed(5)
    torch.manual_seed(5)
    _close(ember.multinomial(ember.tensor(P.reshape(-1, 4)), 1, True),
           torch.multinomial(torch.tensor(P.reshape(-1, 4)), 1, True))
    _close(ember.sigmoid(ember.tensor(BL).expand(4, 2, 3)).contiguous(),
           torch.sigmoid(torch.tensor(BL).expand(4, 2, 3)))
    assert ember.sigmoid(ember.tensor(BL).expand(4, 2, 3)).stride() == (6, 3, 1)


@pytest.mark.parametrize("make", [
    lambda lib, d: d.Categorical(lib.ones(2, 3)).sample((0,)),
    lambda lib, d: d.Bernoulli(lib.tensor([0.2]), validate_args=True).log_prob(lib.tensor([[1.0], [0.0]])),
    lambda lib, d: d.OneHotCategorical(lib.ones(2, 3)).sample((4,)).dtype,
    lambda lib, d: d.Categorical(lib.ones(2, 3)).sample().dtype,
    lambda lib, d: d.Categorical(lib.ones(2, 3)).enumerate_support().dtype,
    lambda lib, d: d.Categorical(lib.tensor([0.0, 1.0])).entropy().item(),
    lambda lib, d: d.Bernoulli(lib.tensor([0.0, 1.0])).entropy().tolist(),
    lambda lib, d: d.Bernoulli(logits=lib.tensor([-200.0, 200.0])).log_prob(lib.tensor([1.0, 0.0])).tolist(),
])
def test_edge_cases_agree_with_torch(make):
    import ember.distributions as ED

    def run(lib, d):
        try:
            r = make(lib, d)
        except Exception as ex:  # noqa: BLE001 - compared below
            return type(ex).__name__, str(ex)
        return repr(r).replace("torch.", "") if not hasattr(r, "shape") else (tuple(r.shape), _np(r).tolist())
    assert run(ember, ED) == run(torch, TD)

"""Oracle tests for ember.distributions (log_prob, entropy, kl, shapes, gradients, sampling stats)."""
import numpy as np
import pytest

import ember
import ember.distributions as ED
from tests._oracle import torch, requires_torch

pytestmark = requires_torch


def _close(e, t, atol=1e-10):
    assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), atol=atol, rtol=1e-7)


LOC = np.array([[0.0, 1.0, -2.0]])
SCALE = np.array([[1.0], [0.5]])
LOGITS = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]])


def _both(make):
    return make(ember), make(torch)


def test_normal_log_prob_entropy_grads():
    le, lt = ember.tensor(LOC, requires_grad=True), torch.tensor(LOC, requires_grad=True)
    se, st = ember.tensor(SCALE, requires_grad=True), torch.tensor(SCALE, requires_grad=True)
    de, dt = ED.Normal(le, se), torch.distributions.Normal(lt, st)
    assert de.batch_shape == dt.batch_shape and de.event_shape == dt.event_shape
    v = np.array([0.3, -1.0, 2.0])
    _close(de.log_prob(ember.tensor(v)), dt.log_prob(torch.tensor(v)))
    _close(de.entropy(), dt.entropy())
    _close(de.cdf(ember.tensor(v)), dt.cdf(torch.tensor(v)))
    _close(de.icdf(ember.tensor([0.1, 0.5, 0.9], dtype=ember.float64)),
           dt.icdf(torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64)), atol=1e-8)
    (de.log_prob(ember.tensor(v)).sum() + de.entropy().sum()).backward()
    (dt.log_prob(torch.tensor(v)).sum() + dt.entropy().sum()).backward()
    _close(le.grad, lt.grad)
    _close(se.grad, st.grad)
    assert de.sample((5,)).shape == dt.sample((5,)).shape == (5, 2, 3)
    _close(de.mean, dt.mean)
    _close(de.variance, dt.variance)
    assert repr(ED.Normal(0.0, 1.0)) == repr(torch.distributions.Normal(0.0, 1.0))


def test_normal_rsample_reparameterised():
    ember.manual_seed(0)
    loc = ember.tensor(1.5, requires_grad=True)
    scale = ember.tensor(2.0, requires_grad=True)
    x = ED.Normal(loc, scale).rsample((20000,))
    assert abs(float(x.mean()) - 1.5) < 0.05 and abs(float(x.std()) - 2.0) < 0.05
    x.mean().backward()
    assert float(loc.grad) == pytest.approx(1.0)
    assert abs(float(scale.grad)) < 0.05  # d mean(eps * scale) / d scale = mean(eps) ~ 0
    s = ED.Normal(loc, scale).sample()
    assert not s.requires_grad


def test_categorical():
    for kw in ({"logits": LOGITS}, {"probs": np.exp(LOGITS)}):
        de = ED.Categorical(**{k: ember.tensor(v) for k, v in kw.items()})
        dt = torch.distributions.Categorical(**{k: torch.tensor(v) for k, v in kw.items()})
        assert de.batch_shape == dt.batch_shape and de.param_shape == dt.param_shape
        _close(de.probs, dt.probs)
        _close(de.logits, dt.logits)
        _close(de.log_prob(ember.tensor([2, 0])), dt.log_prob(torch.tensor([2, 0])))
        _close(de.log_prob(ember.tensor([[2], [1]])), dt.log_prob(torch.tensor([[2], [1]])))
        _close(de.entropy(), dt.entropy())
        _close(de.mode, dt.mode)
        _close(de.enumerate_support(), dt.enumerate_support())
        assert de.sample((7,)).shape == dt.sample((7,)).shape == (7, 2)
    ember.manual_seed(0)
    s = ED.Categorical(probs=ember.tensor([0.1, 0.6, 0.3])).sample((20000,))
    freq = np.bincount(s.numpy(), minlength=3) / 20000
    np.testing.assert_allclose(freq, [0.1, 0.6, 0.3], atol=0.02)
    le, lt = ember.tensor(LOGITS, requires_grad=True), torch.tensor(LOGITS, requires_grad=True)
    (ED.Categorical(logits=le).log_prob(ember.tensor([1, 2])).sum() + ED.Categorical(logits=le).entropy().sum()).backward()
    (torch.distributions.Categorical(logits=lt).log_prob(torch.tensor([1, 2])).sum()
     + torch.distributions.Categorical(logits=lt).entropy().sum()).backward()
    _close(le.grad, lt.grad)


def test_bernoulli_and_uniform():
    p = np.array([0.2, 0.9, 0.5])
    for kw in ({"probs": p}, {"logits": np.log(p / (1 - p))}):
        de = ED.Bernoulli(**{k: ember.tensor(v) for k, v in kw.items()})
        dt = torch.distributions.Bernoulli(**{k: torch.tensor(v) for k, v in kw.items()})
        v = np.array([1.0, 0.0, 1.0])
        _close(de.log_prob(ember.tensor(v)), dt.log_prob(torch.tensor(v)), atol=1e-7)
        _close(de.entropy(), dt.entropy(), atol=1e-7)
        _close(de.mean, dt.mean, atol=1e-12)
        assert de.sample((4,)).shape == dt.sample((4,)).shape
    ue, ut = ED.Uniform(ember.tensor([0.0, -1.0]), 2.0), torch.distributions.Uniform(torch.tensor([0.0, -1.0]), 2.0)
    _close(ue.log_prob(ember.tensor([1.0, 1.5])), ut.log_prob(torch.tensor([1.0, 1.5])))
    _close(ue.entropy(), ut.entropy())
    _close(ue.mean, ut.mean)
    _close(ue.variance, ut.variance)
    x = ue.rsample((1000,))
    assert x.shape == (1000, 2) and float(x[:, 0].min()) >= 0 and float(x[:, 1].max()) < 2
    with pytest.raises(ValueError, match="support"):
        ue.log_prob(ember.tensor([3.0, 0.0]))
    with pytest.raises(ValueError, match="support"):
        ut.log_prob(torch.tensor([3.0, 0.0]))


def test_validation_and_kl():
    for make in (lambda L: L.distributions.Normal(0.0, -1.0) if L is torch else ED.Normal(0.0, -1.0),
                 lambda L: L.distributions.Bernoulli(probs=L.tensor([1.5])) if L is torch
                 else ED.Bernoulli(probs=ember.tensor([1.5]))):
        for L in (ember, torch):
            with pytest.raises(ValueError, match="constraint"):
                make(L)
    with pytest.raises(ValueError, match="Either"):
        ED.Categorical()
    pairs = [
        (lambda L, D: (D.Normal(L.tensor([0.0, 1.0]), L.tensor([1.0, 2.0])), D.Normal(L.tensor(0.5), L.tensor(1.5)))),
        (lambda L, D: (D.Categorical(logits=L.tensor(LOGITS)), D.Categorical(logits=L.tensor(LOGITS[::-1].copy())))),
        (lambda L, D: (D.Bernoulli(probs=L.tensor([0.2, 0.7])), D.Bernoulli(probs=L.tensor([0.5, 0.5])))),
        (lambda L, D: (D.Uniform(L.tensor([0.0]), L.tensor([1.0])), D.Uniform(L.tensor([-1.0]), L.tensor([2.0])))),
    ]
    for make in pairs:
        pe, qe = make(ember, ED)
        pt, qt = make(torch, torch.distributions)
        _close(ED.kl_divergence(pe, qe), torch.distributions.kl_divergence(pt, qt), atol=1e-6)
    # q = Uniform misses most of a Normal's support: infinite, as in torch
    assert ED.kl_divergence(ED.Normal(0.0, 1.0), ED.Uniform(0.0, 1.0)).item() == \
        torch.distributions.kl_divergence(torch.distributions.Normal(0.0, 1.0), torch.distributions.Uniform(0.0, 1.0)).item()

"""KL(p || q) formulas for pairs of distributions, registered with ``kl.register_kl`` (the pairs
torch registers; infinite where q does not cover p's support)."""
from __future__ import annotations

import math

from .bernoulli import Bernoulli
from .categorical import Categorical
from .kl import register_kl
from .normal import Normal
from .uniform import Uniform


def _E():
    import ember
    return ember


def _inf_like(t):
    return _E().full_like(t, math.inf)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    E = _E()
    t = p.probs * (p.logits - q.logits)
    t[(q.probs == 0).expand_as(t)] = math.inf
    t[(p.probs == 0).expand_as(t)] = 0
    return t.sum(-1) if t.dim() else t


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    from ..nn import functional as F
    E = _E()
    t1 = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
    t1 = E.where(q.probs == 0, _inf_like(t1), t1)
    t1 = E.where(p.probs == 0, E.zeros_like(t1), t1)
    t2 = (1 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
    t2 = E.where(q.probs == 1, _inf_like(t2), t2)
    t2 = E.where(p.probs == 1, E.zeros_like(t2), t2)
    return t1 + t2


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    result = ((q.high - q.low) / (p.high - p.low)).log()
    result[(q.low > p.low) | (q.high < p.high)] = math.inf
    return result

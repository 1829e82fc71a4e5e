"""torch.distributions.ContinuousBernoulli."""
from __future__ import annotations

import math
from numbers import Number

from . import constraints
from .exp_family import ExponentialFamily
from .utils import _BinaryProbsLogits, broadcast_all, clamp_probs, lazy_property, logits_to_probs

__all__ = ["ContinuousBernoulli"]


def _E():
    import ember
    return ember


class ContinuousBernoulli(_BinaryProbsLogits, ExponentialFamily):
    """The continuous Bernoulli on [0, 1] with parameter ``probs`` (or ``logits``). Near
    probs = 0.5 (within ``lims``) the normaliser and moments use Taylor expansions."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    _mean_carrier_measure = 0
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            is_scalar = isinstance(probs, Number)
            (self.probs,) = broadcast_all(probs)
            if validate_args is not None and not bool(self.arg_constraints["probs"].check(self.probs).all()):
                raise ValueError("The parameter probs has invalid values")
            self.probs = clamp_probs(self.probs)
        else:
            is_scalar = isinstance(logits, Number)
            (self.logits,) = broadcast_all(logits)
        self._param = self.probs if probs is not None else self.logits
        self._lims = lims
        super().__init__(_E().Size() if is_scalar else self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(ContinuousBernoulli, _instance)
        new._lims = self._lims
        batch_shape = _E().Size(batch_shape)
        self._expand_param(new, batch_shape)
        super(ContinuousBernoulli, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _stable(self):
        """Where probs is far enough from 1/2 for the closed forms."""
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self):
        E = _E()
        return E.where(self._stable(), self.probs, self._lims[0] * E.ones_like(self.probs))

    def _cont_bern_log_norm(self):
        """log C(probs), the normalising constant's log."""
        E = _E()
        p = self._cut_probs()
        below = E.where(p <= 0.5, p, E.zeros_like(p))
        above = E.where(p >= 0.5, p, E.ones_like(p))
        log_norm = E.log(E.abs(E.log1p(-p) - E.log(p))) - E.where(p <= 0.5, E.log1p(-2.0 * below),
                                                                   E.log(2.0 * above - 1.0))
        x = (self.probs - 0.5) ** 2
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return E.where(self._stable(), log_norm, taylor)

    @property
    def mean(self):
        E = _E()
        p = self._cut_probs()
        mus = p / (2.0 * p - 1.0) + 1.0 / (E.log1p(-p) - E.log(p))
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x ** 2) * x
        return E.where(self._stable(), mus, taylor)

    @property
    def stddev(self):
        return self.variance.sqrt()

    @property
    def variance(self):
        E = _E()
        p = self._cut_probs()
        var = p * (p - 1.0) / (1.0 - 2.0 * p) ** 2 + 1.0 / (E.log1p(-p) - E.log(p)) ** 2
        x = (self.probs - 0.5) ** 2
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return E.where(self._stable(), var, taylor)

    @lazy_property
    def probs(self):
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    def sample(self, sample_shape=()):
        E = _E()
        u = E.rand(self._extended_shape(sample_shape), dtype=self.probs.dtype, device=self.probs.device)
        with E.no_grad():
            return self.icdf(u)

    def rsample(self, sample_shape=()):
        E = _E()
        u = E.rand(self._extended_shape(sample_shape), dtype=self.probs.dtype, device=self.probs.device)
        return self.icdf(u)

    def log_prob(self, value):
        from ..nn import functional as F
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none") + self._cont_bern_log_norm()

    def cdf(self, value):
        E = _E()
        if self._validate_args:
            self._validate_sample(value)
        p = self._cut_probs()
        cdfs = (p ** value * (1.0 - p) ** (1.0 - value) + p - 1.0) / (2.0 * p - 1.0)
        inside = E.where(self._stable(), cdfs, value)
        return E.where(value <= 0.0, E.zeros_like(value), E.where(value >= 1.0, E.ones_like(value), inside))

    def icdf(self, value):
        E = _E()
        p = self._cut_probs()
        closed = (E.log1p(-p + value * (2.0 * p - 1.0)) - E.log1p(-p)) / (E.log(p) - E.log1p(-p))
        return E.where(self._stable(), closed, value)

    def entropy(self):
        E = _E()
        log_probs0 = E.log1p(-self.probs)
        log_probs1 = E.log(self.probs)
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0

    @property
    def _natural_params(self):
        return (self.logits,)

    def _log_normalizer(self, x):
        E = _E()
        out_unst_reg = (x <= self._lims[0] - 0.5) | (x > self._lims[1] - 0.5)
        cut_nat_params = E.where(out_unst_reg, x, (self._lims[0] - 0.5) * E.ones_like(x))
        log_norm = E.log(E.abs(E.special.expm1(cut_nat_params))) - E.log(E.abs(cut_nat_params))
        taylor = 0.5 * x + x ** 2 / 24.0 - x ** 4 / 2880.0
        return E.where(out_unst_reg, log_norm, taylor)

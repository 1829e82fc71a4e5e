"""torch.distributions.Gamma."""
from __future__ import annotations

from numbers import Number

from . import constraints
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Gamma"]


def _E():
    import ember
    return ember


def _standard_gamma(concentration):
    from ..ops.random_gamma import _standard_gamma as sg
    return sg(concentration)


class Gamma(ExponentialFamily):
    """Gamma with shape ``concentration`` and inverse scale ``rate``."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def __init__(self, concentration, rate, validate_args=None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        if isinstance(concentration, Number) and isinstance(rate, Number):
            batch_shape = _E().Size()
        else:
            batch_shape = self.concentration.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_with(Gamma, batch_shape, _instance, "concentration", "rate")

    def rsample(self, sample_shape=()):
        E = _E()
        shape = self._extended_shape(sample_shape)
        value = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        value.detach().clamp_(min=E.finfo(value.dtype).tiny)  # do not record in autograd graph
        return value

    def log_prob(self, value):
        E = _E()
        value = E.as_tensor(value, dtype=self.rate.dtype, device=self.rate.device)
        if self._validate_args:
            self._validate_sample(value)
        return (E.xlogy(self.concentration, self.rate) + E.xlogy(self.concentration - 1, value)
                - self.rate * value - E.lgamma(self.concentration))

    def entropy(self):
        E = _E()
        return (self.concentration - self.rate.log() + E.lgamma(self.concentration)
                + (1.0 - self.concentration) * E.digamma(self.concentration))

    @property
    def _natural_params(self):
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x, y):
        E = _E()
        return E.lgamma(x + 1) + (x + 1) * (-y.reciprocal()).log()

    def cdf(self, value):
        E = _E()
        if self._validate_args:
            self._validate_sample(value)
        return E.special.gammainc(self.concentration, self.rate * value)

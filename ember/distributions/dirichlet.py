"""torch.distributions.Dirichlet."""
from __future__ import annotations

from . import constraints
from .exp_family import ExponentialFamily

__all__ = ["Dirichlet"]


def _E():
    import ember
    return ember


class Dirichlet(ExponentialFamily):
    """Dirichlet over the simplex of the last dimension, concentrations ``concentration``."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        batch_shape, event_shape = concentration.shape[:-1], concentration.shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = _E().Size(batch_shape)
        new.concentration = self.concentration.expand(tuple(batch_shape) + tuple(self.event_shape))
        super(Dirichlet, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=()):
        from ..ops.random_gamma import _sample_dirichlet
        shape = self._extended_shape(sample_shape)
        return _sample_dirichlet(self.concentration.expand(shape))

    def log_prob(self, value):
        E = _E()
        if self._validate_args:
            self._validate_sample(value)
        return (E.xlogy(self.concentration - 1.0, value).sum(-1) + E.lgamma(self.concentration.sum(-1))
                - E.lgamma(self.concentration).sum(-1))

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        E = _E()
        concentrationm1 = (self.concentration - 1).clamp(min=0.0)
        mode = concentrationm1 / concentrationm1.sum(-1, True)
        mask = (self.concentration < 1).all(dim=-1)
        mode[mask] = E.nn.functional.one_hot(mode[mask].argmax(dim=-1), concentrationm1.shape[-1]).to(mode)
        return mode

    @property
    def variance(self):
        con0 = self.concentration.sum(-1, True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def entropy(self):
        E = _E()
        k = self.concentration.size(-1)
        a0 = self.concentration.sum(-1)
        return (E.lgamma(self.concentration).sum(-1) - E.lgamma(a0) - (k - a0) * E.digamma(a0)
                - ((self.concentration - 1.0) * E.digamma(self.concentration)).sum(-1))

    @property
    def _natural_params(self):
        return (self.concentration,)

    def _log_normalizer(self, x):
        E = _E()
        return x.lgamma().sum(-1) - E.lgamma(x.sum(-1))

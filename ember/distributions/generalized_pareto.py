"""torch.distributions.GeneralizedPareto."""
from __future__ import annotations

import math
from numbers import Number, Real

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["GeneralizedPareto"]


def _E():
    import ember
    return ember


class GeneralizedPareto(Distribution):
    """Generalized Pareto with location ``loc``, scale ``scale`` and shape ``concentration`` (xi)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        numbers = all(isinstance(v, Number) for v in (loc, scale, concentration))
        super().__init__(_E().Size() if numbers else self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(GeneralizedPareto, _instance)
        batch_shape = _E().Size(batch_shape)
        for name in ("loc", "scale", "concentration"):
            setattr(new, name, getattr(self, name).expand(batch_shape))
        super(GeneralizedPareto, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _shape_parts(self):
        """(xi == 0 mask, xi with zeros replaced by 1) so the xi != 0 formulas stay finite."""
        E = _E()
        xi = self.concentration
        zero = E.isclose(xi, E.tensor(0.0))
        return zero, E.where(zero, E.ones_like(xi), xi)

    def rsample(self, sample_shape=()):
        E = _E()
        u = E.rand(self._extended_shape(sample_shape), dtype=self.loc.dtype, device=self.loc.device)
        return self.icdf(u)

    def log_prob(self, value):
        E = _E()
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        zero, xi = self._shape_parts()
        y = 1 / xi + E.ones_like(z)
        tail = E.where(y == 0, y, y * E.log1p(xi * z))
        log_scale = math.log(self.scale) if isinstance(self.scale, Real) else self.scale.log()
        return -log_scale - E.where(zero, z, tail)

    def log_survival_function(self, value):
        """log P(X > value)."""
        E = _E()
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        zero, xi = self._shape_parts()
        return E.where(zero, -z, -E.log1p(xi * z) / xi)

    def log_cdf(self, value):
        """log P(X <= value)."""
        E = _E()
        return E.log1p(-E.exp(self.log_survival_function(value)))

    def cdf(self, value):
        return _E().exp(self.log_cdf(value))

    def icdf(self, value):
        E = _E()
        zero = E.isclose(self.concentration, E.zeros_like(self.concentration))
        xi = E.where(zero, E.ones_like(self.concentration), self.concentration)
        log1m_u = E.log1p(-value)
        return E.where(zero, self.loc - self.scale * log1m_u, self.loc + self.scale / xi * E.expm1(-xi * log1m_u))

    @property
    def mean(self):
        E = _E()
        ok = self.concentration < 1
        xi = E.where(ok, self.concentration, 0.5)
        return E.where(ok, self.loc + self.scale / (1 - xi), math.nan)

    @property
    def variance(self):
        E = _E()
        ok = self.concentration < 0.5
        xi = E.where(ok, self.concentration, 0.25)
        return E.where(ok, self.scale ** 2 / ((1 - xi) ** 2 * (1 - 2 * xi)), math.nan)

    def entropy(self):
        return _E().broadcast_to(self.scale.log() + self.concentration + 1, self._batch_shape)

    @property
    def mode(self):
        return self.loc

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        E = _E()
        upper = E.where(self.concentration < 0, self.loc - self.scale / self.concentration, math.inf)
        return constraints.interval(self.loc, upper)

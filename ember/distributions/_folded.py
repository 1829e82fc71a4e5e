"""What HalfNormal and HalfCauchy share: |X| for X symmetric about 0 with a ``scale``, so the
density doubles on [0, inf) and the cdf, icdf and entropy follow from the base distribution's."""
from __future__ import annotations

import math

from . import constraints
from .transformed_distribution import TransformedDistribution
from .transforms import AbsTransform


def _E():
    import ember
    return ember


class _Folded(TransformedDistribution):
    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _base = None  # the symmetric distribution class, called as _base(0, scale)
    _coerce_value = False  # HalfCauchy.log_prob also takes Python numbers, as torch's does

    def __init__(self, scale, validate_args=None) -> None:
        base_dist = self._base(0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(type(self), _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def scale(self):
        return self.base_dist.scale

    @property
    def mode(self):
        return _E().zeros_like(self.scale)

    def log_prob(self, value):
        E = _E()
        if self._validate_args:
            self._validate_sample(value)
        if self._coerce_value:
            value = E.as_tensor(value, dtype=self.base_dist.scale.dtype, device=self.base_dist.scale.device)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return E.where(value >= 0, log_prob, E.full_like(log_prob, -math.inf))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)

"""torch.distributions.HalfCauchy."""
from __future__ import annotations

import math

from ._folded import _Folded
from .cauchy import Cauchy

__all__ = ["HalfCauchy"]


def _E():
    import ember
    return ember


class HalfCauchy(_Folded):
    """|X| for X ~ Cauchy(0, scale)."""

    _base = Cauchy
    _coerce_value = True

    @property
    def mean(self):
        E = _E()
        return E.full(self._extended_shape(), math.inf, dtype=self.scale.dtype, device=self.scale.device)

    @property
    def variance(self):
        return self.base_dist.variance

"""torch.distributions.VonMises (circular normal)."""
from __future__ import annotations

import math

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, lazy_property

__all__ = ["VonMises"]


def _E():
    import ember
    return ember


def _log_i(x, order: int):
    """log I_order(x) through the exponentially scaled Bessel function (stable for large x)."""
    E = _E()
    fn = E.special.i0e if order == 0 else E.special.i1e
    return fn(x).log() + x.abs()


class VonMises(Distribution):
    """Von Mises on the circle with mean direction ``loc`` and ``concentration`` (kappa)."""

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None) -> None:
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, _E().Size(), validate_args)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (self.concentration * (value - self.loc).cos() - math.log(2 * math.pi)
                - _log_i(self.concentration, 0))

    @lazy_property
    def _loc(self):
        return self.loc.to(_E().float64)

    @lazy_property
    def _concentration(self):
        return self.concentration.to(_E().float64)

    @lazy_property
    def _proposal_r(self):
        E = _E()
        kappa = self._concentration
        tau = 1 + (1 + 4 * kappa ** 2).sqrt()
        rho = (tau - (2 * tau).sqrt()) / (2 * kappa)
        return E.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho ** 2) / (2 * rho))

    def sample(self, sample_shape=()):
        """Best & Fisher's rejection sampler in float64, all elements in parallel rounds."""
        E = _E()
        with E.no_grad():
            shape = self._extended_shape(sample_shape)
            x = E.empty(shape, dtype=self._loc.dtype, device=self.loc.device)
            done = E.zeros(shape, dtype=E.bool, device=self.loc.device)
            r = self._proposal_r
            kappa = self._concentration
            while not bool(done.all()):
                u1, u2, u3 = E.rand((3,) + tuple(shape), dtype=self._loc.dtype, device=self.loc.device).unbind()
                z = (math.pi * u1).cos()
                f = (1 + r * z) / (r + z)
                c = kappa * (r - f)
                accept = ((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0)
                if bool(accept.any()):
                    x = E.where(accept, (u3 - 0.5).sign() * f.acos(), x)
                    done = done | accept
            return ((x + math.pi + self._loc) % (2 * math.pi) - math.pi).to(self.loc.dtype)

    def expand(self, batch_shape, _instance=None):
        validate_args = self.__dict__.get("_validate_args")
        return type(self)(self.loc.expand(batch_shape), self.concentration.expand(batch_shape),
                          validate_args=validate_args)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @lazy_property
    def variance(self):
        return 1 - (_log_i(self.concentration, 1) - _log_i(self.concentration, 0)).exp()
